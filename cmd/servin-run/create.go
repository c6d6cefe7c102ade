package main

import (
	"context"

	"github.com/servin/servin/libservin/runtime"
)

// createFlags are the flags `create` and `run` share.
func createFlags(o *runtime.CreateOptions) flagSet {
	return flagSet{
		{name: "bundle", short: "b", value: &o.Bundle, usage: "path to the root of the bundle directory, defaults to the current directory"},
		{name: "pid-file", value: &o.PidFile, usage: "specify the file to write the process id to"},
		{name: "console-socket", value: &o.ConsoleSocket, usage: "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal"},
		{name: "no-pivot", value: &o.NoPivot, usage: "do not use pivot root to jail process inside rootfs"},
		{name: "no-new-keyring", value: &o.NoNewKeyring, usage: "do not create a new session keyring for the container"},
		{name: "preserve-fds", value: &o.PreserveFds, usage: "pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total)"},
	}
}

func newCreateCmd(g *globals) *command {
	var o runtime.CreateOptions
	return &command{
		name: "create", args: "<container-id>", short: "Create a container",
		minArgs: 1, maxArgs: 1,
		flags: createFlags(&o),
		run: func(ctx context.Context, args []string) error {
			rt, err := g.runtime()
			if err != nil {
				return err
			}
			if o.Bundle == "" {
				o.Bundle = "."
			}
			return rt.Create(ctx, args[0], o)
		},
	}
}

func newRunCmd(g *globals) *command {
	var o runtime.CreateOptions
	var detach bool
	return &command{
		name: "run", args: "<container-id>", short: "Create and run a container",
		minArgs: 1, maxArgs: 1,
		flags: append(createFlags(&o),
			&flag{name: "detach", short: "d", value: &detach, usage: "detach from the container's process"}),
		run: func(ctx context.Context, args []string) error {
			rt, err := g.runtime()
			if err != nil {
				return err
			}
			if o.Bundle == "" {
				o.Bundle = "."
			}
			code, err := rt.Run(ctx, args[0], o, detach)
			if err != nil {
				return err
			}
			if code != 0 {
				return exitError{code}
			}
			return nil
		},
	}
}

func newStartCmd(g *globals) *command {
	return &command{
		name: "start", args: "<container-id>", short: "Start the process of a created container",
		minArgs: 1, maxArgs: 1,
		run: func(ctx context.Context, args []string) error {
			rt, err := g.runtime()
			if err != nil {
				return err
			}
			return rt.Start(ctx, args[0])
		},
	}
}
