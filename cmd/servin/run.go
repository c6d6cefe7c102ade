package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/servin/servin/libservin/container"
)

func newRunCmd(a *app) *cobra.Command {
	o := &runOptions{}
	cmd := &cobra.Command{
		Use:   "run [OPTIONS] IMAGE [COMMAND [ARG...]]",
		Short: "Create and run a new container from an image",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.entrypointGiven = cmd.Flags().Changed("entrypoint")
			ctx := cmd.Context()
			c, err := a.createContainer(ctx, o, args[0], args[1:])
			if err != nil {
				return err
			}
			if o.detach {
				if err := a.startMonitor(c, false); err != nil {
					a.cleanupFailed(c)
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), c.ID)
				return nil
			}
			return a.runAttached(ctx, c, o.interactive, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	addRunFlags(cmd.Flags(), o)
	cmd.Flags().BoolVarP(&o.detach, "detach", "d", false, "run in the background and print the container ID")
	return cmd
}

func newCreateCmd(a *app) *cobra.Command {
	o := &runOptions{}
	cmd := &cobra.Command{
		Use:   "create [OPTIONS] IMAGE [COMMAND [ARG...]]",
		Short: "Create a new container without starting it",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.entrypointGiven = cmd.Flags().Changed("entrypoint")
			c, err := a.createContainer(cmd.Context(), o, args[0], args[1:])
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), c.ID)
			return nil
		},
	}
	addRunFlags(cmd.Flags(), o)
	return cmd
}

// cleanupFailed removes an --rm container whose start failed.
func (a *app) cleanupFailed(c *container.Container) {
	if !c.HostConfig.AutoRemove {
		return
	}
	if cs, err := a.containers(); err == nil {
		_ = a.removeContainer(context.Background(), cs, c, false)
	}
}

// runAttached starts c's monitor, streams its stdio and returns its exit
// code as a statusError. Signals to servin are forwarded to the container
// (without a terminal; with one they arrive as input).
func (a *app) runAttached(ctx context.Context, c *container.Container, interactive bool, stdout, stderr io.Writer) error {
	if err := a.startMonitor(c, true); err != nil {
		a.cleanupFailed(c)
		return err
	}
	sess, err := dialAttach(c)
	if err != nil {
		return err
	}
	if !c.HostConfig.Tty {
		stop := forwardSignals(ctx, c)
		defer stop()
	}
	var stdin io.Reader
	if interactive {
		stdin = os.Stdin
		if c.HostConfig.Tty {
			// As docker: ctrl-p ctrl-q on a terminal detaches.
			keys, _ := parseDetachKeys(defaultDetachKeys)
			stdin = newDetachReader(stdin, keys)
		}
	}
	code := sess.stream(ctx, stdin, stdout, stderr)
	if sess.detached.Load() {
		return nil
	}
	cs, err := a.containers()
	if err != nil {
		return err
	}
	if code, err = finalCode(ctx, cs, c, code); err != nil {
		return err
	}
	if c.HostConfig.AutoRemove {
		_ = waitGone(cs, c.ID, 10*time.Second)
	}
	if code != 0 {
		return statusError{code: code}
	}
	return nil
}

// finalCode is an attach session's code, or, when the monitor went away
// without an exit frame (-1), the exit code it recorded.
func finalCode(ctx context.Context, cs *container.Store, c *container.Container, code int) (int, error) {
	if code >= 0 {
		return code, nil
	}
	last, err := waitExit(ctx, cs, c.ID, 0)
	if err != nil {
		return 0, fmt.Errorf("container %s: %w", c.ShortID(), err)
	}
	return last.State.ExitCode, nil
}

// forwardSignals sends the signals servin receives to the container.
func forwardSignals(ctx context.Context, c *container.Container) (stop func()) {
	ch := make(chan os.Signal, 8)
	signal.Notify(ch, forwardedSignals...)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-ch:
				sig := s.(syscall.Signal)
				_ = runtimeOf(c).Kill(ctx, c.ID, fmt.Sprint(int(sig)), false)
			case <-done:
				return
			}
		}
	}()
	return func() { signal.Stop(ch); close(done) }
}
