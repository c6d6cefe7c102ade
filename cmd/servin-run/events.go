package main

import (
	"context"
	"encoding/json"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/servin/servin/libservin/cgroups"
)

func newEventsCmd(g *globals) *command {
	var stats bool
	interval := 5 * time.Second
	return &command{
		name: "events", args: "<container-id>",
		short:   "Display container events such as OOM notifications and cpu, memory and I/O usage statistics",
		minArgs: 1, maxArgs: 1,
		flags: flagSet{
			{name: "stats", value: &stats, usage: "display the container's stats then exit"},
			{name: "interval", value: &interval, usage: "set the stats collection interval"},
		},
		run: func(ctx context.Context, args []string) error {
			rt, err := g.runtime()
			if err != nil {
				return err
			}
			enc := json.NewEncoder(os.Stdout)
			if stats {
				st, err := rt.Stats(ctx, args[0])
				if err != nil {
					return err
				}
				return enc.Encode(&cgroups.Event{Type: "stats", ID: args[0], Data: st})
			}
			// The stream ends cleanly on SIGTERM (only here: os/signal
			// costs every other command a thread and a round trip to a
			// locked one).
			ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM)
			defer stop()
			return rt.Events(ctx, args[0], interval, func(e *cgroups.Event) error {
				return enc.Encode(e)
			})
		},
	}
}
