//go:build !unix

package registry

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
)

func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	_ = p.Release()
	return true
}

// terminate has no graceful equivalent of SIGTERM here.
func terminate(pid int) error {
	return fmt.Errorf("stop process %d gracefully: %w", pid, errors.ErrUnsupported)
}

func kill(pid int) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return err
	}
	return p.Kill()
}

func detachAttr(cmd *exec.Cmd) {}

// wsaeaddrinuse is Windows' WSAEADDRINUSE.
const wsaeaddrinuse = syscall.Errno(10048)

func addrInUse(err error) bool {
	return errors.Is(err, syscall.EADDRINUSE) || errors.Is(err, wsaeaddrinuse)
}

// tryLock has no portable advisory lock here; the pid file still guards.
func tryLock(f *os.File) error { return nil }

func unlock(f *os.File) error { return nil }
