package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/servin/servin/libservin/container"
	"github.com/servin/servin/libservin/ociruntime"
)

func newStopCmd(a *app) *cobra.Command {
	var timeout int
	cmd := &cobra.Command{
		Use:   "stop [OPTIONS] CONTAINER...",
		Short: "Stop running containers: SIGTERM, then SIGKILL after a grace period",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return forEach(cmd, args, func(ctx context.Context, ref string) error {
				return a.stop(ctx, ref, time.Duration(timeout)*time.Second)
			})
		},
	}
	cmd.Flags().IntVarP(&timeout, "time", "t", 10, "seconds to wait before killing the container")
	return cmd
}

func newRestartCmd(a *app) *cobra.Command {
	var timeout int
	cmd := &cobra.Command{
		Use:   "restart [OPTIONS] CONTAINER...",
		Short: "Restart one or more containers",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return forEach(cmd, args, func(ctx context.Context, ref string) error {
				if err := a.stop(ctx, ref, time.Duration(timeout)*time.Second); err != nil {
					return err
				}
				cs, c, err := a.lookup(ctx, ref)
				if err != nil {
					return err
				}
				if _, err := cs.Update(ctx, c.ID, func(c *container.Container) error { c.State.StopRequested = false; return nil }); err != nil {
					return err
				}
				return a.startMonitor(c, false)
			})
		},
	}
	cmd.Flags().IntVarP(&timeout, "time", "t", 10, "seconds to wait before killing the container")
	return cmd
}

// forEach runs fn for every argument, printing the ones that succeeded,
// and joins the errors.
func forEach(cmd *cobra.Command, args []string, fn func(context.Context, string) error) error {
	var errs []error
	for _, ref := range args {
		if err := fn(cmd.Context(), ref); err != nil {
			errs = append(errs, err)
			continue
		}
		fmt.Fprintln(cmd.OutOrStdout(), ref)
	}
	return errors.Join(errs...)
}

// stop marks the container as stopped by the user (no restart), sends
// SIGTERM, waits up to timeout, then SIGKILLs every process and waits for
// the monitor to record the exit.
func (a *app) stop(ctx context.Context, ref string, timeout time.Duration) error {
	cs, c, err := a.lookup(ctx, ref)
	if err != nil {
		return err
	}
	if monitorGone(c) {
		return nil
	}
	if c, err = cs.Update(ctx, c.ID, func(c *container.Container) error { c.State.StopRequested = true; return nil }); err != nil {
		return err
	}
	rt := runtimeOf(c)
	if c.State.Status == container.StatusPaused {
		_ = rt.Resume(ctx, c.ID)
	}
	if err := rt.Kill(ctx, c.ID, "SIGTERM", false); err == nil {
		if _, err := waitMonitor(ctx, cs, c.ID, timeout); err == nil {
			return nil
		}
	}
	if err := rt.Kill(ctx, c.ID, "SIGKILL", true); err != nil && !errors.Is(err, ociruntime.ErrNotExist) {
		a.log.Debug("kill", "container", c.ID, "err", err)
	}
	if _, err := waitMonitor(ctx, cs, c.ID, 30*time.Second); err != nil && !errors.Is(err, container.ErrNotExist) {
		return fmt.Errorf("stop %s: %w", ref, err)
	}
	return nil
}

// waitMonitor waits until the container's monitor has finished (exit
// recorded, no restart pending); ErrNotExist if it was removed (--rm).
func waitMonitor(ctx context.Context, cs *container.Store, id string, timeout time.Duration) (*container.Container, error) {
	end := time.Now().Add(timeout)
	var b backoff
	for {
		c, err := cs.Load(id)
		if err != nil {
			return nil, err
		}
		if monitorGone(c) {
			return refresh(ctx, cs, c), nil
		}
		if time.Now().After(end) {
			return c, errTimeout
		}
		select {
		case <-ctx.Done():
			return c, ctx.Err()
		case <-time.After(b.next()):
		}
	}
}

func newKillCmd(a *app) *cobra.Command {
	var sig string
	cmd := &cobra.Command{
		Use:   "kill [OPTIONS] CONTAINER...",
		Short: "Send a signal (default SIGKILL) to running containers",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return forEach(cmd, args, func(ctx context.Context, ref string) error {
				cs, c, err := a.lookup(ctx, ref)
				if err != nil {
					return err
				}
				if !c.State.Running() {
					return fmt.Errorf("container %s: %w", ref, container.ErrNotRunning)
				}
				s := ociruntime.SignalName(sig)
				if s == "SIGKILL" || s == "9" || s == "SIGTERM" || s == "15" {
					if _, err := cs.Update(ctx, c.ID, func(c *container.Container) error { c.State.StopRequested = true; return nil }); err != nil {
						return err
					}
				}
				return runtimeOf(c).Kill(ctx, c.ID, s, false)
			})
		},
	}
	cmd.Flags().StringVarP(&sig, "signal", "s", "KILL", "signal to send")
	return cmd
}

func newPauseCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use: "pause CONTAINER...", Short: "Pause all processes of containers", Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return forEach(cmd, args, func(ctx context.Context, ref string) error {
				return a.setPaused(ctx, ref, true)
			})
		},
	}
}

func newUnpauseCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use: "unpause CONTAINER...", Short: "Resume paused containers", Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return forEach(cmd, args, func(ctx context.Context, ref string) error {
				return a.setPaused(ctx, ref, false)
			})
		},
	}
}

func (a *app) setPaused(ctx context.Context, ref string, pause bool) error {
	cs, c, err := a.lookup(ctx, ref)
	if err != nil {
		return err
	}
	if !c.State.Running() {
		return fmt.Errorf("container %s: %w", ref, container.ErrNotRunning)
	}
	rt := runtimeOf(c)
	status := container.StatusRunning
	if pause {
		err, status = rt.Pause(ctx, c.ID), container.StatusPaused
	} else {
		err = rt.Resume(ctx, c.ID)
	}
	if err != nil {
		return err
	}
	_, err = cs.Update(ctx, c.ID, func(c *container.Container) error {
		if c.State.Running() {
			c.State.Status = status
		}
		return nil
	})
	return err
}
