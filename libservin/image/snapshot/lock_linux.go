package snapshot

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/opencontainers/go-digest"
	"golang.org/x/sys/unix"
)

func (s *Store) lockPath(d digest.Digest) string {
	return filepath.Join(s.dir, "locks", d.Encoded()+".lock")
}

// lock takes layer d's exclusive flock, waiting (and polling ctx) while
// another process holds it.
func (s *Store) lock(ctx context.Context, d digest.Digest) (func(), error) {
	for {
		unlock, ok, err := s.tryLock(d)
		if err != nil {
			return nil, err
		}
		if ok {
			return unlock, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("lock snapshot %s: %w", d, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (s *Store) tryLock(d digest.Digest) (func(), bool, error) {
	f, err := os.OpenFile(s.lockPath(d), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, false, fmt.Errorf("lock snapshot %s: %w", d, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if err == unix.EWOULDBLOCK {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("lock snapshot %s: %w", d, err)
	}
	return func() { f.Close() }, true, nil
}
