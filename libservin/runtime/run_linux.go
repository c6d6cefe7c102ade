package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/containerd/console"
	"github.com/servin/servin/libservin/spec"
	"golang.org/x/sys/unix"
)

// Run creates and starts a container; unless detach, it waits for the
// process, forwarding signals (and a terminal when process.terminal is
// set), deletes the container and returns the process's exit code.
func (r *Runtime) Run(ctx context.Context, id string, o CreateOptions, detach bool) (int, error) {
	if err := ValidateID(id); err != nil {
		return -1, err
	}
	bundle, err := filepath.Abs(o.Bundle)
	if err != nil {
		return -1, err
	}
	// Loaded once, for the terminal question and for create.
	if o.spec, o.specJSON, err = spec.LoadRaw(bundle); err != nil {
		return -1, err
	}
	var term *consolePair
	if !detach && o.ConsoleSocket == "" && o.spec.Process.Terminal {
		// Only a terminal config needs our own console socket.
		if term, err = newConsolePair(filepath.Join(r.root, "."+id+".console")); err != nil {
			return -1, err
		}
		defer term.close()
		o.ConsoleSocket = term.path
	}
	var sigs chan os.Signal
	relayTo, stopRelay := func(int) {}, func() {}
	if !detach {
		sigs, relayTo, stopRelay = relaySignals(term != nil)
		defer stopRelay()
	}
	// The record create saved serves start and delete too: run does not
	// read state.json back. No exec fifo either: the init waits for a
	// start message on its sync socket (a fifo is an inode on the state
	// directory's filesystem, created, opened and removed each time).
	o.direct = true
	rec, sync, err := r.create(ctx, id, o)
	if err != nil {
		return -1, err
	}
	defer sync.Close()
	if term != nil {
		if err := term.attach(); err != nil {
			_ = r.Delete(ctx, id, true)
			return -1, err
		}
	}
	relayTo(rec.Pid) // from the start on, signals go to the container process
	if err := r.withLock(rec, func() error { return r.startDirect(ctx, rec, sync) }); err != nil {
		_ = r.Delete(ctx, id, true)
		return -1, err
	}
	if detach {
		return 0, nil
	}
	code := r.forwardAndWait(rec.Pid, sigs, term, stopRelay)
	if term != nil {
		term.drain()
	}
	if err := r.withLock(rec, func() error { return r.deleteLocked(ctx, rec, true) }); err != nil {
		return code, err
	}
	return code, nil
}

// forwardAndWait relays the signals that come on sigs to pid (the
// container process is our child through CLONE_PARENT) until it exits,
// and returns its exit code. With sigs nil (the signal relay is native and
// there is no terminal to resize) it just waits, on this goroutine.
func (r *Runtime) forwardAndWait(pid int, sigs chan os.Signal, term *consolePair, stopRelay func()) int {
	if sigs == nil {
		return waitExit(pid, stopRelay)
	}
	done := make(chan int, 1)
	go func() { done <- waitExit(pid, stopRelay) }()
	for {
		select {
		case code := <-done:
			return code
		case s := <-sigs:
			sig, ok := s.(unix.Signal)
			if !ok || sig == unix.SIGCHLD || sig == unix.SIGURG || sig == unix.SIGPIPE {
				continue
			}
			if sig == unix.SIGWINCH {
				if term != nil {
					term.resize()
				}
				continue
			}
			_ = unix.Kill(pid, sig)
		}
	}
}

// waitExit waits for pid to exit without reaping it, stops the signal
// relay, then reaps it — so a relayed signal never reaches a process that
// reused the pid — and returns its exit code (128+N when killed by signal
// N, 255 when it cannot be waited for).
func waitExit(pid int, stopRelay func()) int {
	for {
		var info unix.Siginfo
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	stopRelay()
	for {
		var ws unix.WaitStatus
		_, err := unix.Wait4(pid, &ws, 0, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return 255
		}
		switch {
		case ws.Exited():
			return ws.ExitStatus()
		case ws.Signaled():
			return 128 + int(ws.Signal())
		}
	}
}

// consolePair is `run`'s own console socket: it receives the pty master
// and copies it to and from the runtime's stdio.
type consolePair struct {
	path    string
	ln      *os.File
	master  console.Console
	current console.Console
	copied  chan struct{}
}

func newConsolePair(path string) (*consolePair, error) {
	os.Remove(path)
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("bind console socket: %w", err)
	}
	if err := unix.Listen(fd, 1); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return &consolePair{path: path, ln: os.NewFile(uintptr(fd), path), copied: make(chan struct{})}, nil
}

// attach accepts the init's connection, receives the master and starts
// copying.
func (c *consolePair) attach() error {
	nfd, _, err := unix.Accept4(int(c.ln.Fd()), unix.SOCK_CLOEXEC)
	if err != nil {
		return fmt.Errorf("accept console: %w", err)
	}
	defer unix.Close(nfd)
	buf, oob := make([]byte, 4096), make([]byte, unix.CmsgSpace(4))
	_, oobn, _, _, err := unix.Recvmsg(nfd, buf, oob, 0)
	if err != nil {
		return fmt.Errorf("receive pty master: %w", err)
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		return errors.New("receive pty master: no descriptor")
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		return errors.New("receive pty master: no descriptor")
	}
	c.master, err = console.ConsoleFromFile(os.NewFile(uintptr(fds[0]), "pty-master"))
	if err != nil {
		return err
	}
	if cur, err := console.ConsoleFromFile(os.Stdin); err == nil {
		c.current = cur
		_ = cur.SetRaw()
		c.resize()
	}
	go func() { _, _ = io.Copy(c.master, os.Stdin) }()
	go func() { _, _ = io.Copy(os.Stdout, c.master); close(c.copied) }()
	return nil
}

func (c *consolePair) resize() {
	if c.current != nil && c.master != nil {
		_ = c.master.ResizeFrom(c.current)
	}
}

// drain waits for the last output of the pty, at most a second: a
// process that outlived the container's init may hold the slave open.
func (c *consolePair) drain() {
	if c.master != nil {
		select {
		case <-c.copied:
		case <-time.After(time.Second):
		}
	}
}

func (c *consolePair) close() {
	if c.current != nil {
		_ = c.current.Reset()
	}
	if c.master != nil {
		c.master.Close()
	}
	c.ln.Close()
	os.Remove(c.path)
}
