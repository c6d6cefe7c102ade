package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/servin/servin/libservin/runtime"
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

func newExecCmd(g *globals) *command {
	var f execFlags
	var ignored string
	var ignoredList []string
	var ignoredBool bool
	return &command{
		name: "exec", args: "<container-id> [command [args...]]",
		short:   "Execute a new process inside the container",
		minArgs: 1, maxArgs: -1,
		stopAtArg: true, // the command's own flags are not ours, as in runc
		flags: flagSet{
			{name: "process", short: "p", value: &f.process, usage: "path to the process.json (- for stdin)"},
			{name: "tty", short: "t", value: &f.tty, usage: "allocate a pseudo-TTY"},
			{name: "env", short: "e", value: &f.env, usage: "set environment variables"},
			{name: "cwd", value: &f.cwd, usage: "current working directory in the container"},
			{name: "user", short: "u", value: &f.user, usage: "UID (format: <uid>[:<gid>])"},
			{name: "additional-gids", short: "g", value: &f.groups, usage: "additional gids"},
			{name: "cap", short: "c", value: &f.caps, usage: "add a capability to the bounding set for the process"},
			{name: "no-new-privs", value: &f.noNewPrivs, usage: "set the no new privileges value for the process"},
			{name: "console-socket", value: &f.opts.ConsoleSocket, usage: "path to an AF_UNIX socket which will receive the pty master"},
			{name: "detach", short: "d", value: &f.opts.Detach, usage: "detach from the container's process"},
			{name: "pid-file", value: &f.opts.PidFile, usage: "specify the file to write the process id to"},
			{name: "preserve-fds", value: &f.opts.PreserveFds, usage: "pass N additional file descriptors to the process"},
			{name: "apparmor", value: &ignored, usage: "set the apparmor profile for the process (not supported on this host)"},
			{name: "process-label", value: &ignored, usage: "set the SELinux label for the process (not supported on this host)"},
			{name: "cgroup", value: &ignoredList, usage: "run the process in a (sub)cgroup"},
			{name: "ignore-paused", value: &ignoredBool, usage: "allow exec in a paused container"},
		},
		run: func(ctx context.Context, args []string) error {
			rt, err := g.runtime()
			if err != nil {
				return err
			}
			proc, err := f.build(ctx, rt, args)
			if err != nil {
				return err
			}
			code, err := rt.Exec(ctx, args[0], proc, f.opts)
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

// build returns the process: --process as given, else the container's own
// process with the command line and flags applied, as runc does.
func (f *execFlags) build(ctx context.Context, rt *runtime.Runtime, args []string) (proc *specs.Process, err error) {
	if f.process != "" {
		return runtime.LoadProcess(f.process)
	}
	if len(args) < 2 {
		return nil, fmt.Errorf("exec: no command given and no --process")
	}
	proc, err = rt.BaseProcess(ctx, args[0])
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
