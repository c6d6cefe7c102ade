package linux

import (
	"fmt"
	"os"

	"github.com/containerd/console"
	"golang.org/x/sys/unix"
)

// setupConsole creates a pty in the container's devpts, sends the master to
// the console socket with SCM_RIGHTS (as runc does, the pty name as the
// message), and makes the slave the process's stdio and controlling tty.
func setupConsole(sock *os.File) error {
	master, slavePath, err := console.NewPty()
	if err != nil {
		return fmt.Errorf("create pty: %w", err)
	}
	defer master.Close()
	oob := unix.UnixRights(int(master.Fd()))
	name := []byte(master.Name())
	if err := unix.Sendmsg(int(sock.Fd()), name, oob, nil, 0); err != nil {
		return fmt.Errorf("send pty master to console socket: %w", err)
	}
	slave, err := os.OpenFile(slavePath, os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		return fmt.Errorf("open pty slave %s: %w", slavePath, err)
	}
	defer slave.Close()
	for fd := 0; fd < 3; fd++ {
		if err := unix.Dup3(int(slave.Fd()), fd, 0); err != nil {
			return fmt.Errorf("dup pty slave to %d: %w", fd, err)
		}
	}
	if err := unix.IoctlSetInt(0, unix.TIOCSCTTY, 0); err != nil {
		return fmt.Errorf("set controlling terminal: %w", err)
	}
	return nil
}
