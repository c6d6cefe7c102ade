package main

import (
	"fmt"
	"time"

	"github.com/servin/servin/libservin/registry"
	"github.com/spf13/cobra"
)

func newStopCmd() *cobra.Command {
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "stop",
		Short: "Stop the background registry server gracefully",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := registry.Stop(cmd.Context(), registryDir(cmd), timeout)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "servin-registry stopped (pid %d, %s)\n", st.PID, st.URL())
			return nil
		},
	}
	cmd.Flags().DurationVar(&timeout, "timeout", 20*time.Second, "how long to wait for requests to drain before killing")
	return cmd
}
