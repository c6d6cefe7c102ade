package main

import (
	"encoding/json"
	"fmt"
	"text/template"

	"github.com/spf13/cobra"

	"github.com/servin/servin/libservin/image/layout"
)

func newInspectCmd(a *app) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "inspect IMAGE...",
		Short: "Show the details of images as JSON",
		Args:  minArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := a.store()
			if err != nil {
				return err
			}
			var tmpl *template.Template
			if format != "" {
				if tmpl, err = template.New("format").Funcs(templateFuncs).Parse(format + "\n"); err != nil {
					return usagef("parse --format: %w", err)
				}
			}
			infos := []layout.Info{}
			failed := false
			for _, ref := range args {
				info, err := s.Inspect(cmd.Context(), ref)
				if err != nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "servin-image: %v\n", err)
					failed = true
					continue
				}
				if tmpl != nil {
					if err := tmpl.Execute(cmd.OutOrStdout(), info); err != nil {
						return fmt.Errorf("execute --format: %w", err)
					}
				}
				infos = append(infos, info)
			}
			if tmpl == nil {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "    ")
				enc.SetEscapeHTML(false)
				if err := enc.Encode(infos); err != nil {
					return err
				}
			}
			if failed {
				return errReported
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "", "Go template applied to each image")
	return cmd
}
