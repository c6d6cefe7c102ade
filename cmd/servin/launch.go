package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/servin/servin/libservin/container"
)

// startMonitor starts `servin __monitor ID` in its own session (so servin
// can exit or be killed without touching it) and waits until the
// container is created. With attach the monitor waits for an attach
// client before starting the container.
func (a *app) startMonitor(c *container.Container, attach bool) error {
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("start monitor: %w", err)
	}
	args := []string{"--root", a.rootDir()}
	if a.logFile != "" {
		args = append(args, "--log-file", a.logFile)
	}
	if a.logLevel != "" {
		args = append(args, "--log-level", a.logLevel)
	}
	args = append(args, "__monitor")
	if attach {
		args = append(args, "--attach")
	}
	args = append(args, c.ID)
	r, w, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("start monitor: %w", err)
	}
	defer r.Close()
	cmd := exec.Command(self, args...)
	cmd.Dir = "/"
	cmd.ExtraFiles = []*os.File{w} // fd 3
	cmd.SysProcAttr = monitorSysProcAttr()
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, nil, nil
	if err := cmd.Start(); err != nil {
		w.Close()
		return fmt.Errorf("start monitor: %w", err)
	}
	w.Close()
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	line, err := bufio.NewReader(r).ReadString('\n')
	line = strings.TrimSpace(line)
	if line == "ok" {
		return nil
	}
	if msg, ok := strings.CutPrefix(line, "error: "); ok {
		return commandError(msg)
	}
	select {
	case <-exited:
	case <-time.After(2 * time.Second):
	}
	if err == nil || errors.Is(err, io.EOF) {
		err = errors.New("monitor exited before the container was created")
	}
	return fmt.Errorf("start container %s: %w", c.ShortID(), err)
}

// commandError maps a runtime's create failure to docker's exit codes:
// 127 when the command is not found, 126 when it cannot be invoked.
func commandError(msg string) error {
	m := strings.ToLower(msg)
	switch {
	case strings.Contains(m, "executable file not found") || strings.Contains(m, "no such file or directory") && strings.Contains(m, "exec"):
		return statusError{code: exitNotFound, err: errors.New(msg)}
	case strings.Contains(m, "permission denied") && strings.Contains(m, "exec"):
		return statusError{code: exitCannotExec, err: errors.New(msg)}
	}
	return errors.New(msg)
}
