package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/servin/servin/libservin/runtime"
	"github.com/servin/servin/libservin/version"
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
	flags         flagSet // the global flags, after parsing
}

// globalFlags are runc's global flags. As with cobra before, they are also
// accepted after the command name.
func (g *globals) globalFlags() flagSet {
	g.root, g.logFormat, g.rootless = runtime.DefaultRoot, "text", "auto"
	return flagSet{
		{name: "root", value: &g.root, usage: "root directory for storage of container state"},
		{name: "log", value: &g.log, usage: "write error and debug logs to this file"},
		{name: "log-format", value: &g.logFormat, usage: "log format: text or json"},
		{name: "debug", value: &g.debug, usage: "enable debug logging"},
		{name: "systemd-cgroup", value: &g.systemdCgroup, usage: "use systemd to manage cgroups (not supported yet)"},
		{name: "rootless", value: &g.rootless, usage: "ignore cgroup permission errors (true, false or auto)"},
		{name: "criu", value: new("criu"), usage: "path to criu (checkpoint/restore is not supported)", hidden: true},
	}
}

func commands(g *globals) []*command {
	return []*command{newSpecCmd(), newCreateCmd(g), newStartCmd(g), newRunCmd(g), newStateCmd(g),
		newKillCmd(g), newDeleteCmd(g), newListCmd(g), newFeaturesCmd(), newExecCmd(g),
		newUpdateCmd(g), newPauseCmd(g), newResumeCmd(g), newPsCmd(g), newEventsCmd(g)}
}

// execute parses the command line (without the program name) and runs the
// command. A command-line error is reported like any other: the --log
// file is opened for it when the global flags got that far.
func execute(ctx context.Context, g *globals, args []string) error {
	c, cargs, parseErr := g.parseLine(os.Stdout, args)
	if parseErr == nil && c == nil {
		return nil // printed the help or the version
	}
	if !g.flags.given("root") && os.Geteuid() != 0 {
		g.root = runtime.UserRoot()
	}
	if err := g.setup(); err != nil || parseErr != nil {
		return cmp.Or(parseErr, err)
	}
	return c.run(ctx, cargs)
}

// parseLine parses global flags, the command name, its flags and
// arguments. It returns a nil command when it printed the version or a
// help text to w instead.
func (g *globals) parseLine(w io.Writer, args []string) (*command, []string, error) {
	g.flags = g.globalFlags()
	var showVersion bool
	rootFlags := append(flagSet{{name: "version", short: "v", value: &showVersion, usage: "print the version"}}, g.flags...)
	pos, help, err := parse(args, true, rootFlags)
	if err != nil {
		return nil, nil, err
	}
	cmds := commands(g)
	switch {
	case showVersion:
		fmt.Fprintf(w, "servin-run version %s\nspec: %s\n", version.Version, version.RuntimeSpec)
		return nil, nil, nil
	case help || len(pos) == 0 || pos[0] == "help" && len(pos) == 1:
		printUsage(w, cmds, rootFlags)
		return nil, nil, nil
	case pos[0] == "help":
		c := findCmd(cmds, pos[1])
		if c == nil {
			return nil, nil, fmt.Errorf("unknown command %q: see servin-run --help", pos[1])
		}
		c.printUsage(w, g.flags)
		return nil, nil, nil
	}
	c := findCmd(cmds, pos[0])
	if c == nil {
		return nil, nil, fmt.Errorf("unknown command %q: see servin-run --help", pos[0])
	}
	cargs, help, err := parse(pos[1:], c.stopAtArg, c.flags, g.flags)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", c.name, err)
	}
	if help {
		c.printUsage(w, g.flags)
		return nil, nil, nil
	}
	return c, cargs, c.checkArgs(cargs)
}

// helpUsage is -h/--help as help lists it (parse adds the flag itself).
var helpUsage = flagSet{{name: "help", short: "h", value: new(bool), usage: "show help"}}

func findCmd(cmds []*command, name string) *command {
	for _, c := range cmds {
		if c.name == name || slices.Contains(c.aliases, name) {
			return c
		}
	}
	return nil
}

func printUsage(w io.Writer, cmds []*command, rootFlags flagSet) {
	fmt.Fprint(w, "Run OCI containers (runc-compatible)\n\nUsage:\n  servin-run [global flags] <command> [flags] [arguments]\n\nCommands:\n")
	tw := tabwriter.NewWriter(w, 0, 8, 3, ' ', 0)
	for _, c := range cmds {
		fmt.Fprintf(tw, "  %s\t%s\n", c.name, c.short)
	}
	fmt.Fprintf(tw, "  help\tShow the help of a command\n")
	tw.Flush()
	printFlags(w, "Global flags", rootFlags, helpUsage)
	fmt.Fprint(w, "\nRun \"servin-run <command> --help\" for a command's flags.\n")
}

func (c *command) printUsage(w io.Writer, global flagSet) {
	desc := c.long
	if desc == "" {
		desc = c.short
	}
	fmt.Fprintf(w, "%s\n\nUsage:\n  servin-run [global flags] %s [flags] %s\n", desc, c.name, c.args)
	if len(c.aliases) > 0 {
		fmt.Fprintf(w, "\nAliases: %s\n", strings.Join(c.aliases, ", "))
	}
	printFlags(w, "Flags", c.flags, helpUsage)
	printFlags(w, "Global flags", global)
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
