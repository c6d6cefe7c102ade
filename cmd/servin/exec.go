package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/spf13/cobra"

	"github.com/servin/servin/libservin/container"
	"github.com/servin/servin/libservin/ociruntime"
	"github.com/servin/servin/libservin/spec"
)

type execOptions struct {
	interactive, tty, detach bool
	env, envFiles            []string
	workdir, user            string
	privileged               bool
}

func newExecCmd(a *app) *cobra.Command {
	o := &execOptions{}
	cmd := &cobra.Command{
		Use:   "exec [OPTIONS] CONTAINER COMMAND [ARG...]",
		Short: "Run a command in a running container",
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.exec(cmd.Context(), o, args[0], args[1:], cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.SetInterspersed(false)
	f.BoolVarP(&o.interactive, "interactive", "i", false, "keep STDIN open")
	f.BoolVarP(&o.tty, "tty", "t", false, "allocate a pseudo-TTY")
	f.BoolVarP(&o.detach, "detach", "d", false, "run the command in the background")
	f.StringArrayVarP(&o.env, "env", "e", nil, "set environment variables")
	f.StringArrayVar(&o.envFiles, "env-file", nil, "read environment variables from a file")
	f.StringVarP(&o.workdir, "workdir", "w", "", "working directory inside the container")
	f.StringVarP(&o.user, "user", "u", "", "user: name|uid[:group|gid]")
	f.BoolVar(&o.privileged, "privileged", false, "give the process all capabilities")
	return cmd
}

// exec runs args in the running container ref through the runtime's exec,
// starting from the container's own process settings (env, user, caps).
func (a *app) exec(ctx context.Context, o *execOptions, ref string, args []string, stdout, stderr io.Writer) error {
	_, c, err := a.lookup(ctx, ref)
	if err != nil {
		return err
	}
	if c.State.Status != container.StatusRunning {
		return fmt.Errorf("container %s: %w", ref, container.ErrNotRunning)
	}
	s, err := spec.Load(c.Bundle)
	if err != nil {
		return err
	}
	p := *s.Process
	p.Args, p.Terminal = args, o.tty
	env, err := collectEnv(o.env, o.envFiles)
	if err != nil {
		return err
	}
	p.Env = container.MergeEnv(p.Env, env)
	if o.workdir != "" {
		p.Cwd = o.workdir
	}
	if o.user != "" {
		if p.User, err = container.ResolveUser(c.Rootfs, o.user); err != nil {
			return err
		}
	}
	if o.privileged {
		all, _ := container.GenerateSpec(&specs.Process{}, container.SpecOptions{Privileged: true})
		p.Capabilities = all.Process.Capabilities
	}
	eo := ociruntime.ExecOptions{Process: &p, Detach: o.detach}
	if !o.detach && !o.tty {
		eo.Stdio = ociruntime.Stdio{Stdout: stdout, Stderr: stderr}
		if o.interactive {
			eo.Stdio.Stdin = os.Stdin
		}
	}
	rt := runtimeOf(c)
	if o.tty && !o.detach {
		err = execTerminal(ctx, rt, c.ID, eo, o.interactive, stdout)
	} else {
		err = rt.Exec(ctx, c.ID, eo)
	}
	var ee *ociruntime.ExitError
	if errors.As(err, &ee) {
		return statusError{code: ee.Code}
	}
	if err != nil {
		return commandError(err.Error())
	}
	return nil
}
