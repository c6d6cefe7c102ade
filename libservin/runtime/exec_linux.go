package runtime

import (
	"context"
	"errors"
	"fmt"
	"github.com/servin/servin/libservin/store"
	"os"
	"path/filepath"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/servin/servin/libservin/cgroups"
	"github.com/servin/servin/libservin/runtime/linux"
	"github.com/servin/servin/libservin/runtime/nsenter"
	"github.com/servin/servin/libservin/spec"
	"golang.org/x/sys/unix"
)

// Exec runs an additional process in a created or running container: it
// joins every namespace of the container and its cgroup, then applies the
// process's user, capabilities, rlimits and no_new_privs. Unless detached
// it waits and returns the process's exit code.
func (r *Runtime) Exec(ctx context.Context, id string, proc *specs.Process, o ExecOptions) (int, error) {
	rec, err := r.load(id)
	if err != nil {
		return -1, err
	}
	self := startSelfCopy(!linux.HasNamespace(rec.Spec, specs.UserNamespace))
	defer self.release()
	if st := r.status(rec); st == specs.StateStopped {
		return -1, fmt.Errorf("cannot exec in a stopped container: %w", ErrState)
	}
	if proc == nil || len(proc.Args) == 0 {
		return -1, errors.New("exec: process args must not be empty")
	}
	var term *consolePair
	if proc.Terminal && o.ConsoleSocket == "" {
		if o.Detach {
			return -1, errors.New("cannot allocate tty if servin-run will detach without setting console socket")
		}
		if term, err = newConsolePair(filepath.Join(r.dir(id), "exec-"+strconv.Itoa(os.Getpid())+".console")); err != nil {
			return -1, err
		}
		defer term.close()
		o.ConsoleSocket = term.path
	}
	if !proc.Terminal && o.ConsoleSocket != "" {
		return -1, errors.New("cannot use console socket if the process does not allocate a tty")
	}
	var sigs chan os.Signal
	relayTo, stopRelay := func(int) {}, func() {}
	if !o.Detach {
		sigs, relayTo, stopRelay = relaySignals(term != nil)
		defer stopRelay()
	}
	pid, err := r.spawnExec(ctx, rec, proc, o, term, self)
	if err != nil {
		return -1, err
	}
	if o.PidFile != "" {
		if err := store.ReplaceFile(o.PidFile, []byte(strconv.Itoa(pid)), 0o644); err != nil {
			_ = unix.Kill(pid, unix.SIGKILL)
			return -1, fmt.Errorf("write pid file: %w", err)
		}
	}
	if o.Detach {
		return 0, nil
	}
	relayTo(pid)
	code := r.forwardAndWait(pid, sigs, term, stopRelay)
	if term != nil {
		term.drain()
	}
	return code, nil
}

func (r *Runtime) spawnExec(ctx context.Context, rec *record, proc *specs.Process, o ExecOptions, term *consolePair, self *selfCopy) (int, error) {
	s := *rec.Spec
	s.Process = proc
	boot, err := joinAll(rec)
	if err != nil {
		return 0, err
	}
	var console *os.File
	if o.ConsoleSocket != "" {
		// With our own socket (term) the connection waits in the
		// listen backlog and the master in its queue until attach.
		if console, err = dialConsole(o.ConsoleSocket); err != nil {
			return 0, err
		}
		defer console.Close()
	}
	extra := make([]*os.File, 0, o.PreserveFds+2)
	for i := 0; i < o.PreserveFds; i++ {
		extra = append(extra, os.NewFile(uintptr(3+i), "preserved"))
	}
	cfg := &linux.InitConfig{ID: rec.ID, Bundle: rec.Bundle, Rootfs: rec.Rootfs, Spec: &s, Exec: true,
		PreserveFds: o.PreserveFds, FifoFd: -1, ConsoleFd: -1, State: *rec.ociState(specs.StateRunning)}
	extra = append(extra, nil)
	if console != nil {
		cfg.ConsoleFd = 3 + len(extra)
		extra = append(extra, console)
	}
	p := &initProc{rt: r, rec: rec, opts: CreateOptions{Stdin: o.Stdin, Stdout: o.Stdout, Stderr: o.Stderr}, self: self}
	if len(rec.CgroupPaths) > 0 {
		// The process joins the container's cgroup itself (see
		// nsenter.Bootstrap.CgroupV1) before it joins any namespace.
		p.join = cgroups.Load(rec.CgroupPaths)
	}
	pid, err := p.spawn(ctx, boot, extra, o.PreserveFds)
	if err != nil {
		return 0, err
	}
	if err := p.handshake(ctx, cfg, pid); err != nil {
		p.sync.Close()
		_ = unix.Kill(pid, unix.SIGKILL)
		var ws unix.WaitStatus
		_, _ = unix.Wait4(pid, &ws, 0, nil)
		return 0, err
	}
	p.sync.Close()
	if term != nil {
		if err := term.attach(); err != nil {
			_ = unix.Kill(pid, unix.SIGKILL)
			return 0, err
		}
	}
	return pid, nil
}

// joinAll lists every namespace of the container's process to join, the
// user namespace first.
func joinAll(rec *record) (nsenter.Bootstrap, error) {
	var b nsenter.Bootstrap
	if rec.Spec.Linux == nil {
		return b, nil
	}
	for _, n := range rec.Spec.Linux.Namespaces {
		path := fmt.Sprintf("/proc/%d/ns/%s", rec.Pid, spec.ProcName[n.Type])
		j := nsenter.Join{Flag: spec.CloneFlags[n.Type], Path: path}
		if n.Type == specs.UserNamespace {
			b.Joins = append([]nsenter.Join{j}, b.Joins...)
		} else {
			b.Joins = append(b.Joins, j)
		}
	}
	if !alive(rec.Pid, rec.StartTime) {
		return b, fmt.Errorf("container %s is not running", rec.ID)
	}
	return b, nil
}

// BaseProcess returns a copy of the container's own process config, the
// starting point of an inline `exec`.
func (r *Runtime) BaseProcess(ctx context.Context, id string) (*specs.Process, error) {
	rec, err := r.load(id)
	if err != nil {
		return nil, err
	}
	if rec.Spec == nil || rec.Spec.Process == nil {
		return nil, fmt.Errorf("container %s: %w: no process in its state", id, ErrCorrupt)
	}
	// rec was decoded for this call: its process is the caller's to change.
	p := rec.Spec.Process
	p.Terminal = false
	return p, nil
}
