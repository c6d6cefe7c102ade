// Package progress renders image transfer progress: bars redrawn in place on
// a terminal, one plain line per finished blob otherwise.
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	digest "github.com/opencontainers/go-digest"

	"github.com/servin/servin/libservin/image/layout"
)

// progressPrinter shows per-blob progress: bars redrawn in place on a
// terminal, one line per finished blob otherwise.
type progressPrinter struct {
	mu    sync.Mutex
	w     io.Writer
	tty   bool
	order []digest.Digest
	state map[digest.Digest]layout.Progress
	drawn int
}

// New returns a progress callback writing to w, or nil when quiet.
func New(w io.Writer, quiet bool) func(layout.Progress) {
	if quiet {
		return nil
	}
	p := &progressPrinter{w: w, tty: isTerminal(w), state: map[digest.Digest]layout.Progress{}}
	return p.update
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0 && os.Getenv("TERM") != "dumb"
}

func (p *progressPrinter) update(ev layout.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	prev, seen := p.state[ev.Digest]
	if !seen {
		p.order = append(p.order, ev.Digest)
	}
	p.state[ev.Digest] = ev
	if !p.tty {
		if ev.State != layout.StateCopying && (!seen || prev.State != ev.State) {
			fmt.Fprintf(p.w, "%s %s %s\n", ShortID(ev.Digest), verb(ev.State), HumanSize(ev.Size))
		}
		return
	}
	p.redraw()
}

func verb(s layout.State) string {
	switch s {
	case layout.StateExists:
		return "already exists"
	case layout.StateDone:
		return "done"
	}
	return "copying"
}

// redraw moves the cursor up over the previous bars and prints them again.
func (p *progressPrinter) redraw() {
	if p.drawn > 0 {
		fmt.Fprintf(p.w, "\x1b[%dA", p.drawn)
	}
	for _, d := range p.order {
		ev := p.state[d]
		fmt.Fprintf(p.w, "\x1b[2K%s %s\n", ShortID(d), bar(ev))
	}
	p.drawn = len(p.order)
}

func bar(ev layout.Progress) string {
	const width = 30
	if ev.State == layout.StateExists {
		return "already exists"
	}
	frac := 1.0
	if ev.Size > 0 {
		frac = min(1, float64(ev.Done)/float64(ev.Size))
	}
	n := int(frac * width)
	return fmt.Sprintf("[%s%s] %s/%s", strings.Repeat("=", n), strings.Repeat(" ", width-n), HumanSize(ev.Done), HumanSize(ev.Size))
}

// ShortID is the 12-hex-digit form of a digest, as docker shows IDs.
func ShortID(d digest.Digest) string {
	e := d.Encoded()
	if len(e) > 12 {
		return e[:12]
	}
	return e
}

// HumanSize renders a byte count in decimal units, as docker does.
func HumanSize(n int64) string {
	units := []string{"B", "kB", "MB", "GB", "TB"}
	f := float64(n)
	i := 0
	for f >= 1000 && i < len(units)-1 {
		f /= 1000
		i++
	}
	return fmt.Sprintf("%.4g%s", f, units[i])
}
