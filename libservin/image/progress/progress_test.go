package progress

import (
	"bytes"
	"strings"
	"testing"

	digest "github.com/opencontainers/go-digest"

	"github.com/servin/servin/libservin/image/layout"
)

func TestProgressPrinter(t *testing.T) {
	a, b := digest.FromString("a"), digest.FromString("b")
	events := []layout.Progress{
		{Digest: a, Size: 2000, Done: 1000, State: layout.StateCopying},
		{Digest: b, Size: 10, Done: 10, State: layout.StateExists},
		{Digest: a, Size: 2000, Done: 2000, State: layout.StateCopying},
		{Digest: a, Size: 2000, Done: 2000, State: layout.StateDone},
	}
	t.Run("plain", func(t *testing.T) {
		var buf bytes.Buffer
		p := &progressPrinter{w: &buf, state: map[digest.Digest]layout.Progress{}}
		for _, e := range events {
			p.update(e)
		}
		want := ShortID(b) + " already exists 10B\n" + ShortID(a) + " done 2kB\n"
		if buf.String() != want {
			t.Fatalf("plain progress:\n%q\nwant\n%q", buf.String(), want)
		}
	})
	t.Run("terminal", func(t *testing.T) {
		var buf bytes.Buffer
		p := &progressPrinter{w: &buf, tty: true, state: map[digest.Digest]layout.Progress{}}
		for _, e := range events {
			p.update(e)
		}
		out := buf.String()
		if !strings.Contains(out, "\x1b[2A") || !strings.Contains(out, "[===============               ] 1kB/2kB") ||
			!strings.Contains(out, "[==============================] 2kB/2kB") {
			t.Fatalf("terminal progress: %q", out)
		}
	})
	if New(&bytes.Buffer{}, true) != nil {
		t.Fatal("quiet progress is not nil")
	}
}

func TestFormatHelpers(t *testing.T) {
	for in, want := range map[int64]string{0: "0B", 999: "999B", 1000: "1kB", 1084349: "1.084MB", 43e9: "43GB"} {
		if got := HumanSize(in); got != want {
			t.Errorf("HumanSize(%d) = %q, want %q", in, got, want)
		}
	}
}
