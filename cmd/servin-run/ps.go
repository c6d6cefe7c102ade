package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
)

func newPsCmd(g *globals) *command {
	format := "table"
	return &command{
		name: "ps", args: "<container-id> [ps options]",
		short:   "Display the processes running inside a container",
		long:    "Display the processes running inside a container. Arguments after the ID go to ps(1) (default -ef); its lines are filtered to the container's processes.",
		minArgs: 1, maxArgs: -1,
		stopAtArg: true, // everything after the ID belongs to ps(1)
		flags: flagSet{
			{name: "format", short: "f", value: &format, usage: "select one of: table or json"},
		},
		run: func(ctx context.Context, args []string) error {
			if format != "table" && format != "json" {
				return fmt.Errorf("invalid format option %q: want table or json", format)
			}
			rt, err := g.runtime()
			if err != nil {
				return err
			}
			pids, err := rt.Pids(ctx, args[0])
			if err != nil {
				return err
			}
			if format == "json" {
				if pids == nil {
					pids = []int{}
				}
				return json.NewEncoder(os.Stdout).Encode(pids)
			}
			psArgs := args[1:]
			if len(psArgs) == 0 {
				psArgs = []string{"-ef"}
			}
			out, err := exec.CommandContext(ctx, "ps", psArgs...).Output()
			if err != nil {
				return fmt.Errorf("ps %s: %w", strings.Join(psArgs, " "), err)
			}
			return filterPs(os.Stdout, string(out), pids)
		},
	}
}

// filterPs prints ps's header and the lines whose PID column is one of pids.
func filterPs(w io.Writer, out string, pids []int) error {
	lines := strings.Split(out, "\n")
	col := slices.Index(strings.Fields(lines[0]), "PID")
	if col < 0 {
		return fmt.Errorf("ps output has no PID column: %q", lines[0])
	}
	fmt.Fprintln(w, lines[0])
	for _, line := range lines[1:] {
		f := strings.Fields(line)
		if len(f) <= col {
			continue
		}
		if pid, err := strconv.Atoi(f[col]); err == nil && slices.Contains(pids, pid) {
			fmt.Fprintln(w, line)
		}
	}
	return nil
}
