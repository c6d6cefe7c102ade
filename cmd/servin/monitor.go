package main

import (
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/servin/servin/libservin/monitor"
)

// readyFd is the descriptor on which the monitor reports readiness.
const readyFd = 3

func newMonitorCmd(a *app) *cobra.Command {
	var attach bool
	cmd := &cobra.Command{
		Use:    "__monitor [--attach] ID",
		Short:  "per-container monitor (started by run and start)",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cs, err := a.containers()
			if err != nil {
				return err
			}
			return monitor.Run(cmd.Context(), monitor.Config{
				Store: cs, ID: args[0], Rootfs: a.rootfs(), WaitAttach: attach, AttachTimeout: 30 * time.Second,
				Ready: os.NewFile(readyFd, "ready"), Logger: a.log.With("monitor", args[0][:12]),
			})
		},
	}
	cmd.Flags().BoolVar(&attach, "attach", false, "wait for an attach client before starting")
	return cmd
}
