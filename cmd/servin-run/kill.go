package main

import (
	"context"

	"github.com/servin/servin/libservin/runtime"
)

func newKillCmd(g *globals) *command {
	var all bool
	return &command{
		name: "kill", args: "<container-id> [signal]",
		short:   "Send a signal (default SIGTERM) to the container's init process",
		minArgs: 1, maxArgs: 2,
		flags: flagSet{
			{name: "all", short: "a", value: &all, usage: "send the signal to all processes in the container"},
		},
		run: func(ctx context.Context, args []string) error {
			sigName := "SIGTERM"
			if len(args) == 2 {
				sigName = args[1]
			}
			sig, err := runtime.ParseSignal(sigName)
			if err != nil {
				return err
			}
			rt, err := g.runtime()
			if err != nil {
				return err
			}
			return rt.Kill(ctx, args[0], sig, all)
		},
	}
}

func newDeleteCmd(g *globals) *command {
	var force bool
	return &command{
		name: "delete", args: "<container-id>",
		short:   "Delete a stopped container (or any, with --force)",
		minArgs: 1, maxArgs: 1,
		flags: flagSet{
			{name: "force", short: "f", value: &force, usage: "forcibly delete the container if it is still running (uses SIGKILL)"},
		},
		run: func(ctx context.Context, args []string) error {
			rt, err := g.runtime()
			if err != nil {
				return err
			}
			return rt.Delete(ctx, args[0], force)
		},
	}
}
