package registry

import (
	"fmt"
	"os"
	"path/filepath"
)

// LockFileName is the lock a server holds on its registry directory for
// as long as it runs, so two servers (or a server and gc) never share it.
const LockFileName = "server.lock"

// Lock takes the registry directory's lock without waiting; ErrRunning
// when another process holds it. The returned func releases it.
func Lock(dir string) (func(), error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create registry directory %s: %w", dir, err)
	}
	path := filepath.Join(dir, LockFileName)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock %s: %w", path, err)
	}
	if err := tryLock(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("%w: %s is locked by another process", ErrRunning, path)
	}
	return func() { _ = unlock(f); f.Close() }, nil
}
