package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/servin/servin/libservin/container"
	"github.com/servin/servin/libservin/volume"
)

func newRmCmd(a *app) *cobra.Command {
	var force, volumes bool
	cmd := &cobra.Command{
		Use:     "rm [OPTIONS] CONTAINER...",
		Aliases: []string{"remove"},
		Short:   "Remove one or more containers",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return forEach(cmd, args, func(ctx context.Context, ref string) error {
				cs, c, err := a.lookup(ctx, ref)
				if err != nil {
					return err
				}
				if !c.State.Running() && !monitorGone(c) {
					// The monitor is recording the exit: let it finish.
					if c, err = waitMonitor(ctx, cs, c.ID, 5*time.Second); err != nil {
						return err
					}
				}
				if !monitorGone(c) || c.State.Running() {
					if !force {
						return fmt.Errorf("cannot remove container %s: %w: stop it first or use -f", ref, container.ErrRunning)
					}
					if err := a.stop(ctx, c.ID, 0); err != nil {
						return err
					}
				}
				return a.removeContainer(ctx, cs, c, volumes)
			})
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "kill and remove a running container")
	cmd.Flags().BoolVarP(&volumes, "volumes", "v", false, "remove the container's anonymous volumes")
	return cmd
}

// removeContainer deletes a stopped container: runtime leftovers, rootfs,
// logs, the record, and with volumes its anonymous volumes.
func (a *app) removeContainer(ctx context.Context, cs *container.Store, c *container.Container, volumes bool) error {
	if _, err := cs.Load(c.ID); errors.Is(err, container.ErrNotExist) {
		return nil // removed by its monitor (--rm)
	}
	_, _ = cs.Update(ctx, c.ID, func(c *container.Container) error { c.State.Status = container.StatusRemoving; return nil })
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	_ = runtimeOf(c).Delete(dctx, c.ID, true)
	cancel()
	if err := a.rootfs().Remove(ctx, c.Bundle); err != nil {
		return err
	}
	if c.LogPath != "" {
		os.RemoveAll(filepath.Dir(c.LogPath))
	}
	if err := cs.Remove(c.ID); err != nil {
		return err
	}
	if volumes {
		vs, err := volume.Open(a.rootDir())
		if err != nil {
			return err
		}
		for _, m := range c.Mounts {
			if m.Type != "volume" {
				continue
			}
			if v, err := vs.Get(m.Name); err == nil && v.Labels["org.servin.anonymous"] == "true" && len(a.volumeUsers(m.Name)) == 0 {
				_ = vs.Remove(m.Name)
			}
		}
	}
	return nil
}
