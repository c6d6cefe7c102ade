package main

import (
	"os"
	"time"

	"github.com/containerd/console"
)

// rawTerminal puts servin's own terminal (if stdin is one) in raw mode,
// sized like master's peer, and returns the restore function.
func rawTerminal(master *os.File) func() {
	cur, err := console.ConsoleFromFile(os.Stdin)
	if err != nil {
		return func() {}
	}
	if m, err := console.ConsoleFromFile(master); err == nil {
		_ = m.ResizeFrom(cur)
	}
	if err := cur.SetRaw(); err != nil {
		return func() {}
	}
	return func() { _ = cur.Reset() }
}

func timeAfter(ms int) <-chan time.Time { return time.After(time.Duration(ms) * time.Millisecond) }
