package runtime

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// DefaultRoot is where container state lives unless --root says otherwise.
const DefaultRoot = "/run/servin"

// UserRoot is the default state root for an unprivileged user, as runc
// uses: $XDG_RUNTIME_DIR/servin, else a per-user directory in /tmp.
func UserRoot() string {
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		return filepath.Join(d, "servin")
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("servin-%d", os.Geteuid()))
}

// Runtime manages the containers whose state lives under one root.
type Runtime struct {
	root string
	log  *slog.Logger
	// noFastInit sends every container to the Go init (see
	// linux.Program); set by SERVIN_GO_INIT=1, for tests and comparison.
	noFastInit bool
}

// Option configures a Runtime.
type Option func(*Runtime)

// WithLogger sends warnings (failed poststart/poststop hooks, ...) to l.
func WithLogger(l *slog.Logger) Option { return func(r *Runtime) { r.log = l } }

// New opens (creating if needed) the state root.
func New(root string, opts ...Option) (*Runtime, error) {
	if root == "" {
		root = DefaultRoot
	}
	if err := os.MkdirAll(root, 0o711); err != nil {
		return nil, fmt.Errorf("create state root %s: %w", root, err)
	}
	r := &Runtime{root: root, log: slog.New(slog.NewTextHandler(io.Discard, nil)), noFastInit: os.Getenv("SERVIN_GO_INIT") == "1"}
	for _, o := range opts {
		o(r)
	}
	return r, nil
}

// CreateOptions are the `create` (and `run`) flags.
type CreateOptions struct {
	Bundle        string
	PidFile       string
	ConsoleSocket string
	NoPivot       bool
	NoNewKeyring  bool
	PreserveFds   int
	// Stdin, Stdout and Stderr default to the runtime's own (runc's
	// detached pass-through mode).
	Stdin, Stdout, Stderr *os.File
	// direct: Run starts the container itself over the init's sync
	// socket, so create makes no exec fifo.
	direct bool
	// spec and specJSON: the config Run loaded already (create loads it
	// otherwise).
	spec     *specs.Spec
	specJSON []byte
}

// State is the output of `state`: the runtime-spec state plus what runc
// adds, in runc's field order.
type State struct {
	Version     string               `json:"ociVersion"`
	ID          string               `json:"id"`
	Pid         int                  `json:"pid"`
	Status      specs.ContainerState `json:"status"`
	Bundle      string               `json:"bundle"`
	Rootfs      string               `json:"rootfs"`
	Created     time.Time            `json:"created"`
	Owner       string               `json:"owner"`
	Annotations map[string]string    `json:"annotations,omitempty"`
}

func (rec *record) state(status specs.ContainerState) *State {
	pid := rec.Pid
	if status == specs.StateStopped {
		pid = 0
	}
	return &State{
		Version: specs.Version, ID: rec.ID, Pid: pid, Status: status, Bundle: rec.Bundle,
		Rootfs: rec.Rootfs, Created: rec.Created, Owner: rec.Owner, Annotations: rec.Annotations,
	}
}

// ociState is the runtime-spec state given to hooks.
func (rec *record) ociState(status specs.ContainerState) *specs.State {
	return &specs.State{
		Version: specs.Version, ID: rec.ID, Status: status, Pid: rec.Pid,
		Bundle: rec.Bundle, Annotations: rec.Annotations,
	}
}

// ExecOptions are the `exec` flags that are not part of the process.
type ExecOptions struct {
	PidFile               string
	ConsoleSocket         string
	Detach                bool
	PreserveFds           int
	Stdin, Stdout, Stderr *os.File
}
