package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Lock is an advisory lock on a file, held until Unlock. Locks are per
// open file, so two Locks on the same path conflict even inside one
// process; they are released by the kernel when the holder dies.
type Lock struct {
	path string
	f    *os.File
}

// LockFile takes an exclusive lock on path (created if missing), waiting
// until it is free or ctx is done.
func LockFile(ctx context.Context, path string) (*Lock, error) {
	return lockFile(ctx, path, true)
}

// RLockFile takes a shared lock on path: several shared holders may hold it
// at once, but not together with an exclusive holder.
func RLockFile(ctx context.Context, path string) (*Lock, error) {
	return lockFile(ctx, path, false)
}

func lockFile(ctx context.Context, path string, exclusive bool) (*Lock, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	delay := time.Millisecond
	for {
		f, err := tryLock(path, exclusive)
		if err == nil {
			return &Lock{path: path, f: f}, nil
		}
		if !errors.Is(err, ErrLocked) {
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("lock %s: %w", path, ctx.Err())
		case <-time.After(delay):
		}
		if delay < 50*time.Millisecond {
			delay *= 2
		}
	}
}

// Unlock releases the lock.
func (l *Lock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := unlock(l.f)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	if err != nil {
		return fmt.Errorf("unlock %s: %w", l.path, err)
	}
	return nil
}
