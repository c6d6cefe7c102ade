// Package unixsock connects to Unix stream sockets with plain system
// calls: servin-run's only socket needs (console socket, seccomp agent)
// do not justify linking package net, which alone added ~200 kB to the
// binary that two processes map per container.
package unixsock

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Dial connects to the Unix stream socket at path and returns the
// connection as a blocking, close-on-exec file.
func Dial(path string) (*os.File, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("socket: %w", err)
	}
	for {
		err = unix.Connect(fd, &unix.SockaddrUnix{Name: path})
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("dial unix %s: %w", path, err)
	}
	return os.NewFile(uintptr(fd), path), nil
}

// SendFd sends msg with fd attached (SCM_RIGHTS) in one sendmsg.
func SendFd(conn *os.File, msg []byte, fd int) error {
	n, err := unix.SendmsgN(int(conn.Fd()), msg, unix.UnixRights(fd), nil, 0)
	if err == nil && n != len(msg) {
		err = fmt.Errorf("short write (%d of %d bytes)", n, len(msg))
	}
	return err
}
