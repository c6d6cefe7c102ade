package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/servin/servin/libservin/ociruntime"
)

// execTerminal runs an exec with a terminal the way engines do with any
// runc-compatible runtime: servin becomes a subreaper, runs `exec --detach
// --tty --console-socket`, receives the terminal master, copies it to its
// own stdio and waits for the process (its orphan) to exit.
func execTerminal(ctx context.Context, rt *ociruntime.Runtime, id string, eo ociruntime.ExecOptions, interactive bool, stdout io.Writer) error {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("exec: become subreaper: %w", err)
	}
	dir, err := os.MkdirTemp("", "servin-exec-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cs, err := ociruntime.NewConsoleSocket(filepath.Join(dir, "console.sock"))
	if err != nil {
		return err
	}
	defer cs.Close()
	eo.ConsoleSocket, eo.Detach, eo.PidFile = cs.Path(), true, filepath.Join(dir, "pid")
	got := make(chan *os.File, 1)
	go func() {
		f, err := cs.Receive()
		if err != nil {
			close(got)
			return
		}
		got <- f
	}()
	if err := rt.Exec(ctx, id, eo); err != nil {
		return err
	}
	master, ok := <-got
	if !ok {
		return fmt.Errorf("exec: the runtime sent no terminal")
	}
	defer master.Close()
	data, err := os.ReadFile(eo.PidFile)
	if err != nil {
		return fmt.Errorf("exec: %w", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		return fmt.Errorf("exec: pid file: %w", err)
	}
	restore := rawTerminal(master)
	defer restore()
	if interactive {
		go func() { _, _ = io.Copy(master, os.Stdin) }()
	}
	copied := make(chan struct{})
	go func() { _, _ = io.Copy(stdout, master); close(copied) }()
	code := reap(pid)
	select { // the output may still be in the terminal's buffer
	case <-copied:
	case <-timeAfter(500):
	}
	if code != 0 {
		return &ociruntime.ExitError{Code: code}
	}
	return nil
}

// reap waits for pid (an orphan adopted by this subreaper).
func reap(pid int) int {
	for {
		var ws unix.WaitStatus
		got, err := unix.Wait4(pid, &ws, 0, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil || got != pid {
			return 255
		}
		if ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ws.ExitStatus()
	}
}
