// Package jsonfold folds JSON object keys and struct field names the way
// encoding/json (v1) does for its case-insensitive field match, so that the
// generated decoder (libservin/spec) and its generator agree with it.
package jsonfold

import (
	"unicode"
	"unicode/utf8"
)

// Append appends name folded to out: ASCII letters upper-cased, every other
// rune replaced by the smallest rune of its simple-fold orbit (so 'ſ' folds
// to 'S' and the Kelvin sign to 'K'), invalid UTF-8 bytes by U+FFFD.
func Append(out, name []byte) []byte {
	for i := 0; i < len(name); {
		c := name[i]
		if c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			out = append(out, c)
			i++
			continue
		}
		r, n := utf8.DecodeRune(name[i:])
		out = utf8.AppendRune(out, smallest(r))
		i += n
	}
	return out
}

// smallest returns the smallest rune of r's fold orbit.
func smallest(r rune) rune {
	for {
		next := unicode.SimpleFold(r)
		if next <= r {
			return next
		}
		r = next
	}
}
