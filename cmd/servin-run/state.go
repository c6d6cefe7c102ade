package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/servin/servin/libservin/runtime"
)

func newStateCmd(g *globals) *command {
	return &command{
		name: "state", args: "<container-id>", short: "Output the state of a container",
		minArgs: 1, maxArgs: 1,
		run: func(ctx context.Context, args []string) error {
			rt, err := g.runtime()
			if err != nil {
				return err
			}
			st, err := rt.State(ctx, args[0])
			if err != nil {
				return err
			}
			return printJSON(st)
		},
	}
}

func printJSON(v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(os.Stdout, "%s\n", data)
	return err
}

func newListCmd(g *globals) *command {
	format := "table"
	var quiet bool
	return &command{
		name: "list", aliases: []string{"ls"}, short: "List containers",
		flags: flagSet{
			{name: "format", short: "f", value: &format, usage: "select one of: table or json"},
			{name: "quiet", short: "q", value: &quiet, usage: "display only container IDs"},
		},
		run: func(ctx context.Context, args []string) error {
			rt, err := g.runtime()
			if err != nil {
				return err
			}
			list, err := rt.List(ctx)
			if err != nil {
				return err
			}
			switch {
			case quiet:
				for _, s := range list {
					fmt.Println(s.ID)
				}
			case format == "json":
				if list == nil {
					list = []*runtime.State{}
				}
				data, err := json.Marshal(list)
				if err != nil {
					return err
				}
				fmt.Printf("%s\n", data)
			case format == "table":
				w := tabwriter.NewWriter(os.Stdout, 12, 1, 3, ' ', 0)
				fmt.Fprint(w, "ID\tPID\tSTATUS\tBUNDLE\tCREATED\tOWNER\n")
				for _, s := range list {
					fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\t%s\n", s.ID, s.Pid, s.Status, s.Bundle, s.Created.Format(time.RFC3339Nano), s.Owner)
				}
				return w.Flush()
			default:
				return fmt.Errorf("invalid format option %q: want table or json", format)
			}
			return nil
		},
	}
}
