package main

import (
	"github.com/servin/servin/libservin/runtime"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// addCreateFlags registers the flags `create` and `run` share.
func addCreateFlags(f *pflag.FlagSet, o *runtime.CreateOptions) {
	f.StringVarP(&o.Bundle, "bundle", "b", "", "path to the root of the bundle directory, defaults to the current directory")
	f.StringVar(&o.PidFile, "pid-file", "", "specify the file to write the process id to")
	f.StringVar(&o.ConsoleSocket, "console-socket", "", "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal")
	f.BoolVar(&o.NoPivot, "no-pivot", false, "do not use pivot root to jail process inside rootfs")
	f.BoolVar(&o.NoNewKeyring, "no-new-keyring", false, "do not create a new session keyring for the container")
	f.IntVar(&o.PreserveFds, "preserve-fds", 0, "pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total)")
}

func newCreateCmd(g *globals) *cobra.Command {
	var o runtime.CreateOptions
	cmd := &cobra.Command{
		Use:   "create [flags] <container-id>",
		Short: "Create a container",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := g.runtime()
			if err != nil {
				return err
			}
			if o.Bundle == "" {
				o.Bundle = "."
			}
			return rt.Create(cmd.Context(), args[0], o)
		},
	}
	addCreateFlags(cmd.Flags(), &o)
	return cmd
}

func newRunCmd(g *globals) *cobra.Command {
	var o runtime.CreateOptions
	var detach bool
	cmd := &cobra.Command{
		Use:   "run [flags] <container-id>",
		Short: "Create and run a container",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := g.runtime()
			if err != nil {
				return err
			}
			if o.Bundle == "" {
				o.Bundle = "."
			}
			code, err := rt.Run(cmd.Context(), args[0], o, detach)
			if err != nil {
				return err
			}
			if code != 0 {
				return exitError{code}
			}
			return nil
		},
	}
	addCreateFlags(cmd.Flags(), &o)
	cmd.Flags().BoolVarP(&detach, "detach", "d", false, "detach from the container's process")
	return cmd
}

func newStartCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "start <container-id>",
		Short: "Start the process of a created container",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := g.runtime()
			if err != nil {
				return err
			}
			return rt.Start(cmd.Context(), args[0])
		},
	}
}
