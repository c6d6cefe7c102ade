package monitor

import (
	"io"
	"log/slog"
	"time"

	"github.com/servin/servin/libservin/container"
)

// Config is what Run needs.
type Config struct {
	Store  *container.Store
	ID     string
	Rootfs container.RootfsPreparer
	// WaitAttach delays the first start until an attach client connected
	// (attached `servin run` must not miss the first output), at most
	// AttachTimeout.
	WaitAttach    bool
	AttachTimeout time.Duration
	// Ready receives "ok\n" once the container is created (or
	// "error: ...\n"), and is then closed.
	Ready  io.WriteCloser
	Logger *slog.Logger
}

// restartDelay is the wait before the n-th restart (docker-like doubling
// from 100ms, capped).
func restartDelay(n int) time.Duration {
	d := 100 * time.Millisecond
	for i := 1; i < n && d < 10*time.Second; i++ {
		d *= 2
	}
	return min(d, 10*time.Second)
}

// shouldRestart applies the restart policy to an exit.
func shouldRestart(p container.RestartPolicy, exitCode, restarts int, stopRequested bool) bool {
	if stopRequested {
		return false
	}
	switch p.Name {
	case "always", "unless-stopped":
		return true
	case "on-failure":
		return exitCode != 0 && (p.MaxRetries == 0 || restarts < p.MaxRetries)
	}
	return false
}
