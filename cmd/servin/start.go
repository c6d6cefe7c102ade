package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/servin/servin/libservin/container"
)

func newStartCmd(a *app) *cobra.Command {
	var attach, interactive bool
	cmd := &cobra.Command{
		Use:   "start [OPTIONS] CONTAINER...",
		Short: "Start one or more stopped containers",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if attach && len(args) > 1 {
				return errors.New("you cannot start and attach multiple containers at once")
			}
			var errs []error
			for _, ref := range args {
				cs, c, err := a.lookup(ctx, ref)
				if err == nil && !monitorGone(c) {
					fmt.Fprintln(cmd.OutOrStdout(), ref) // already running: like docker, not an error
					continue
				}
				if err == nil {
					_, err = cs.Update(ctx, c.ID, func(c *container.Container) error {
						c.State.StopRequested = false
						return nil
					})
				}
				if err == nil && attach {
					return a.runAttached(ctx, c, interactive, cmd.OutOrStdout(), cmd.ErrOrStderr())
				}
				if err == nil {
					err = a.startMonitor(c, false)
				}
				if err != nil {
					errs = append(errs, err)
					continue
				}
				fmt.Fprintln(cmd.OutOrStdout(), ref)
			}
			return errors.Join(errs...)
		},
	}
	cmd.Flags().BoolVarP(&attach, "attach", "a", false, "attach stdout/stderr and forward signals")
	cmd.Flags().BoolVarP(&interactive, "interactive", "i", false, "attach the container's stdin")
	return cmd
}
