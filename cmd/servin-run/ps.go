package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
)

func newPsCmd(g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "ps [flags] <container-id> [ps options]",
		Short: "Display the processes running inside a container",
		Long:  "Display the processes running inside a container. Arguments after the ID go to ps(1) (default -ef); its lines are filtered to the container's processes.",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "table" && format != "json" {
				return fmt.Errorf("invalid format option %q: want table or json", format)
			}
			rt, err := g.runtime()
			if err != nil {
				return err
			}
			pids, err := rt.Pids(cmd.Context(), args[0])
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
			out, err := exec.CommandContext(cmd.Context(), "ps", psArgs...).Output()
			if err != nil {
				return fmt.Errorf("ps %s: %w", strings.Join(psArgs, " "), err)
			}
			return filterPs(os.Stdout, string(out), pids)
		},
	}
	// Everything after the ID belongs to ps(1).
	cmd.Flags().SetInterspersed(false)
	cmd.Flags().StringVarP(&format, "format", "f", "table", "select one of: table or json")
	return cmd
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
