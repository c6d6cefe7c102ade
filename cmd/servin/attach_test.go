package main

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

func TestParseDetachKeys(t *testing.T) {
	tests := []struct {
		in   string
		want []byte
		ok   bool
	}{
		{"ctrl-p,ctrl-q", []byte{16, 17}, true},
		{"ctrl-A,x,ctrl-@,ctrl-_", []byte{1, 'x', 0, 31}, true},
		{"a", []byte{'a'}, true},
		{"ctrl-1", nil, false},
		{"ab", nil, false},
		{"", nil, false},
		{"ctrl-p,", nil, false},
	}
	for _, tt := range tests {
		got, err := parseDetachKeys(tt.in)
		if (err == nil) != tt.ok || !bytes.Equal(got, tt.want) {
			t.Errorf("parseDetachKeys(%q) = %v, %v; want %v (ok %v)", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

// TestDetachReader: input passes through unchanged except for the whole
// sequence, which ends it with errDetached; a partial sequence is input.
func TestDetachReader(t *testing.T) {
	keys := []byte{16, 17}
	tests := []struct {
		name, in, want string
		detached       bool
	}{
		{"plain", "hello\n", "hello\n", false},
		{"detach", "ab\x10\x11cd", "ab", true},
		{"partial", "a\x10b\x10", "a\x10b\x10", false},
		{"restart", "\x10\x10\x11", "\x10", true},
		{"only keys", "\x10\x11", "", true},
	}
	for _, tt := range tests {
		for _, one := range []bool{false, true} {
			var src io.Reader = bytes.NewReader([]byte(tt.in))
			if one {
				src = iotest.OneByteReader(src)
			}
			got, err := io.ReadAll(newDetachReader(src, keys))
			if string(got) != tt.want || errors.Is(err, errDetached) != tt.detached || (err != nil && !errors.Is(err, errDetached)) {
				t.Errorf("%s (byte by byte %v): read %q, %v; want %q, detached %v", tt.name, one, got, err, tt.want, tt.detached)
			}
		}
	}
}
