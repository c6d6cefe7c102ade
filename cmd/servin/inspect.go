package main

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/servin/servin/libservin/container"
)

func newInspectCmd(a *app) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "inspect [OPTIONS] CONTAINER...",
		Short: "Show containers as JSON (container.json, see specs/containers.md)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var list []*container.Container
			var errs []error
			for _, ref := range args {
				_, c, err := a.lookup(cmd.Context(), ref)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				list = append(list, c)
			}
			out := cmd.OutOrStdout()
			if format != "" {
				if err := renderTemplate(out, format, list, nil); err != nil {
					return err
				}
				return errors.Join(errs...)
			}
			if list == nil {
				list = []*container.Container{}
			}
			data, err := json.MarshalIndent(list, "", "    ")
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "%s\n", data)
			return errors.Join(errs...)
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "", "Go template over the record ({{.State.Status}}, {{.Name}}, ...)")
	return cmd
}

func newWaitCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "wait CONTAINER...",
		Short: "Block until containers stop, then print their exit codes",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var errs []error
			for _, ref := range args {
				cs, c, err := a.lookup(cmd.Context(), ref)
				if err == nil {
					c, err = waitExit(cmd.Context(), cs, c.ID, 0)
				}
				if err == nil && c.State.Status == container.StatusCreated {
					err = fmt.Errorf("container %s was never started", ref)
				}
				if err != nil {
					errs = append(errs, err)
					continue
				}
				fmt.Fprintln(cmd.OutOrStdout(), c.State.ExitCode)
			}
			return errors.Join(errs...)
		},
	}
}
