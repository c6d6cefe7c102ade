package container

import (
	"errors"
	"fmt"
	"os"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/servin/servin/libservin/spec"
)

// ProcessOptions are the run flags that shape the container's process.
type ProcessOptions struct {
	// Cmd replaces the image's Cmd when non-empty.
	Cmd []string
	// Entrypoint replaces the image's Entrypoint when set (EntrypointSet;
	// an empty Entrypoint then clears it), and drops the image's Cmd.
	Entrypoint    []string
	EntrypointSet bool
	Env           []string // KEY=VALUE; KEY alone takes the host's value
	Workdir       string
	User          string
	Tty           bool
	Hostname      string
}

// ErrNoCommand: neither the image nor the flags give a command.
var ErrNoCommand = errors.New("no command specified")

// ProcessFromImage builds the container's process from the image config
// and the flags, as docker does: args = entrypoint + cmd, env = image env
// overridden by flags, cwd = -w or WorkingDir, user resolved in rootfs.
//
// It is the seam for the lead's image-config → runtime-config generator
// (libservin/image/unpack); keep callers to this one function.
func ProcessFromImage(cfg v1.Config, rootfs string, o ProcessOptions) (*specs.Process, error) {
	entry, cmd := cfg.Entrypoint, cfg.Cmd
	if o.EntrypointSet {
		entry, cmd = o.Entrypoint, nil
	}
	if len(o.Cmd) > 0 {
		cmd = o.Cmd
	}
	args := append(append([]string(nil), entry...), cmd...)
	if len(args) == 0 {
		return nil, ErrNoCommand
	}
	user := o.User
	if user == "" {
		user = cfg.User
	}
	u, err := ResolveUser(rootfs, user)
	if err != nil {
		return nil, err
	}
	cwd := o.Workdir
	if cwd == "" {
		cwd = cfg.WorkingDir
	}
	if cwd == "" {
		cwd = "/"
	}
	if !strings.HasPrefix(cwd, "/") {
		return nil, fmt.Errorf("working directory %q is not absolute", cwd)
	}
	env := MergeEnv(cfg.Env, o.Env)
	if !hasKey(env, "PATH") {
		env = append([]string{spec.DefaultPath}, env...)
	}
	if o.Hostname != "" {
		env = MergeEnv(env, []string{"HOSTNAME=" + o.Hostname})
	}
	if o.Tty && !hasKey(env, "TERM") {
		env = append(env, "TERM=xterm")
	}
	if !hasKey(env, "HOME") {
		env = append(env, "HOME="+HomeDir(rootfs, u.UID))
	}
	return &specs.Process{Terminal: o.Tty, User: u, Args: args, Env: env, Cwd: cwd}, nil
}

// MergeEnv returns base with each KEY=VALUE of over replacing the same KEY
// (appended when new). A bare KEY in over is dropped (callers expand it
// from the host first).
func MergeEnv(base, over []string) []string {
	out := append([]string(nil), base...)
	for _, kv := range over {
		k, _, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		replaced := false
		for i, e := range out {
			if ek, _, _ := strings.Cut(e, "="); ek == k {
				out[i], replaced = kv, true
			}
		}
		if !replaced {
			out = append(out, kv)
		}
	}
	return out
}

func hasKey(env []string, key string) bool {
	for _, e := range env {
		if k, _, _ := strings.Cut(e, "="); k == key {
			return true
		}
	}
	return false
}

// MakeWorkdir creates the process's working directory in rootfs when it
// is missing (as docker does), owned by the process's user.
func MakeWorkdir(rootfs string, p *specs.Process) error {
	dir, err := securejoin.SecureJoin(rootfs, p.Cwd)
	if err != nil {
		return fmt.Errorf("working directory %s: %w", p.Cwd, err)
	}
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("working directory %s: %w", p.Cwd, err)
	}
	if os.Geteuid() == 0 {
		_ = os.Chown(dir, int(p.User.UID), int(p.User.GID))
	}
	return nil
}
