package jsonfold

import (
	"bytes"
	"testing"
	"unicode/utf8"
)

// TestAppendMatchesEqualFold: two names fold alike exactly when
// bytes.EqualFold says they are equal, which is encoding/json's contract
// for its folded names.
func TestAppendMatchesEqualFold(t *testing.T) {
	names := []string{"", "a", "A", "ociVersion", "OCIVERSION", "ociversion", "s", "S", "\u017f", "k", "K",
		"\u212a", "\u00e9", "\u00c9", "\xff", "\ufffd", "key", "\u212aey", "\u017ftart", "start", "\u03a3", "\u03c3", "\u03c2"}
	for _, x := range names {
		for _, y := range names {
			got := bytes.Equal(Append(nil, []byte(x)), Append(nil, []byte(y)))
			want := bytes.EqualFold([]byte(x), []byte(y))
			if !utf8.ValidString(x) || !utf8.ValidString(y) {
				continue // EqualFold compares invalid bytes as U+FFFD too, but per byte
			}
			if got != want {
				t.Errorf("fold(%q)==fold(%q) is %v, EqualFold %v", x, y, got, want)
			}
		}
	}
	if got := string(Append(nil, []byte("\u017fta\u212a"))); got != "STAK" {
		t.Errorf("Append = %q, want STAK", got)
	}
}
