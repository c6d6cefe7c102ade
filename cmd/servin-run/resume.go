package main

import "context"

func newResumeCmd(g *globals) *command {
	return &command{
		name: "resume", args: "<container-id>",
		short:   "Resume all processes that have been previously paused",
		minArgs: 1, maxArgs: 1,
		run: func(ctx context.Context, args []string) error {
			rt, err := g.runtime()
			if err != nil {
				return err
			}
			return rt.Resume(ctx, args[0])
		},
	}
}
