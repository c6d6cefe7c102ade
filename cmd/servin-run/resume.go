package main

import "github.com/spf13/cobra"

func newResumeCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "resume <container-id>",
		Short: "Resume all processes that have been previously paused",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := g.runtime()
			if err != nil {
				return err
			}
			return rt.Resume(cmd.Context(), args[0])
		},
	}
}
