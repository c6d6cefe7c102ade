package main

import (
	"fmt"
	"github.com/servin/servin/libservin/image/progress"

	"github.com/spf13/cobra"
)

func newPruneCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "prune",
		Short: "Remove dangling images, unreferenced blobs and leftovers of interrupted writes",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := a.store()
			if err != nil {
				return err
			}
			res, err := s.Prune(cmd.Context())
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if len(res.Images) > 0 {
				fmt.Fprintln(out, "Deleted Images:")
				for _, d := range res.Images {
					fmt.Fprintf(out, "deleted: %s\n", d)
				}
			}
			fmt.Fprintf(out, "Deleted blobs: %d\nTotal reclaimed space: %s\n", res.Blobs, progress.HumanSize(res.Bytes))
			return nil
		},
	}
}
