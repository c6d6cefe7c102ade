package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/servin/servin/libservin/cgroups"
	"github.com/servin/servin/libservin/runtime/hooks"
	"github.com/servin/servin/libservin/runtime/linux"
	"github.com/servin/servin/libservin/runtime/nsenter"
	"golang.org/x/sys/unix"
)

func (r *Runtime) status(rec *record) specs.ContainerState {
	if !alive(rec.Pid, rec.StartTime) {
		return specs.StateStopped
	}
	if _, err := os.Lstat(filepath.Join(r.dir(rec.ID), fifoName)); err == nil {
		return specs.StateCreated
	}
	if r.paused(rec) {
		return StatePaused
	}
	return specs.StateRunning
}

// State reports a container's state.
func (r *Runtime) State(ctx context.Context, id string) (*State, error) {
	rec, err := r.load(id)
	if err != nil {
		return nil, err
	}
	return rec.state(r.status(rec)), nil
}

// List reports every container under the root, sorted by ID.
func (r *Runtime) List(ctx context.Context) ([]*State, error) {
	entries, err := os.ReadDir(r.root)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", r.root, err)
	}
	var out []*State
	for _, e := range entries {
		if !e.IsDir() || ValidateID(e.Name()) != nil {
			continue
		}
		rec, err := r.load(e.Name())
		if err != nil {
			continue // being created or deleted
		}
		out = append(out, rec.state(r.status(rec)))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// Start runs the user process of a created container and the poststart
// hooks (runtime-spec "start"); it does not wait for the process.
func (r *Runtime) Start(ctx context.Context, id string) error {
	rec, unlock, err := r.lockedLoad(id)
	if err != nil {
		return err
	}
	defer unlock()
	return r.startLocked(ctx, rec)
}

// startLocked is Start on a loaded record whose directory lock is held.
func (r *Runtime) startLocked(ctx context.Context, rec *record) error {
	id := rec.ID
	switch st := r.status(rec); st {
	case specs.StateCreated:
	case specs.StateStopped:
		return fmt.Errorf("cannot start a container that has stopped: %w", ErrState)
	default:
		return fmt.Errorf("cannot start an already %s container: %w", st, ErrState)
	}
	fifo := filepath.Join(r.dir(id), fifoName)
	if err := awaitFifo(fifo, rec); err != nil {
		return err
	}
	if err := os.Remove(fifo); err != nil {
		return fmt.Errorf("remove exec fifo: %w", err)
	}
	r.runPoststart(ctx, rec)
	return nil
}

// runPoststart runs the poststart hooks. The OCI validation suite expects
// a failing one to be a warning; the lifecycle goes on.
func (r *Runtime) runPoststart(ctx context.Context, rec *record) {
	if h := rec.Spec.Hooks; h != nil {
		for _, err := range hooks.RunAll(ctx, "poststart", h.Poststart, rec.ociState(specs.StateRunning)) {
			r.log.Warn(err.Error())
		}
	}
}

// startDirect starts a container that create made for `run` without an
// exec fifo: it sends the init MsgStart and waits for the end of file that
// the init's execve brings (its end of the socket is close-on-exec), or an
// error it reports first; then it runs the poststart hooks as Start does.
func (r *Runtime) startDirect(ctx context.Context, rec *record, sync *os.File) error {
	if !rec.startSent {
		if err := linux.SendReply(sync, linux.Reply{Type: linux.MsgStart}); err != nil {
			return fmt.Errorf("start container %s: %w", rec.ID, err)
		}
	}
	switch data, err := nsenter.ReadMessage(sync); {
	case err == nil:
		var m linux.Reply
		if json.Unmarshal(data, &m) == nil && m.Type == linux.MsgError {
			return fmt.Errorf("start container %s: %s", rec.ID, m.Error)
		}
		return fmt.Errorf("start container %s: unexpected init message %q", rec.ID, data)
	case !errors.Is(err, io.EOF) && !errors.Is(err, unix.ECONNRESET):
		return fmt.Errorf("start container %s: %w", rec.ID, err)
	}
	r.runPoststart(ctx, rec)
	return nil
}

// awaitFifo opens the exec fifo for reading, which releases the init
// blocked opening it for writing, and reads its one byte. It gives up if
// the init dies instead.
func awaitFifo(path string, rec *record) error {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open exec fifo: %w", err)
	}
	defer unix.Close(fd)
	buf := make([]byte, 1)
	started := false
	for {
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(pfd, 100)
		if err != nil && !errors.Is(err, unix.EINTR) {
			return fmt.Errorf("wait on exec fifo: %w", err)
		}
		if n > 0 {
			m, _ := unix.Read(fd, buf)
			switch {
			case m == 1:
				started = true
			case started && m == 0:
				return nil // the init exec'd (or died trying): writer closed
			case pfd[0].Revents&unix.POLLHUP != 0:
				return errors.New("container process exited before start")
			}
		}
		if !alive(rec.Pid, rec.StartTime) {
			if started {
				return nil
			}
			return errors.New("container process exited before start")
		}
	}
}

// Kill sends sig to the container's process, or with all to every process
// of the container.
func (r *Runtime) Kill(ctx context.Context, id string, sig syscall.Signal, all bool) error {
	rec, err := r.load(id)
	if err != nil {
		return err
	}
	if r.status(rec) == specs.StateStopped {
		return fmt.Errorf("container not running: %w", ErrState)
	}
	if all {
		return r.killAll(rec, sig)
	}
	if err := unix.Kill(rec.Pid, sig); err != nil {
		return fmt.Errorf("kill container %s: %w", id, err)
	}
	if sig == unix.SIGKILL {
		r.thawAfterKill(rec)
	}
	return nil
}

// killAll signals every process of the container: the members of its
// cgroup, else of its pid namespace when it has its own, else only its
// process.
func (r *Runtime) killAll(rec *record, sig syscall.Signal) error {
	if len(rec.CgroupPaths) > 0 {
		_ = unix.Kill(rec.Pid, sig)
		if err := r.signalCgroup(rec, sig); err == nil {
			return nil
		}
	}
	pids := []int{rec.Pid}
	if !linux.HasNamespace(rec.Spec, specs.PIDNamespace) {
		return unix.Kill(rec.Pid, sig)
	}
	ns, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", rec.Pid))
	if err != nil {
		return unix.Kill(rec.Pid, sig)
	}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == rec.Pid {
			continue
		}
		if l, err := os.Readlink("/proc/" + e.Name() + "/ns/pid"); err == nil && l == ns {
			pids = append(pids, pid)
		}
	}
	// Stop the init first so the rest cannot be re-parented and respawned.
	if sig == unix.SIGKILL {
		_ = unix.Kill(rec.Pid, unix.SIGSTOP)
	}
	for _, pid := range pids {
		_ = unix.Kill(pid, sig)
	}
	return nil
}

// Delete removes a stopped container, running its poststop hooks; with
// force it kills a created or running one first. A force delete of an
// unknown container succeeds (engines clean up that way).
func (r *Runtime) Delete(ctx context.Context, id string, force bool) error {
	if err := ValidateID(id); err != nil {
		return err
	}
	rec, unlock, err := r.lockedLoad(id)
	if err != nil {
		if force && (errors.Is(err, ErrNotExist) || errors.Is(err, ErrCorrupt)) {
			os.RemoveAll(r.dir(id)) // a create that died half-way
			return nil
		}
		return err
	}
	defer unlock()
	return r.deleteLocked(ctx, rec, force)
}

// deleteLocked is Delete on a loaded record whose directory lock is held.
func (r *Runtime) deleteLocked(ctx context.Context, rec *record, force bool) error {
	id := rec.ID
	if st := r.status(rec); st != specs.StateStopped {
		if !force {
			return fmt.Errorf("cannot delete container %s that is not stopped: %s: %w", id, st, ErrState)
		}
		_ = r.killAll(rec, unix.SIGKILL)
		if !waitGone(rec.Pid, rec.StartTime, 10*time.Second) {
			return fmt.Errorf("container %s: process %d did not die after SIGKILL", id, rec.Pid)
		}
	}
	return r.destroy(ctx, rec)
}

func (r *Runtime) destroy(ctx context.Context, rec *record) error {
	if h := rec.Spec.Hooks; h != nil {
		for _, err := range hooks.RunAll(ctx, "poststop", h.Poststop, rec.ociState(specs.StateStopped)) {
			r.log.Warn(err.Error())
		}
	}
	if rec.NoMountNS {
		if err := linux.CleanupRootfs(rec.Rootfs); err != nil {
			return fmt.Errorf("clean up mounts of %s: %w", rec.ID, err)
		}
	}
	if len(rec.CgroupPaths) > 0 {
		if err := cgroups.Load(rec.CgroupPaths).Destroy(); err != nil {
			return fmt.Errorf("remove cgroup of %s: %w", rec.ID, err)
		}
	}
	if err := os.RemoveAll(r.dir(rec.ID)); err != nil {
		return fmt.Errorf("remove state of %s: %w", rec.ID, err)
	}
	return nil
}

// withLock runs f on rec (kept in memory since this process saved it,
// so not read again) with its directory lock held.
func (r *Runtime) withLock(rec *record, f func() error) error {
	unlock, err := lockDir(r.dir(rec.ID))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) || errors.Is(err, unix.ENOENT) {
			return fmt.Errorf("container %s: %w", rec.ID, ErrNotExist)
		}
		return err
	}
	defer unlock()
	return f()
}

func (r *Runtime) lockedLoad(id string) (*record, func(), error) {
	if err := ValidateID(id); err != nil {
		return nil, nil, err
	}
	unlock, err := lockDir(r.dir(id))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) || errors.Is(err, unix.ENOENT) {
			return nil, nil, fmt.Errorf("container %s: %w", id, ErrNotExist)
		}
		return nil, nil, err
	}
	rec, err := r.load(id)
	if err != nil {
		unlock()
		return nil, nil, err
	}
	return rec, unlock, nil
}
