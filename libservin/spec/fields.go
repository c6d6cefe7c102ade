package spec

import (
	"encoding"
	"errors"
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// DecodeFields decodes data, one JSON object that servin wrote itself
// (runtime state.json), member by member with the same decoder as
// UnmarshalLinux: field is called with each key, exactly as written, and
// must consume its value through v (v.Skip for keys it does not know).
// The whole text must be valid JSON.
func DecodeFields(data []byte, field func(key string, v Value) error) error {
	return top(data, &field, decodeFields)
}

func decodeFields(d *decoder, field *func(string, Value) error) error {
	if d.peek() == 'n' {
		if _, err := d.null(); err != nil {
			return err
		}
		return &decodeError{off: d.off, msg: "null", typ: "object"}
	}
	if ok, err := d.object("object"); !ok {
		return err
	}
	for n := 0; ; n++ {
		key, more, err := d.key(n)
		if !more {
			return err
		}
		name := string(key)
		if err := (*field)(name, Value{d}); err != nil {
			return inField(err, name)
		}
	}
}

// Value is one member's value for DecodeFields. Each method consumes it
// as encoding/json would decode it into the pointer's type (null leaves
// strings, numbers and booleans as they are and sets maps to nil).
type Value struct{ d *decoder }

// String decodes a string.
func (v Value) String(p *string) error { return decodeStr(v.d, p) }

// Int decodes an integer.
func (v Value) Int(p *int) error { return decodeInt(v.d, p) }

// Uint64 decodes a non-negative integer.
func (v Value) Uint64(p *uint64) error { return decodeUint(v.d, p) }

// Bool decodes true or false.
func (v Value) Bool(p *bool) error { return decodeBool(v.d, p) }

// StringMap decodes an object of strings.
func (v Value) StringMap(p *map[string]string) error { return decodeMap(v.d, p, decodeStr[string]) }

// Text decodes a string with p's UnmarshalText (a time.Time, say).
func (v Value) Text(p encoding.TextUnmarshaler) error {
	if null, err := v.d.null(); null || err != nil {
		return err
	}
	if v.d.peek() != '"' {
		return v.d.typeErr(fmt.Sprintf("%T", p))
	}
	s, err := v.d.string()
	if err != nil {
		return err
	}
	return p.UnmarshalText(s)
}

// Skip consumes the value, which must be valid JSON.
func (v Value) Skip() error { return v.d.skip() }

// Spec decodes a runtime-spec config as UnmarshalLinux does (null gives
// nil) and returns its text, a part of DecodeFields' input.
func (v Value) Spec(p **specs.Spec) ([]byte, error) {
	v.d.peek()
	start := v.d.off
	if null, err := v.d.null(); null || err != nil {
		if null {
			*p = nil
		}
		return nil, err
	}
	s := new(specs.Spec)
	if err := decodeSpec(v.d, s); err != nil {
		return nil, err
	}
	*p = s
	return v.d.data[start:v.d.off], nil
}

// IsSyntaxError reports whether err, from this package's decoders, is
// about malformed JSON (as opposed to a value of the wrong type): what a
// reader sees when it meets a file being rewritten in place.
func IsSyntaxError(err error) bool {
	var e *decodeError
	return errors.As(err, &e) && e.typ == ""
}
