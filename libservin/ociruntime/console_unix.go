//go:build unix

package ociruntime

import (
	"fmt"
	"net"
	"os"

	"golang.org/x/sys/unix"
)

// ConsoleSocket is a listening AF_UNIX socket that receives the master end
// of a container's pseudoterminal from the runtime (--console-socket).
type ConsoleSocket struct {
	path string
	l    *net.UnixListener
}

// NewConsoleSocket listens on path (removed first if it exists).
func NewConsoleSocket(path string) (*ConsoleSocket, error) {
	_ = os.Remove(path)
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("console socket %s: %w", path, err)
	}
	return &ConsoleSocket{path: path, l: l}, nil
}

// Path is the socket's path, for --console-socket.
func (c *ConsoleSocket) Path() string { return c.path }

// Close stops listening and removes the socket.
func (c *ConsoleSocket) Close() error {
	err := c.l.Close()
	os.Remove(c.path)
	return err
}

// Receive accepts one connection and returns the terminal master it
// carries (SCM_RIGHTS).
func (c *ConsoleSocket) Receive() (*os.File, error) {
	conn, err := c.l.AcceptUnix()
	if err != nil {
		return nil, fmt.Errorf("console socket %s: accept: %w", c.path, err)
	}
	defer conn.Close()
	name := make([]byte, 4096)
	oob := make([]byte, unix.CmsgSpace(4))
	n, oobn, _, _, err := conn.ReadMsgUnix(name, oob)
	if err != nil {
		return nil, fmt.Errorf("console socket %s: receive: %w", c.path, err)
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		return nil, fmt.Errorf("console socket %s: no file descriptor received", c.path)
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		return nil, fmt.Errorf("console socket %s: bad file descriptor message", c.path)
	}
	return os.NewFile(uintptr(fds[0]), string(name[:n])), nil
}
