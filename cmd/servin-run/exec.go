package main

import (
	"fmt"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/servin/servin/libservin/runtime"
	"github.com/spf13/cobra"
)

// execFlags are runc exec's flags that shape the process.
type execFlags struct {
	process    string
	tty        bool
	env        []string
	cwd        string
	user       string
	groups     []string
	caps       []string
	noNewPrivs bool
	opts       runtime.ExecOptions
}

func newExecCmd(g *globals) *cobra.Command {
	var f execFlags
	cmd := &cobra.Command{
		Use:   "exec [flags] <container-id> [command [args...]]",
		Short: "Execute a new process inside the container",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := g.runtime()
			if err != nil {
				return err
			}
			proc, err := f.build(cmd, rt, args)
			if err != nil {
				return err
			}
			code, err := rt.Exec(cmd.Context(), args[0], proc, f.opts)
			if err != nil {
				return err
			}
			if code != 0 {
				return exitError{code}
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.SetInterspersed(false)
	fl.StringVarP(&f.process, "process", "p", "", "path to the process.json (- for stdin)")
	fl.BoolVarP(&f.tty, "tty", "t", false, "allocate a pseudo-TTY")
	fl.StringArrayVarP(&f.env, "env", "e", nil, "set environment variables")
	fl.StringVar(&f.cwd, "cwd", "", "current working directory in the container")
	fl.StringVarP(&f.user, "user", "u", "", "UID (format: <uid>[:<gid>])")
	fl.StringArrayVarP(&f.groups, "additional-gids", "g", nil, "additional gids")
	fl.StringArrayVarP(&f.caps, "cap", "c", nil, "add a capability to the bounding set for the process")
	fl.BoolVar(&f.noNewPrivs, "no-new-privs", false, "set the no new privileges value for the process")
	fl.StringVar(&f.opts.ConsoleSocket, "console-socket", "", "path to an AF_UNIX socket which will receive the pty master")
	fl.BoolVarP(&f.opts.Detach, "detach", "d", false, "detach from the container's process")
	fl.StringVar(&f.opts.PidFile, "pid-file", "", "specify the file to write the process id to")
	fl.IntVar(&f.opts.PreserveFds, "preserve-fds", 0, "pass N additional file descriptors to the process")
	var ignored string
	var ignoredBool bool
	fl.StringVar(&ignored, "apparmor", "", "set the apparmor profile for the process (not supported on this host)")
	fl.StringVar(&ignored, "process-label", "", "set the SELinux label for the process (not supported on this host)")
	fl.StringVar(&ignored, "cgroup", "", "run the process in a (sub)cgroup")
	fl.BoolVar(&ignoredBool, "ignore-paused", false, "allow exec in a paused container")
	return cmd
}

// build returns the process: --process as given, else the container's own
// process with the command line and flags applied, as runc does.
func (f *execFlags) build(cmd *cobra.Command, rt *runtime.Runtime, args []string) (proc *specs.Process, err error) {
	if f.process != "" {
		return runtime.LoadProcess(f.process)
	}
	if len(args) < 2 {
		return nil, fmt.Errorf("exec: no command given and no --process")
	}
	proc, err = rt.BaseProcess(cmd.Context(), args[0])
	if err != nil {
		return nil, err
	}
	proc.Args = args[1:]
	proc.Terminal = f.tty
	proc.Env = append(proc.Env, f.env...)
	if f.cwd != "" {
		proc.Cwd = f.cwd
	}
	if f.user != "" {
		u, gstr, hasGID := strings.Cut(f.user, ":")
		uid, err := strconv.ParseUint(u, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("invalid --user %q: want uid[:gid]", f.user)
		}
		proc.User.UID = uint32(uid)
		if hasGID {
			gid, err := strconv.ParseUint(gstr, 10, 32)
			if err != nil {
				return nil, fmt.Errorf("invalid --user %q: want uid[:gid]", f.user)
			}
			proc.User.GID = uint32(gid)
		}
	}
	for _, s := range f.groups {
		gid, err := strconv.ParseUint(s, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("invalid --additional-gids %q", s)
		}
		proc.User.AdditionalGids = append(proc.User.AdditionalGids, uint32(gid))
	}
	if len(f.caps) > 0 && proc.Capabilities != nil {
		c := proc.Capabilities
		c.Bounding = append(c.Bounding, f.caps...)
		c.Effective = append(c.Effective, f.caps...)
		c.Permitted = append(c.Permitted, f.caps...)
		c.Ambient = append(c.Ambient, f.caps...)
	}
	if f.noNewPrivs {
		proc.NoNewPrivileges = true
	}
	return proc, nil
}
