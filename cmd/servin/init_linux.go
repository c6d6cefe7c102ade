package main

import (
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// initPath is where --init bind-mounts the servin binary in the container.
const initPath = "/.servin-init"

// addInit makes servin itself (read-only bind mount) the container's pid
// 1: `servin __init -- ARGS` forwards signals and reaps orphans. The
// binary must be static to run in any image.
func addInit(s *specs.Spec, bundle string) error {
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("--init: %w", err)
	}
	if self, err = filepath.EvalSymlinks(self); err != nil {
		return fmt.Errorf("--init: %w", err)
	}
	f, err := elf.Open(self)
	if err != nil {
		return fmt.Errorf("--init: %w", err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("--init needs a statically linked servin (build with CGO_ENABLED=0): %s is dynamic", self)
		}
	}
	s.Mounts = append(s.Mounts, specs.Mount{Destination: initPath, Type: "bind", Source: self, Options: []string{"bind", "ro", "nosuid", "nodev"}})
	s.Process.Args = append([]string{initPath, "__init", "--"}, s.Process.Args...)
	return nil
}

// runInit is `servin __init -- CMD...`: a minimal pid 1.
func runInit(args []string) int {
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "servin-init: no command")
		return exitError
	}
	sigs := make(chan os.Signal, 16)
	signal.Notify(sigs)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "servin-init: %v\n", err)
		if os.IsNotExist(err) {
			return exitNotFound
		}
		return exitCannotExec
	}
	child := cmd.Process.Pid
	go func() {
		for s := range sigs {
			if s == syscall.SIGCHLD || s == syscall.SIGURG {
				continue
			}
			_ = unix.Kill(-child, s.(syscall.Signal))
		}
	}()
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, 0, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return exitError
		}
		if pid == child {
			if ws.Signaled() {
				return 128 + int(ws.Signal())
			}
			return ws.ExitStatus()
		}
	}
}
