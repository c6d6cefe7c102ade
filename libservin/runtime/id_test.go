package runtime_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/servin/servin/libservin/runtime"
)

func TestValidateID(t *testing.T) {
	tests := []struct {
		name string
		id   string
		ok   bool
	}{
		{"letters and digits", "abcXYZ019", true},
		{"every allowed punctuation", "a_b+c-d.e", true},
		{"dots inside", "...a", true},
		{"three dots", "...", true},
		{"one char", "x", true},
		{"1024 chars", strings.Repeat("a", 1024), true},
		{"empty", "", false},
		{"dot", ".", false},
		{"dot dot", "..", false},
		{"1025 chars", strings.Repeat("a", 1025), false},
		{"slash", "a/b", false},
		{"space", "a b", false},
		{"colon", "a:b", false},
		{"at", "a@b", false},
		{"newline at end", "abc\n", false},
		{"nul", "a\x00b", false},
		{"non-ascii letter", "café", false},
		{"bracket next to Z", "A[", false},
		{"backquote next to a", "`a", false},
		{"slash next to 0", "/0", false},
		{"colon next to 9", "9:", false},
		{"comma between + and -", "a,b", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := runtime.ValidateID(tc.id)
			if tc.ok && err != nil {
				t.Fatalf("ValidateID(%q) = %v, want ok", tc.id, err)
			}
			if !tc.ok && !errors.Is(err, runtime.ErrInvalidID) {
				t.Fatalf("ValidateID(%q) = %v, want ErrInvalidID", tc.id, err)
			}
		})
	}
}
