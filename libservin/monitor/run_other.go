//go:build !linux

package monitor

import (
	"context"
	"errors"
	"fmt"
)

// Run fails: the monitor needs Linux (subreaper, runtime).
func Run(ctx context.Context, cfg Config) error {
	return fmt.Errorf("monitor container %s: %w", cfg.ID, errors.ErrUnsupported)
}

// BootID is empty off Linux.
func BootID() string { return "" }

// ProcessStartTime is unknown off Linux.
func ProcessStartTime(pid int) uint64 { return 0 }

// Alive is false off Linux (no container can run).
func Alive(pid int, start uint64) bool { return false }
