package main

import (
	"fmt"
	"github.com/servin/servin/libservin/image/progress"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

// historyRow is one line of history; --format templates see its fields.
type historyRow struct {
	ID           string
	CreatedAt    string
	CreatedSince string
	CreatedBy    string
	Size         string
	Comment      string
	EmptyLayer   bool
}

func newHistoryCmd(a *app) *cobra.Command {
	var noTrunc bool
	var format string
	cmd := &cobra.Command{
		Use:   "history IMAGE",
		Short: "Show how an image was built, newest layer first",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := a.store()
			if err != nil {
				return err
			}
			info, err := s.Inspect(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			var rows []historyRow
			layer := 0
			for _, h := range info.History {
				r := historyRow{ID: "<missing>", CreatedSince: since(h.Created), CreatedBy: h.CreatedBy, Comment: h.Comment, Size: "0B", EmptyLayer: h.EmptyLayer}
				if h.Created != nil {
					r.CreatedAt = h.Created.Format("2006-01-02T15:04:05Z07:00")
				}
				if !h.EmptyLayer && layer < len(info.Layers) {
					r.Size = progress.HumanSize(info.Layers[layer].Size)
					layer++
				}
				if !noTrunc && len(r.CreatedBy) > 45 {
					r.CreatedBy = r.CreatedBy[:44] + "…"
				}
				rows = append([]historyRow{r}, rows...)
			}
			if len(rows) > 0 {
				rows[0].ID = progress.ShortID(info.ID)
				if noTrunc {
					rows[0].ID = info.ID.String()
				}
			}
			return printRows(cmd.OutOrStdout(), format, rows, func(tw *tabwriter.Writer, rows []historyRow) {
				fmt.Fprintln(tw, "IMAGE\tCREATED\tCREATED BY\tSIZE\tCOMMENT")
				for _, r := range rows {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.ID, r.CreatedSince, strings.ReplaceAll(r.CreatedBy, "\t", " "), r.Size, r.Comment)
				}
			})
		},
	}
	cmd.Flags().BoolVar(&noTrunc, "no-trunc", false, "do not truncate output")
	cmd.Flags().StringVar(&format, "format", "", "output format: json, a Go template, or 'table TEMPLATE'")
	return cmd
}
