package main

import "github.com/spf13/cobra"

func newPauseCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "pause <container-id>",
		Short: "Suspend all processes inside the container (cgroup freezer)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := g.runtime()
			if err != nil {
				return err
			}
			return rt.Pause(cmd.Context(), args[0])
		},
	}
}
