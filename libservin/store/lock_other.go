//go:build !unix && !windows

package store

import (
	"errors"
	"os"
	"time"
)

// On systems with neither flock nor LockFileEx the lock is the file itself opened for
// exclusive creation; shared locks are exclusive too. A holder that dies
// leaves the file behind, so a lock older than staleAfter is broken.
func tryLock(path string, exclusive bool) (*os.File, error) {
	lockPath := path + ".excl"
	f, err := os.OpenFile(lockPath, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err == nil {
		return f, nil
	}
	if errors.Is(err, os.ErrExist) {
		if fi, serr := os.Stat(lockPath); serr == nil && stale(fi) {
			os.Remove(lockPath)
		}
		return nil, ErrLocked
	}
	return nil, err
}

func unlock(f *os.File) error {
	return os.Remove(f.Name())
}

const staleAfter = 10 * time.Minute

func stale(fi os.FileInfo) bool { return time.Since(fi.ModTime()) > staleAfter }
