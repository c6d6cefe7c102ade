package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newRmCmd(a *app) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:     "rm IMAGE...",
		Aliases: []string{"rmi", "remove"},
		Short:   "Untag or remove images (by name, ID prefix or digest) and their unused blobs",
		Args:    minArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := a.store()
			if err != nil {
				return err
			}
			failed := false
			for _, ref := range args {
				res, err := s.Remove(cmd.Context(), ref, force)
				if err != nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "servin-image: %v\n", err)
					failed = true
					continue
				}
				for _, n := range res.Untagged {
					fmt.Fprintf(cmd.OutOrStdout(), "Untagged: %s\n", familiar(n))
				}
				for _, d := range res.Deleted {
					fmt.Fprintf(cmd.OutOrStdout(), "Deleted: %s\n", d)
				}
			}
			if failed {
				return errReported
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "remove even if used by a container or named several times")
	return cmd
}
