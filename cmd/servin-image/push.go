package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/servin/servin/libservin/image/name"
	"github.com/servin/servin/libservin/image/transport"
)

func newPushCmd(a *app) *cobra.Command {
	var rf registryFlags
	cmd := &cobra.Command{
		Use:   "push IMAGE [DEST]",
		Short: "Push a store image to a registry (DEST defaults to the image's name)",
		Args:  rangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			dest := args[0]
			if len(args) == 2 {
				dest = args[1]
			}
			d, err := name.Parse(dest)
			if err != nil {
				return usageError{fmt.Errorf("destination: %w", err)}
			}
			opts, err := rf.options(cmd)
			if err != nil {
				return err
			}
			s, err := a.store()
			if err != nil {
				return err
			}
			desc, err := transport.Push(cmd.Context(), s, args[0], d.String(), opts...)
			if err != nil {
				return err
			}
			if !rf.quiet {
				fmt.Fprintf(cmd.OutOrStdout(), "Digest: %s\nPushed: %s\n", desc.Digest, d.String())
			}
			return nil
		},
	}
	rf.add(cmd)
	return cmd
}
