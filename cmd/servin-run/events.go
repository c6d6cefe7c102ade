package main

import (
	"encoding/json"
	"os"
	"time"

	"github.com/servin/servin/libservin/cgroups"
	"github.com/spf13/cobra"
)

func newEventsCmd(g *globals) *cobra.Command {
	var stats bool
	var interval time.Duration
	cmd := &cobra.Command{
		Use:   "events [flags] <container-id>",
		Short: "Display container events such as OOM notifications and cpu, memory and I/O usage statistics",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := g.runtime()
			if err != nil {
				return err
			}
			enc := json.NewEncoder(os.Stdout)
			if stats {
				st, err := rt.Stats(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				return enc.Encode(&cgroups.Event{Type: "stats", ID: args[0], Data: st})
			}
			return rt.Events(cmd.Context(), args[0], interval, func(e *cgroups.Event) error {
				return enc.Encode(e)
			})
		},
	}
	cmd.Flags().BoolVar(&stats, "stats", false, "display the container's stats then exit")
	cmd.Flags().DurationVar(&interval, "interval", 5*time.Second, "set the stats collection interval")
	return cmd
}
