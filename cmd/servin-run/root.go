package main

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/servin/servin/libservin/runtime"
	"github.com/servin/servin/libservin/version"
	"github.com/spf13/cobra"
)

// globals are runc's global flags.
type globals struct {
	root          string
	log           string
	logFormat     string
	debug         bool
	systemdCgroup bool
	rootless      string
	logFile       io.Writer
}

func newRootCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:           "servin-run",
		Short:         "Run OCI containers (runc-compatible)",
		Version:       fmt.Sprintf("%s\nspec: %s", version.Version, version.RuntimeSpec),
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("root") && os.Geteuid() != 0 {
				g.root = runtime.UserRoot()
			}
			return g.setup()
		},
	}
	cmd.SetVersionTemplate("servin-run version {{.Version}}\n")
	f := cmd.PersistentFlags()
	f.StringVar(&g.root, "root", runtime.DefaultRoot, "root directory for storage of container state")
	f.StringVar(&g.log, "log", "", "write error and debug logs to this file")
	f.StringVar(&g.logFormat, "log-format", "text", "log format: text or json")
	f.BoolVar(&g.debug, "debug", false, "enable debug logging")
	f.BoolVar(&g.systemdCgroup, "systemd-cgroup", false, "use systemd to manage cgroups (not supported yet)")
	f.StringVar(&g.rootless, "rootless", "auto", "ignore cgroup permission errors (true, false or auto)")
	var criu string
	f.StringVar(&criu, "criu", "criu", "path to criu (checkpoint/restore is not supported)")
	_ = f.MarkHidden("criu")
	cmd.AddCommand(newSpecCmd(), newCreateCmd(g), newStartCmd(g), newRunCmd(g), newStateCmd(g),
		newKillCmd(g), newDeleteCmd(g), newListCmd(g), newFeaturesCmd(), newExecCmd(g),
		newUpdateCmd(g), newPauseCmd(g), newResumeCmd(g), newPsCmd(g), newEventsCmd(g))
	return cmd
}

func (g *globals) setup() error {
	if g.logFormat != "text" && g.logFormat != "json" {
		return fmt.Errorf("invalid log-format %q: want text or json", g.logFormat)
	}
	if g.systemdCgroup {
		return fmt.Errorf("--systemd-cgroup is not supported yet: use cgroupfs paths")
	}
	if g.log != "" {
		f, err := os.OpenFile(g.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND|os.O_SYNC, 0o644)
		if err != nil {
			return fmt.Errorf("open log file: %w", err)
		}
		g.logFile = f
	}
	return nil
}

// logger returns the slog logger that warnings go to: the --log file in
// its format, else stderr.
func (g *globals) logger() *slog.Logger {
	level := slog.LevelWarn
	if g.debug {
		level = slog.LevelDebug
	}
	var w io.Writer = os.Stderr
	if g.logFile != nil {
		w = g.logFile
	}
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.LevelKey {
			return slog.String("level", strings.ToLower(a.Value.String()))
		}
		return a
	}}
	if g.logFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func (g *globals) runtime() (*runtime.Runtime, error) {
	return runtime.New(g.root, runtime.WithLogger(g.logger()))
}

// fail reports err once: on stderr, and as a JSON line in the --log file
// when it is JSON (engines read the error back from there).
func (g *globals) fail(err error) {
	fmt.Fprintf(os.Stderr, "servin-run: %v\n", err)
	if g.logFile == nil {
		return
	}
	if g.logFormat == "json" {
		line, _ := json.Marshal(map[string]string{"level": "error", "msg": err.Error(), "time": time.Now().Format(time.RFC3339Nano)})
		fmt.Fprintf(g.logFile, "%s\n", line)
	} else {
		fmt.Fprintf(g.logFile, "time=%q level=error msg=%q\n", time.Now().Format(time.RFC3339Nano), err.Error())
	}
}
