package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

func newHelpCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "help [COMMAND]",
		Short: "Show help: the built-in commands and the servin-* tools found",
		RunE: func(cmd *cobra.Command, args []string) error {
			root := cmd.Root()
			if len(args) > 0 {
				c, _, err := root.Find(args)
				if err != nil || c == root {
					return fmt.Errorf("unknown help topic %q", strings.Join(args, " "))
				}
				return c.Help()
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "Usage: servin [OPTIONS] COMMAND\n\n%s\n\nCommands:\n", root.Short)
			for _, c := range root.Commands() {
				if c.IsAvailableCommand() || c.Name() == "help" {
					fmt.Fprintf(out, "  %-12s %s\n", c.Name(), c.Short)
				}
			}
			fmt.Fprintf(out, "\nTool commands:\n")
			for _, w := range []string{"image", "build", "registry", "compose"} {
				fmt.Fprintf(out, "  %-12s runs %s\n", w, strings.Join(tools[w], " "))
			}
			if ext := externalTools(); len(ext) > 0 {
				fmt.Fprintf(out, "\nservin-* tools found:\n")
				for _, t := range ext {
					fmt.Fprintf(out, "  %-12s (%s)\n", strings.TrimPrefix(t, "servin-"), t)
				}
			}
			fmt.Fprintf(out, "\nGlobal options:\n%s", root.PersistentFlags().FlagUsages())
			return nil
		},
	}
}
