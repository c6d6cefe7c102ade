package spec

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/servin/servin/libservin/spec/internal/jsonfold"
)

// This file is the hand-written half of the config.json decoder: a
// tokenizer over []byte and generic helpers for the value kinds, which the
// generated per-struct functions in decode_gen.go call. It decodes exactly
// as encoding/json (v1) does into the same types, without reflection, so a
// short-lived servin-run process does not pay encoding/json's per-type
// set-up (typeFields for every type specs.Spec reaches). The rules it
// copies from encoding/json:
//   - the whole input must be valid JSON, including values of unknown keys
//     and what follows the top-level value, nested at most maxDepth deep;
//   - object keys match a field's JSON name exactly, else after case folding
//     (the first field in declaration order wins a folded tie); unknown keys
//     are skipped;
//   - null sets pointers, slices and maps to nil and leaves other values;
//     an object decodes into an existing pointer or map (merging); an array
//     reuses the slice's backing array element by element;
//   - integers take integer literals in range only; strings are unescaped
//     with invalid UTF-8 and lone surrogates turned into U+FFFD.
// Where encoding/json keeps going after a type mismatch to report the first
// one, this decoder stops at the first error of any kind.

// maxDepth is encoding/json's limit on nested objects and arrays.
const maxDepth = 10000

// decoder reads one JSON text.
type decoder struct {
	data  []byte
	off   int
	depth int
	buf   []byte // unescaped string or key, valid until the next string
	fold  []byte // case-folded key
}

// decodeError is a syntax error or a value that does not fit its field.
type decodeError struct {
	off  int
	msg  string   // syntax error text, or the JSON kind that did not fit
	typ  string   // Go type the value did not fit; empty for syntax errors
	path []string // field names and [index]es, innermost first
}

func (e *decodeError) Error() string {
	if e.typ == "" {
		return fmt.Sprintf("json: %s (offset %d)", e.msg, e.off)
	}
	var b strings.Builder
	for i := len(e.path) - 1; i >= 0; i-- {
		p := e.path[i]
		if b.Len() > 0 && p[0] != '[' {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	where := b.String()
	if where == "" {
		where = "value"
	}
	return fmt.Sprintf("json: cannot unmarshal %s into %s of type %s (offset %d)", e.msg, where, e.typ, e.off)
}

// inField adds a path element to a type error from below.
func inField(err error, name string) error {
	if e, ok := err.(*decodeError); ok && e.typ != "" {
		e.path = append(e.path, name)
	}
	return err
}

func (d *decoder) syntaxErr(msg string) error {
	return &decodeError{off: d.off, msg: msg}
}

// unexpected reports the byte at d.off (or the end of input) as a syntax error.
func (d *decoder) unexpected(context string) error {
	if d.off >= len(d.data) {
		return d.syntaxErr("unexpected end of JSON input")
	}
	return d.syntaxErr(fmt.Sprintf("invalid character %s %s", quoteChar(d.data[d.off]), context))
}

func quoteChar(c byte) string {
	switch {
	case c == '\'':
		return `'\''`
	case c == '"':
		return `'"'`
	case c < 0x20 || c >= 0x7f:
		return strconv.Quote(string(rune(c)))
	}
	return "'" + string(c) + "'"
}

// typeErr reports the value at d.off, which does not fit typ, or a syntax
// error if no value starts there.
func (d *decoder) typeErr(typ string) error {
	var what string
	switch c := d.peek(); {
	case c == '{':
		what = "object"
	case c == '[':
		what = "array"
	case c == '"':
		what = "string"
	case c == 't' || c == 'f':
		if _, err := d.literal(); err != nil {
			return err
		}
		what = "bool"
	case c == '-' || ('0' <= c && c <= '9'):
		off := d.off
		lit, err := d.number()
		if err != nil {
			return err
		}
		d.off = off
		what = "number " + string(lit)
	default:
		return d.unexpected("looking for beginning of value")
	}
	return &decodeError{off: d.off, msg: what, typ: typ}
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r'
}

func (d *decoder) skipSpace() {
	for d.off < len(d.data) && isSpace(d.data[d.off]) {
		d.off++
	}
}

// peek skips white space and returns the next byte, 0 at the end.
func (d *decoder) peek() byte {
	d.skipSpace()
	if d.off < len(d.data) {
		return d.data[d.off]
	}
	return 0
}

// top decodes the single JSON value of the input with dec.
func top[T any](data []byte, v *T, dec func(*decoder, *T) error) error {
	d := decoder{data: data}
	if err := dec(&d, v); err != nil {
		return err
	}
	if d.peek(); d.off < len(d.data) {
		return d.unexpected("after top-level value")
	}
	return nil
}

// null consumes a null literal if one is next.
func (d *decoder) null() (bool, error) {
	if d.peek() != 'n' {
		return false, nil
	}
	if _, err := d.literal(); err != nil {
		return false, err
	}
	return true, nil
}

// literal consumes true, false or null, and reports which of the first two.
func (d *decoder) literal() (bool, error) {
	for _, w := range [...]string{"true", "false", "null"} {
		if d.data[d.off] != w[0] {
			continue
		}
		for i := 1; i < len(w); i++ {
			d.off++
			if d.off >= len(d.data) || d.data[d.off] != w[i] {
				return false, d.unexpected("in literal " + w + " (expecting " + quoteChar(w[i]) + ")")
			}
		}
		d.off++
		return w == "true", nil
	}
	return false, d.unexpected("looking for beginning of value")
}

// push consumes the '{' or '[' at d.off, one level deeper.
func (d *decoder) push() error {
	d.depth++
	if d.depth > maxDepth {
		return d.syntaxErr("exceeded max depth")
	}
	d.off++
	return nil
}

// object starts an object value. It returns false with a nil error for
// null, which leaves a struct as it is, and false with the error for
// anything but an object.
func (d *decoder) object(typ string) (bool, error) {
	switch d.peek() {
	case '{':
		if err := d.push(); err != nil {
			return false, err
		}
		return true, nil
	case 'n':
		_, err := d.null()
		return false, err
	}
	return false, d.typeErr(typ)
}

// key reads member n's key and colon, leaving d at its value; it returns
// false at the closing brace. The key is valid until the next string.
func (d *decoder) key(n int) ([]byte, bool, error) {
	c := d.peek()
	if c == '}' { // after '{' or a member's value; a ',' must be followed by a key
		d.off++
		d.depth--
		return nil, false, nil
	}
	if n > 0 {
		if c != ',' {
			return nil, false, d.unexpected("after object key:value pair")
		}
		d.off++
		c = d.peek()
	}
	if c != '"' {
		return nil, false, d.unexpected("looking for beginning of object key string")
	}
	k, err := d.string()
	if err != nil {
		return nil, false, err
	}
	if d.peek() != ':' {
		return nil, false, d.unexpected("after object key")
	}
	d.off++
	return k, true, nil
}

// string reads a string at d.off and returns its unescaped bytes: a part
// of the input if nothing needs unescaping, else d.buf.
func (d *decoder) string() ([]byte, error) {
	d.off++
	start := d.off
	for d.off < len(d.data) {
		c := d.data[d.off]
		switch {
		case c == '"':
			d.off++
			return d.data[start : d.off-1], nil
		case c == '\\':
			return d.unescape(start)
		case c < 0x20:
			return nil, d.unexpected("in string literal")
		case c < utf8.RuneSelf:
			d.off++
		default:
			r, n := utf8.DecodeRune(d.data[d.off:])
			if r == utf8.RuneError && n == 1 {
				return d.unescape(start)
			}
			d.off += n
		}
	}
	return nil, d.unexpected("in string literal")
}

// unescape finishes a string that needs rewriting from d.off on into
// d.buf, as encoding/json's unquote does.
func (d *decoder) unescape(start int) ([]byte, error) {
	b := append(d.buf[:0], d.data[start:d.off]...)
	for d.off < len(d.data) {
		c := d.data[d.off]
		switch {
		case c == '"':
			d.off++
			d.buf = b
			return b, nil
		case c == '\\':
			d.off++
			if d.off >= len(d.data) {
				return nil, d.unexpected("in string literal")
			}
			switch e := d.data[d.off]; e {
			case '"', '\\', '/':
				b = append(b, e)
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r, err := d.hex4()
				if err != nil {
					return nil, err
				}
				if 0xd800 <= r && r < 0xe000 {
					r = d.surrogate(r)
				}
				b = utf8.AppendRune(b, r)
				continue
			default:
				return nil, d.unexpected("in string escape code")
			}
			d.off++
		case c < 0x20:
			return nil, d.unexpected("in string literal")
		case c < utf8.RuneSelf:
			b = append(b, c)
			d.off++
		default:
			r, n := utf8.DecodeRune(d.data[d.off:])
			b = utf8.AppendRune(b, r) // RuneError for each invalid byte
			d.off += n
		}
	}
	return nil, d.unexpected("in string literal")
}

// hex4 reads the XXXX of \uXXXX, d.off being at the u, and leaves d.off
// after it.
func (d *decoder) hex4() (rune, error) {
	var r rune
	for range 4 {
		d.off++
		if d.off >= len(d.data) {
			return 0, d.unexpected("in \\u hexadecimal character escape")
		}
		v, ok := hexDigit(d.data[d.off])
		if !ok {
			return 0, d.unexpected("in \\u hexadecimal character escape")
		}
		r = r<<4 | rune(v)
	}
	d.off++
	return r, nil
}

// hexDigit is c's value as a hexadecimal digit.
func hexDigit(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// surrogate combines the surrogate r with a following \uXXXX low
// surrogate, consuming it; anything else leaves it and gives U+FFFD.
func (d *decoder) surrogate(r rune) rune {
	if r >= 0xdc00 || d.off+6 > len(d.data) || d.data[d.off] != '\\' || d.data[d.off+1] != 'u' {
		return utf8.RuneError
	}
	var r2 rune
	for _, c := range d.data[d.off+2 : d.off+6] {
		v, ok := hexDigit(c)
		if !ok {
			return utf8.RuneError // the escape is checked when read next
		}
		r2 = r2<<4 | rune(v)
	}
	if r2 < 0xdc00 || r2 >= 0xe000 {
		return utf8.RuneError
	}
	d.off += 6
	return 0x10000 + (r-0xd800)<<10 + (r2 - 0xdc00)
}

// number reads a number literal, checking its grammar.
func (d *decoder) number() ([]byte, error) {
	start := d.off
	digits := func() bool {
		n := d.off
		for d.off < len(d.data) && '0' <= d.data[d.off] && d.data[d.off] <= '9' {
			d.off++
		}
		return d.off > n
	}
	if d.data[d.off] == '-' {
		d.off++
	}
	switch {
	case d.off < len(d.data) && d.data[d.off] == '0':
		d.off++
	case d.off < len(d.data) && '1' <= d.data[d.off] && d.data[d.off] <= '9':
		digits()
	default:
		return nil, d.unexpected("in numeric literal")
	}
	if d.off < len(d.data) && d.data[d.off] == '.' {
		d.off++
		if !digits() {
			return nil, d.unexpected("after decimal point in numeric literal")
		}
	}
	if d.off < len(d.data) && (d.data[d.off] == 'e' || d.data[d.off] == 'E') {
		d.off++
		if d.off < len(d.data) && (d.data[d.off] == '+' || d.data[d.off] == '-') {
			d.off++
		}
		if !digits() {
			return nil, d.unexpected("in exponent of numeric literal")
		}
	}
	return d.data[start:d.off], nil
}

// skip reads any value, checking it, as the value of an unknown key.
func (d *decoder) skip() error {
	switch c := d.peek(); {
	case c == '"':
		return d.skipString()
	case c == '{':
		if err := d.push(); err != nil {
			return err
		}
		for n := 0; ; n++ {
			_, more, err := d.key(n)
			if err != nil || !more {
				return err
			}
			if err := d.skip(); err != nil {
				return err
			}
		}
	case c == '[':
		if err := d.push(); err != nil {
			return err
		}
		for n := 0; ; n++ {
			more, err := d.elem(n)
			if err != nil || !more {
				return err
			}
			if err := d.skip(); err != nil {
				return err
			}
		}
	case c == '-' || ('0' <= c && c <= '9'):
		_, err := d.number()
		return err
	case d.off < len(d.data):
		_, err := d.literal()
		return err
	}
	return d.unexpected("looking for beginning of value")
}

// skipString checks a string without unescaping it.
func (d *decoder) skipString() error {
	d.off++
	for d.off < len(d.data) {
		switch c := d.data[d.off]; {
		case c == '"':
			d.off++
			return nil
		case c == '\\':
			d.off++
			if d.off >= len(d.data) {
				return d.unexpected("in string literal")
			}
			switch d.data[d.off] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				d.off++
			case 'u':
				if _, err := d.hex4(); err != nil {
					return err
				}
			default:
				return d.unexpected("in string escape code")
			}
		case c < 0x20:
			return d.unexpected("in string literal")
		default:
			d.off++
		}
	}
	return d.unexpected("in string literal")
}

// elem moves to element n of an array whose [ has been read; it returns
// false at the closing bracket.
func (d *decoder) elem(n int) (bool, error) {
	c := d.peek()
	if c == ']' && n == 0 {
		d.off++
		d.depth--
		return false, nil
	}
	if n == 0 {
		return true, nil
	}
	switch c {
	case ']':
		d.off++
		d.depth--
		return false, nil
	case ',':
		d.off++
		if d.peek() == ']' {
			return false, d.unexpected("looking for beginning of value")
		}
		return true, nil
	}
	return false, d.unexpected("after array element")
}

// foldKey folds key as encoding/json's foldName does, into d.fold.
func (d *decoder) foldKey(key []byte) []byte {
	d.fold = jsonfold.Append(d.fold[:0], key)
	return d.fold
}
