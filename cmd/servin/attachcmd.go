package main

import (
	"errors"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/servin/servin/libservin/container"
)

func newAttachCmd(a *app) *cobra.Command {
	var noStdin, sigProxy bool
	var detachKeys string
	cmd := &cobra.Command{
		Use:   "attach [OPTIONS] CONTAINER",
		Short: "Attach local standard input, output, and error streams to a running container",
		Long: "Attach to a running container's output from now on (`servin logs` has what came before) and, " +
			"when it was started with -i, its input. The detach keys (default ctrl-p,ctrl-q) leave it running; " +
			"otherwise attach ends with the container and exits with its code.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			keys, err := parseDetachKeys(detachKeys)
			if err != nil {
				return err
			}
			cs, c, err := a.lookup(ctx, args[0])
			if err != nil {
				return err
			}
			switch {
			case c.State.Status == container.StatusPaused:
				return errors.New("you cannot attach to a paused container, unpause it first")
			case c.State.Status != container.StatusRunning || monitorGone(c):
				return errors.New("you cannot attach to a stopped container, start it first")
			}
			sess, err := dialAttach(c)
			if err != nil {
				return err
			}
			if sigProxy && !c.HostConfig.Tty {
				stop := forwardSignals(ctx, c)
				defer stop()
			}
			var stdin io.Reader
			if !noStdin && c.HostConfig.OpenStdin {
				stdin = newDetachReader(os.Stdin, keys)
			}
			code := sess.stream(ctx, stdin, cmd.OutOrStdout(), cmd.ErrOrStderr())
			if sess.detached.Load() {
				return nil
			}
			if code, err = finalCode(ctx, cs, c, code); err != nil {
				return err
			}
			if code != 0 {
				return statusError{code: code}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&noStdin, "no-stdin", false, "do not attach stdin")
	cmd.Flags().BoolVar(&sigProxy, "sig-proxy", true, "proxy received signals to the container (without a terminal)")
	cmd.Flags().StringVar(&detachKeys, "detach-keys", defaultDetachKeys, "key sequence that detaches from the container")
	return cmd
}
