package main

import "context"

func newPauseCmd(g *globals) *command {
	return &command{
		name: "pause", args: "<container-id>",
		short:   "Suspend all processes inside the container (cgroup freezer)",
		minArgs: 1, maxArgs: 1,
		run: func(ctx context.Context, args []string) error {
			rt, err := g.runtime()
			if err != nil {
				return err
			}
			return rt.Pause(ctx, args[0])
		},
	}
}
