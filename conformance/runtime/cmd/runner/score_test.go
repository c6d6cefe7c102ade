package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/servin/servin/conformance/runtime/internal/tap"
)

func TestScore(t *testing.T) {
	tests := []struct {
		name     string
		tap      string
		problems []string // program-level problems found while running
		want     tap.Counts
		verdict  string
	}{
		{"plain", "TAP version 13\nok 1 - a\nnot ok 2 - b\nok 3 # SKIP c\n1..3\n", nil, tap.Counts{Passed: 1, Failed: 1, Skipped: 1}, "FAIL x 1/2 (1 skipped)"},
		{"hook program passes", "TAP version 13\n1..0\n", nil, tap.Counts{Passed: 1}, "PASS x 1/1"},
		{"hook program reports an error", "TAP version 13\n  ---\n  {\n    \"error\": \"out of order\"\n  }\n  ...\n1..0\n", nil, tap.Counts{Failed: 1}, "FAIL x 0/1"},
		{"silent program exits 0", "", nil, tap.Counts{Passed: 1}, "PASS x 1/1"},
		{"silent program exits 1", "", []string{"program exited with exit status 1"}, tap.Counts{Failed: 1}, "FAIL x 0/1"},
		{"timeout after some results", "TAP version 13\nok 1 - a\n", []string{"timed out"}, tap.Counts{Passed: 1, Failed: 1}, "FAIL x 1/2"},
		{"short plan", "TAP version 13\nok 1 - a\n1..4\n", nil, tap.Counts{Passed: 1, Failed: 3}, "FAIL x 1/4"},
		{"bail out", "TAP version 13\nok 1 - a\nBail out! broken\n", nil, tap.Counts{Passed: 1, Failed: 1}, "FAIL x 1/2"},
		{"skip all", "TAP version 13\n1..0 # SKIP not linux\n", nil, tap.Counts{}, "PASS x 0/0 (skipped: not linux)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := &outcome{name: "x", problems: tc.problems, doc: tap.ParseString(tc.tap)}
			o.score()
			if o.counts != tc.want {
				t.Errorf("counts = %+v, want %+v", o.counts, tc.want)
			}
			var buf bytes.Buffer
			printOutcome(&buf, o, 5, false)
			if first, _, _ := strings.Cut(buf.String(), "\n"); !strings.HasPrefix(first, tc.verdict+" ") {
				t.Errorf("report line = %q, want prefix %q", first, tc.verdict)
			}
		})
	}
}

func TestRatchet(t *testing.T) {
	floor := filepath.Join(t.TempDir(), "FLOOR")
	if err := os.WriteFile(floor, []byte("100\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		passed int
		subset bool
		want   int
	}{
		{"below", 99, false, 1},
		{"equal", 100, false, 0},
		{"above", 101, false, 0},
		{"below but subset", 3, true, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &config{floorFile: floor, ignoreFloor: tc.subset}
			if got := ratchet(c, tc.passed); got != tc.want {
				t.Errorf("ratchet(%d) = %d, want %d", tc.passed, got, tc.want)
			}
		})
	}
	c := &config{floorFile: filepath.Join(t.TempDir(), "missing")}
	if got := ratchet(c, 5); got != 2 {
		t.Errorf("ratchet with a missing floor file = %d, want 2", got)
	}
}

func TestReadSkips(t *testing.T) {
	p := filepath.Join(t.TempDir(), "SKIP")
	if err := os.WriteFile(p, []byte("# comment\n\nhooks   hangs forever\nkill\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := readSkips(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["hooks"] != "hangs forever" || got["kill"] != "no reason given" {
		t.Errorf("readSkips = %q", got)
	}
	if got, err := readSkips(p + ".none"); err != nil || len(got) != 0 {
		t.Errorf("missing skip file: %v, %v", got, err)
	}
}

func TestUnescapeMountinfo(t *testing.T) {
	for in, want := range map[string]string{`/a\040b`: "/a b", `/plain`: "/plain", `/x\134`: `/x\`, `/bad\04`: `/bad\04`} {
		if got := unescapeMountinfo(in); got != want {
			t.Errorf("unescapeMountinfo(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestUntraversable(t *testing.T) {
	base := t.TempDir()
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	closed := filepath.Join(base, "closed")
	inner := filepath.Join(closed, "inner")
	if err := os.MkdirAll(inner, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(closed, 0o700); err != nil {
		t.Fatal(err)
	}
	if got := untraversable(inner); got != closed {
		t.Errorf("untraversable(%s) = %q, want %q", inner, got, closed)
	}
	if err := os.Chmod(closed, 0o711); err != nil {
		t.Fatal(err)
	}
	// Ancestors above base belong to the machine; only ours are checked.
	if got := untraversable(inner); got == closed || got == inner || got == base {
		t.Errorf("untraversable(%s) = %q after chmod o+x", inner, got)
	}
}
