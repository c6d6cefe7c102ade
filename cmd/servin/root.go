package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/spf13/cobra"

	"github.com/servin/servin/libservin/container"
	"github.com/servin/servin/libservin/image/layout"
	"github.com/servin/servin/libservin/ociruntime"
	"github.com/servin/servin/libservin/store"
	"github.com/servin/servin/libservin/version"
)

// EnvRuntime names the default runtime when --runtime is not given.
const EnvRuntime = "SERVIN_RUNTIME"

// EnvLogFile overrides the default log file.
const EnvLogFile = "SERVIN_LOG_FILE"

// app holds the global flags and what they open.
type app struct {
	root     string
	runtime  string
	verbose  bool
	logLevel string
	logFile  string
	logOut   io.Closer
	log      *slog.Logger
}

func newRootCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:           "servin [OPTIONS] COMMAND",
		Short:         "Run and manage OCI containers",
		Version:       version.Version,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			return a.setup()
		},
	}
	f := cmd.PersistentFlags()
	f.StringVar(&a.root, "root", "", "servin root directory (default $SERVIN_ROOT, /var/lib/servin as root, ~/.servin otherwise)")
	f.StringVar(&a.runtime, "runtime", "", "OCI runtime: servin-run (default, or $SERVIN_RUNTIME), runc, crun or a path")
	f.BoolVar(&a.verbose, "verbose", false, "log info messages to stderr too")
	f.StringVar(&a.logLevel, "log-level", "", "log level: debug, info, warn or error (default info to the file, warn to stderr)")
	f.StringVar(&a.logFile, "log-file", "", "log file (default $SERVIN_LOG_FILE, else the platform log directory)")
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return err })
	cmd.AddCommand(
		newRunCmd(a), newCreateCmd(a), newStartCmd(a), newStopCmd(a), newRestartCmd(a), newKillCmd(a),
		newRmCmd(a), newLsCmd(a), newInspectCmd(a), newWaitCmd(a), newLogsCmd(a), newExecCmd(a),
		newTopCmd(a), newStatsCmd(a), newCpCmd(a), newVolumeCmd(a), newMonitorCmd(a), newHelpCmd(a),
		newPauseCmd(a), newUnpauseCmd(a), newSecurityCmd(a), newAttachCmd(a),
	)
	return cmd
}

// builtins lists the names and aliases of root's commands.
func builtins() map[string]bool {
	out := map[string]bool{"help": true, "completion": true, "__complete": true, "__completeNoDesc": true}
	for _, c := range newRootCmd(&app{}).Commands() {
		out[c.Name()] = true
		for _, al := range c.Aliases {
			out[al] = true
		}
	}
	return out
}

func (a *app) setup() error {
	console, file, err := parseLevels(a.logLevel, a.verbose)
	if err != nil {
		return err
	}
	debug := a.logLevel == "debug"
	handlers := []slog.Handler{slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: console, AddSource: debug})}
	path := a.logFile
	if path == "" {
		path = os.Getenv(EnvLogFile)
	}
	if path == "" {
		path = defaultLogFile()
	}
	if path != "" && path != "-" {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err == nil {
			if f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640); err == nil {
				a.logOut = f
				handlers = append(handlers, slog.NewJSONHandler(f, &slog.HandlerOptions{Level: file, AddSource: debug}))
			} else if a.logFile != "" {
				return fmt.Errorf("open log file: %w", err)
			}
		}
	}
	a.log = slog.New(slog.NewMultiHandler(handlers...)).With("pid", os.Getpid())
	slog.SetDefault(a.log)
	return nil
}

// parseLevels returns the console and file levels.
func parseLevels(s string, verbose bool) (slog.Level, slog.Level, error) {
	console, file := slog.LevelWarn, slog.LevelInfo
	if verbose {
		console = slog.LevelInfo
	}
	if s == "" {
		return console, file, nil
	}
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(s))); err != nil || !validLevel(s) {
		return 0, 0, fmt.Errorf("invalid --log-level %q: want debug, info, warn or error", s)
	}
	if verbose {
		return l, l, nil
	}
	return max(l, console), l, nil
}

func validLevel(s string) bool {
	switch strings.ToLower(s) {
	case "debug", "info", "warn", "error":
		return true
	}
	return false
}

// defaultLogFile is servin.log in the platform's log directory.
func defaultLogFile() string {
	home, _ := os.UserHomeDir()
	switch runtime.GOOS {
	case "linux":
		if os.Geteuid() == 0 {
			return "/var/log/servin/servin.log"
		}
		if s := os.Getenv("XDG_STATE_HOME"); s != "" {
			return filepath.Join(s, "servin", "servin.log")
		}
		if home != "" {
			return filepath.Join(home, ".local", "state", "servin", "servin.log")
		}
	case "darwin":
		if home != "" {
			return filepath.Join(home, "Library", "Logs", "servin", "servin.log")
		}
	case "windows":
		if d := os.Getenv("LOCALAPPDATA"); d != "" {
			return filepath.Join(d, "servin", "logs", "servin.log")
		}
	}
	return ""
}

func (a *app) close() {
	if a.logOut != nil {
		a.logOut.Close()
	}
}

func (a *app) rootDir() string { return store.Root(a.root) }

func (a *app) containers() (*container.Store, error) { return container.Open(a.rootDir()) }

func (a *app) images() (*layout.Store, error) {
	return layout.Open(filepath.Join(a.rootDir(), store.ImagesDir), layout.WithContainersDir(filepath.Join(a.rootDir(), store.ContainersDir)))
}

// newRuntime resolves --runtime (or $SERVIN_RUNTIME) for a new container;
// its state lives under <root>/run/<name> (/run/servin/<name> for the
// system root).
func (a *app) newRuntime() (*ociruntime.Runtime, error) {
	name := a.runtime
	if name == "" {
		name = os.Getenv(EnvRuntime)
	}
	path, err := ociruntime.Find(name)
	if err != nil {
		return nil, err
	}
	base := strings.TrimSuffix(filepath.Base(path), ".exe")
	stateRoot := filepath.Join(a.rootDir(), "run", base)
	if filepath.Clean(a.rootDir()) == store.SystemRoot {
		stateRoot = filepath.Join("/run/servin", base)
	}
	return ociruntime.New(path, stateRoot), nil
}

// runtimeOf is the runtime that created c.
func runtimeOf(c *container.Container) *ociruntime.Runtime {
	return ociruntime.New(c.Runtime, c.RuntimeRoot)
}

// rootfs is the RootfsPreparer in use: on Linux an overlay of the image's
// shared layer snapshots; elsewhere (no overlayfs) a flat copy.
func (a *app) rootfs() container.RootfsPreparer {
	if runtime.GOOS != "linux" {
		return container.ExtractRootfs{}
	}
	return container.OverlayRootfs{Snapshots: filepath.Join(a.rootDir(), store.ImagesDir, "snapshots")}
}
