package ociruntime

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Runtime is one runc-compatible binary with its state directory.
type Runtime struct {
	// Path is the runtime binary.
	Path string
	// Root is passed as the global --root flag (empty: the runtime's default).
	Root string
	// Debug adds --debug to every call.
	Debug bool
}

// New returns a client for the runtime at path (see Find) with state
// under root.
func New(path, root string) *Runtime { return &Runtime{Path: path, Root: root} }

// MayExist reports whether the runtime may hold state for id: runc, crun
// and servin-run keep one directory per container under their --root, so
// without that directory there is nothing to clean up. With no known root
// it answers true.
func (r *Runtime) MayExist(id string) bool {
	if r.Root == "" {
		return true
	}
	_, err := os.Stat(filepath.Join(r.Root, id))
	return err == nil
}

// Name is the base name of the runtime binary ("runc", "servin-run").
func (r *Runtime) Name() string { return filepath.Base(r.Path) }

// Stdio is the standard I/O given to a container or exec'd process; nil
// members mean /dev/null.
type Stdio struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// CreateOptions are the flags of `create`.
type CreateOptions struct {
	Bundle        string
	PidFile       string
	ConsoleSocket string
	Stdio         Stdio
}

// command builds an *exec.Cmd for the runtime with the global flags.
func (r *Runtime) command(ctx context.Context, logFile string, args ...string) *exec.Cmd {
	var global []string
	if r.Root != "" {
		global = append(global, "--root", r.Root)
	}
	if r.Debug {
		global = append(global, "--debug")
	}
	if logFile != "" {
		global = append(global, "--log", logFile, "--log-format", "json")
	}
	cmd := exec.CommandContext(ctx, r.Path, append(global, args...)...)
	cmd.Env = os.Environ()
	return cmd
}

// run executes a runtime command whose stdout is returned; its stderr is
// folded into the error.
func (r *Runtime) run(ctx context.Context, stdin io.Reader, args ...string) ([]byte, error) {
	cmd := r.command(ctx, "", args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.Bytes(), r.wrap(args, stderr.String(), err)
	}
	return stdout.Bytes(), nil
}

// wrap turns a failed runtime call into an error naming the command and
// carrying the runtime's message.
func (r *Runtime) wrap(args []string, msg string, err error) error {
	msg = strings.TrimSpace(msg)
	if msg == "" {
		msg = err.Error()
	}
	op := args[0]
	e := fmt.Errorf("%s %s: %s", r.Name(), op, lastLine(msg))
	if op != "create" && notExist(msg) {
		return fmt.Errorf("%w: %w", e, ErrNotExist)
	}
	return e
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// notExist recognises the "no such container" messages of runc, crun and
// servin-run.
func notExist(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "does not exist") || strings.Contains(m, "not found") ||
		strings.Contains(m, "no such file or directory") && strings.Contains(m, "state")
}

// withLog runs cmd with a temporary --log file and returns the error
// messages the runtime logged there.
func (r *Runtime) withLog(ctx context.Context, args []string, setup func(*exec.Cmd)) (string, error) {
	f, err := os.CreateTemp("", "servin-oci-log-*")
	if err != nil {
		return "", fmt.Errorf("%s %s: %w", r.Name(), args[0], err)
	}
	f.Close()
	defer os.Remove(f.Name())
	cmd := r.command(ctx, f.Name(), args...)
	setup(cmd)
	runErr := cmd.Run()
	return logErrors(f.Name()), runErr
}

// logErrors returns the messages of the error-level lines of a JSON --log.
func logErrors(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	var msgs []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		var line struct{ Level, Msg string }
		if json.Unmarshal(sc.Bytes(), &line) == nil {
			if line.Level == "error" || line.Level == "fatal" {
				msgs = append(msgs, line.Msg)
			}
		} else if t := strings.TrimSpace(sc.Text()); t != "" {
			msgs = append(msgs, t)
		}
	}
	return strings.Join(msgs, "\n")
}

// Create runs `create`: the container is created and waits for Start.
func (r *Runtime) Create(ctx context.Context, id string, o CreateOptions) error {
	args := []string{"create", "--bundle", o.Bundle}
	if o.PidFile != "" {
		args = append(args, "--pid-file", o.PidFile)
	}
	if o.ConsoleSocket != "" {
		args = append(args, "--console-socket", o.ConsoleSocket)
	}
	args = append(args, id)
	msg, err := r.withLog(ctx, args, func(cmd *exec.Cmd) { setStdio(cmd, o.Stdio) })
	if err != nil {
		return r.wrap(args, msg, err)
	}
	return nil
}

// setStdio gives cmd the stdio; the runtime passes its own stdio to the
// container, so *os.File members are inherited directly.
func setStdio(cmd *exec.Cmd, s Stdio) {
	cmd.Stdin, cmd.Stdout, cmd.Stderr = s.Stdin, s.Stdout, s.Stderr
}

// Start runs `start`.
func (r *Runtime) Start(ctx context.Context, id string) error {
	_, err := r.run(ctx, nil, "start", id)
	return err
}

// State runs `state` and decodes its JSON.
func (r *Runtime) State(ctx context.Context, id string) (*specs.State, error) {
	out, err := r.run(ctx, nil, "state", id)
	if err != nil {
		return nil, err
	}
	var st specs.State
	if err := json.Unmarshal(out, &st); err != nil {
		return nil, fmt.Errorf("%s state %s: decode: %w", r.Name(), id, err)
	}
	return &st, nil
}

// Kill sends sig (a name like "TERM" or "SIGKILL", or a number) to the
// container's init process, or to all its processes.
func (r *Runtime) Kill(ctx context.Context, id, sig string, all bool) error {
	args := []string{"kill"}
	if all {
		args = append(args, "--all")
	}
	_, err := r.run(ctx, nil, append(args, id, sig)...)
	return err
}

// Delete runs `delete`, with --force to kill a running container first.
func (r *Runtime) Delete(ctx context.Context, id string, force bool) error {
	args := []string{"delete"}
	if force {
		args = append(args, "--force")
	}
	_, err := r.run(ctx, nil, append(args, id)...)
	return err
}

// Pause runs `pause`.
func (r *Runtime) Pause(ctx context.Context, id string) error {
	_, err := r.run(ctx, nil, "pause", id)
	return err
}

// Resume runs `resume`.
func (r *Runtime) Resume(ctx context.Context, id string) error {
	_, err := r.run(ctx, nil, "resume", id)
	return err
}

// Ps returns the host PIDs of the container's processes (`ps --format json`).
func (r *Runtime) Ps(ctx context.Context, id string) ([]int, error) {
	out, err := r.run(ctx, nil, "ps", "--format", "json", id)
	if err != nil {
		return nil, err
	}
	var pids []int
	if err := json.Unmarshal(out, &pids); err != nil {
		return nil, fmt.Errorf("%s ps %s: decode: %w", r.Name(), id, err)
	}
	return pids, nil
}

// Update runs `update --resources -` with res as JSON on stdin.
func (r *Runtime) Update(ctx context.Context, id string, res *specs.LinuxResources) error {
	data, err := json.Marshal(res)
	if err != nil {
		return fmt.Errorf("%s update %s: %w", r.Name(), id, err)
	}
	_, err = r.run(ctx, bytes.NewReader(data), "update", "--resources", "-", id)
	return err
}

// ExecOptions are the flags of `exec`.
type ExecOptions struct {
	Process       *specs.Process
	Detach        bool
	PidFile       string
	ConsoleSocket string
	Stdio         Stdio
}

// Exec runs `exec --process FILE` in the running container id and waits
// for it (or only for its start with Detach). A process that ran and
// exited non-zero gives an *ExitError; a failure of the runtime itself
// gives another error.
func (r *Runtime) Exec(ctx context.Context, id string, o ExecOptions) error {
	pf, err := os.CreateTemp("", "servin-exec-*.json")
	if err != nil {
		return fmt.Errorf("%s exec %s: %w", r.Name(), id, err)
	}
	defer os.Remove(pf.Name())
	if err := json.NewEncoder(pf).Encode(o.Process); err != nil {
		pf.Close()
		return fmt.Errorf("%s exec %s: %w", r.Name(), id, err)
	}
	pf.Close()
	args := []string{"exec", "--process", pf.Name()}
	if o.Detach {
		args = append(args, "--detach")
	}
	if o.PidFile != "" {
		args = append(args, "--pid-file", o.PidFile)
	}
	if o.ConsoleSocket != "" {
		args = append(args, "--tty", "--console-socket", o.ConsoleSocket)
	}
	args = append(args, id)
	msg, err := r.withLog(ctx, args, func(cmd *exec.Cmd) { setStdio(cmd, o.Stdio) })
	if err == nil {
		return nil
	}
	var ee *exec.ExitError
	if msg == "" && errors.As(err, &ee) && ee.ExitCode() >= 0 {
		return &ExitError{Code: ee.ExitCode()}
	}
	return r.wrap(args, msg, err)
}

// SignalName normalises a signal given as "KILL", "SIGKILL" or "9" to what
// every runtime's kill accepts.
func SignalName(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	if _, err := strconv.Atoi(s); err == nil {
		return s
	}
	if !strings.HasPrefix(s, "SIG") {
		s = "SIG" + s
	}
	return s
}
