package runtime

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/servin/servin/libservin/cgroups"
)

// StatePaused is the status runc reports for a frozen container; the
// runtime-spec has no such state.
const StatePaused specs.ContainerState = "paused"

// ErrNoCgroup: the container's state records no cgroup.
var ErrNoCgroup = errors.New("container has no cgroup")

// Cgroup returns the cgroup manager of a container from the paths its
// state records.
func (r *Runtime) Cgroup(ctx context.Context, id string) (*cgroups.Manager, error) {
	rec, err := r.load(id)
	if err != nil {
		return nil, err
	}
	return rec.cgroup()
}

func (rec *record) cgroup() (*cgroups.Manager, error) {
	if len(rec.CgroupPaths) == 0 {
		return nil, fmt.Errorf("container %s: %w", rec.ID, ErrNoCgroup)
	}
	return cgroups.Load(rec.CgroupPaths), nil
}

// paused reports whether the container's cgroup is frozen (status
// "paused"). Errors read as not paused.
func (r *Runtime) paused(rec *record) bool {
	if len(rec.CgroupPaths) == 0 {
		return false
	}
	p, err := cgroups.Load(rec.CgroupPaths).State()
	return err == nil && p
}

// thawAfterKill thaws a frozen container after a SIGKILL was sent: frozen
// tasks (cgroup v1 freezer) die only once thawed. Kill with SIGKILL and
// delete --force call it after signalling, as runc does.
func (r *Runtime) thawAfterKill(rec *record) {
	if r.paused(rec) {
		_ = cgroups.Load(rec.CgroupPaths).Thaw()
	}
}

// signalCgroup sends sig to every process in the container's cgroup (kill
// --all for a container without its own pid namespace) and thaws a paused
// container after SIGKILL. It reports ErrNoCgroup when none is recorded.
func (r *Runtime) signalCgroup(rec *record, sig syscall.Signal) error {
	m, err := rec.cgroup()
	if err != nil {
		return err
	}
	pids, err := m.Pids()
	if err != nil {
		return err
	}
	for _, pid := range pids {
		_ = syscall.Kill(pid, sig)
	}
	if sig == syscall.SIGKILL {
		r.thawAfterKill(rec)
	}
	return nil
}

// Pause freezes every process of a running container (runc pause).
func (r *Runtime) Pause(ctx context.Context, id string) error {
	rec, unlock, err := r.lockedLoad(id)
	if err != nil {
		return err
	}
	defer unlock()
	if st := r.status(rec); st != specs.StateRunning {
		return fmt.Errorf("container %s is %s, not running: %w", id, st, ErrState)
	}
	m, err := rec.cgroup()
	if err != nil {
		return err
	}
	if err := m.Freeze(); err != nil {
		return fmt.Errorf("pause container %s: %w", id, err)
	}
	return nil
}

// Resume thaws a paused container (runc resume).
func (r *Runtime) Resume(ctx context.Context, id string) error {
	rec, unlock, err := r.lockedLoad(id)
	if err != nil {
		return err
	}
	defer unlock()
	if st := r.status(rec); st != StatePaused {
		return fmt.Errorf("container %s is %s, not paused: %w", id, st, ErrState)
	}
	m, err := rec.cgroup()
	if err != nil {
		return err
	}
	if err := m.Thaw(); err != nil {
		return fmt.Errorf("resume container %s: %w", id, err)
	}
	return nil
}

// Pids lists the host pids of every process in the container's cgroup.
func (r *Runtime) Pids(ctx context.Context, id string) ([]int, error) {
	m, err := r.Cgroup(ctx, id)
	if err != nil {
		return nil, err
	}
	pids, err := m.Pids()
	if err != nil {
		return nil, fmt.Errorf("processes of container %s: %w", id, err)
	}
	return pids, nil
}

// Stats reads the container's cgroup counters.
func (r *Runtime) Stats(ctx context.Context, id string) (*cgroups.Stats, error) {
	rec, err := r.load(id)
	if err != nil {
		return nil, err
	}
	if r.status(rec) == specs.StateStopped {
		return nil, fmt.Errorf("container %s is stopped: %w", id, ErrState)
	}
	m, err := rec.cgroup()
	if err != nil {
		return nil, err
	}
	st, err := m.Stats()
	if err != nil {
		return nil, fmt.Errorf("stats of container %s: %w", id, err)
	}
	return st, nil
}

// Update changes the resources of a created, running or paused container
// (runc update): the fields set in res are written to its cgroup and
// merged into its recorded config.
func (r *Runtime) Update(ctx context.Context, id string, res *specs.LinuxResources) error {
	rec, unlock, err := r.lockedLoad(id)
	if err != nil {
		return err
	}
	defer unlock()
	if r.status(rec) == specs.StateStopped {
		return fmt.Errorf("cannot update container %s: it is stopped: %w", id, ErrState)
	}
	m, err := rec.cgroup()
	if err != nil {
		return err
	}
	rec.specJSON = nil // Spec changes below
	if rec.Spec.Linux == nil {
		rec.Spec.Linux = &specs.Linux{}
	}
	if rec.Spec.Linux.Resources == nil {
		rec.Spec.Linux.Resources = &specs.LinuxResources{}
	}
	old := rec.Spec.Linux.Resources
	// A container without swap (memory+swap equal to memory) keeps none
	// when only its memory limit changes.
	if mem := res.Memory; mem != nil && mem.Limit != nil && mem.Swap == nil && old.Memory != nil &&
		old.Memory.Limit != nil && old.Memory.Swap != nil && *old.Memory.Swap == *old.Memory.Limit {
		mem.Swap = mem.Limit
	}
	if err := m.Set(res); err != nil {
		return fmt.Errorf("update container %s: %w", id, err)
	}
	mergeResources(old, res)
	return r.save(rec)
}

// Events calls emit with a "stats" event every interval, and an "oom"
// event when the kernel's OOM killer hit the container since the last
// look, until the container stops or ctx ends.
func (r *Runtime) Events(ctx context.Context, id string, interval time.Duration, emit func(*cgroups.Event) error) error {
	if interval <= 0 {
		return fmt.Errorf("events interval %s must be positive", interval)
	}
	tick := min(interval, 500*time.Millisecond)
	var lastOOM uint64
	var next time.Time
	for first := true; ; first = false {
		rec, err := r.load(id)
		if err != nil {
			if !first && errors.Is(err, ErrNotExist) {
				return nil // deleted
			}
			return err
		}
		if r.status(rec) == specs.StateStopped {
			if first {
				return fmt.Errorf("container %s is stopped: %w", id, ErrState)
			}
			return nil
		}
		m, err := rec.cgroup()
		if err != nil {
			return err
		}
		st, err := m.Stats()
		if err != nil {
			return fmt.Errorf("stats of container %s: %w", id, err)
		}
		if oom := st.Memory.EventCount.OOMKill; oom > lastOOM {
			if !first {
				if err := emit(&cgroups.Event{Type: "oom", ID: id}); err != nil {
					return err
				}
			}
			lastOOM = oom
		}
		if now := time.Now(); !now.Before(next) {
			if err := emit(&cgroups.Event{Type: "stats", ID: id, Data: st}); err != nil {
				return err
			}
			next = now.Add(interval)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(tick):
		}
	}
}
