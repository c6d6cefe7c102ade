package main

import (
	"fmt"
	"github.com/servin/servin/libservin/image/progress"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/servin/servin/libservin/image/layout"
	"github.com/servin/servin/libservin/image/name"
)

// lsRow is one line of ls; its fields are what --format templates see.
type lsRow struct {
	ID           string
	Repository   string
	Tag          string
	Name         string
	Digest       string
	CreatedAt    string
	CreatedSince string
	Size         string
	SizeBytes    int64
}

func newLsCmd(a *app) *cobra.Command {
	var quiet, digests, noTrunc bool
	var format string
	cmd := &cobra.Command{
		Use:     "ls [REPOSITORY[:TAG]]",
		Aliases: []string{"list", "images"},
		Short:   "List images",
		Args:    rangeArgs(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := a.store()
			if err != nil {
				return err
			}
			infos, err := s.List(cmd.Context())
			if err != nil {
				return err
			}
			rows := lsRows(infos, noTrunc)
			if len(args) == 1 {
				rows = filterRows(rows, args[0])
			}
			if quiet {
				seen := map[string]bool{}
				for _, r := range rows {
					if !seen[r.ID] {
						seen[r.ID] = true
						fmt.Fprintln(cmd.OutOrStdout(), r.ID)
					}
				}
				return nil
			}
			return printRows(cmd.OutOrStdout(), format, rows, func(tw *tabwriter.Writer, rows []lsRow) {
				lsTable(tw, rows, digests)
			})
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&quiet, "quiet", "q", false, "only show image IDs")
	f.BoolVar(&digests, "digests", false, "show digests")
	f.BoolVar(&noTrunc, "no-trunc", false, "do not truncate IDs")
	f.StringVar(&format, "format", "", "output format: json, a Go template, or 'table TEMPLATE'")
	return cmd
}

func lsRows(infos []layout.Info, noTrunc bool) []lsRow {
	var rows []lsRow
	for _, in := range infos {
		id := progress.ShortID(in.ID)
		if noTrunc {
			id = in.ID.String()
		}
		base := lsRow{ID: id, Digest: in.Digest.String(), CreatedSince: since(in.Created), Size: progress.HumanSize(in.Size), SizeBytes: in.Size}
		if in.Created != nil {
			base.CreatedAt = in.Created.Format(time.RFC3339)
		}
		names := in.Names
		if len(names) == 0 {
			names = []string{""}
		}
		for _, n := range names {
			r := base
			r.Name = n
			r.Repository, r.Tag = splitName(n)
			rows = append(rows, r)
		}
	}
	return rows
}

// filterRows keeps the rows whose repository (and tag, if given) match.
func filterRows(rows []lsRow, filter string) []lsRow {
	want, err := name.ParseNoTag(filter)
	var out []lsRow
	for _, r := range rows {
		if err != nil {
			if r.Name == filter || r.Repository == filter {
				out = append(out, r)
			}
			continue
		}
		have, perr := name.ParseNoTag(r.Name)
		if perr == nil && have.Name() == want.Name() && (want.Tag == "" || want.Tag == have.Tag) {
			out = append(out, r)
		}
	}
	return out
}

func lsTable(tw *tabwriter.Writer, rows []lsRow, digests bool) {
	if digests {
		fmt.Fprintln(tw, "REPOSITORY\tTAG\tDIGEST\tIMAGE ID\tCREATED\tSIZE")
	} else {
		fmt.Fprintln(tw, "REPOSITORY\tTAG\tIMAGE ID\tCREATED\tSIZE")
	}
	for _, r := range rows {
		if digests {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Repository, r.Tag, r.Digest, r.ID, r.CreatedSince, r.Size)
		} else {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Repository, r.Tag, r.ID, r.CreatedSince, r.Size)
		}
	}
}
