package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/servin/servin/libservin/container"
	"github.com/servin/servin/libservin/monitor"
)

// refresh corrects the state of a container whose monitor is gone: after
// a reboot (another boot ID) or a killed monitor, a "running" container is
// exited with code 255, as docker shows containers of a crashed daemon.
func refresh(ctx context.Context, cs *container.Store, c *container.Container) *container.Container {
	st := c.State
	if !st.Running() && st.MonitorPid == 0 {
		return c
	}
	rebooted := st.BootID != "" && st.BootID != monitor.BootID()
	if !rebooted && monitor.Alive(st.MonitorPid, st.MonitorStart) {
		return c
	}
	if !rebooted && st.Running() {
		if rs, err := runtimeOf(c).State(ctx, c.ID); err == nil && (rs.Status == "running" || rs.Status == "paused") {
			return c // the monitor died but the container lives on
		}
	}
	nc, err := cs.Update(ctx, c.ID, func(c *container.Container) error {
		if c.State.Running() {
			c.State.Status, c.State.ExitCode, c.State.FinishedAt = container.StatusExited, 255, time.Now().UTC()
			if rebooted {
				c.State.Error = "host rebooted while the container ran"
			} else {
				c.State.Error = "monitor exited unexpectedly"
			}
		}
		c.State.Pid, c.State.MonitorPid = 0, 0
		return nil
	})
	if err != nil {
		return c
	}
	return nc
}

// lookup finds a container by name, ID or prefix and refreshes its state.
func (a *app) lookup(ctx context.Context, ref string) (*container.Store, *container.Container, error) {
	cs, err := a.containers()
	if err != nil {
		return nil, nil, err
	}
	c, err := cs.Get(ref)
	if err != nil {
		return nil, nil, err
	}
	return cs, refresh(ctx, cs, c), nil
}

// monitorGone reports whether c has no live monitor.
func monitorGone(c *container.Container) bool {
	return c.State.MonitorPid == 0 || !monitor.Alive(c.State.MonitorPid, c.State.MonitorStart)
}

// waitExit polls until the container is not running (and its monitor is
// done, unless it is restarting) or the timeout passes (0: forever). It
// returns the last record, or ErrNotExist when it was removed.
func waitExit(ctx context.Context, cs *container.Store, id string, timeout time.Duration) (*container.Container, error) {
	var deadline <-chan time.Time
	if timeout > 0 {
		deadline = time.After(timeout)
	}
	var b backoff
	for {
		c, err := cs.Load(id)
		if err != nil {
			return nil, err
		}
		c = refresh(ctx, cs, c)
		if c.State.Status == container.StatusExited && monitorGone(c) {
			return c, nil
		}
		select {
		case <-ctx.Done():
			return c, ctx.Err()
		case <-deadline:
			return c, errTimeout
		case <-time.After(b.next()):
		}
	}
}

// backoff is a polling interval: short at first (most waits here end in a
// few milliseconds), growing to 50ms.
type backoff struct{ d time.Duration }

func (b *backoff) next() time.Duration {
	if b.d == 0 {
		b.d = time.Millisecond
	} else if b.d < 50*time.Millisecond {
		b.d *= 2
	}
	return b.d
}

var errTimeout = errors.New("timed out")

// waitGone polls until container id is removed or the timeout passes.
func waitGone(cs *container.Store, id string, timeout time.Duration) error {
	end := time.Now().Add(timeout)
	var b backoff
	for time.Now().Before(end) {
		if _, err := cs.Load(id); errors.Is(err, container.ErrNotExist) {
			return nil
		}
		time.Sleep(b.next())
	}
	return fmt.Errorf("container %s: still present after %s", id[:12], timeout)
}
