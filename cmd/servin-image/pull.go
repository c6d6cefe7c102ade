package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/servin/servin/libservin/image/name"
	"github.com/servin/servin/libservin/image/transport"
)

func newPullCmd(a *app) *cobra.Command {
	var rf registryFlags
	cmd := &cobra.Command{
		Use:   "pull REF",
		Short: "Pull an image from a registry into the store",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ref, err := name.Parse(args[0])
			if err != nil {
				return usageError{err}
			}
			opts, err := rf.options(cmd)
			if err != nil {
				return err
			}
			s, err := a.store()
			if err != nil {
				return err
			}
			desc, err := transport.Pull(cmd.Context(), s, ref.String(), opts...)
			if err != nil {
				return err
			}
			if rf.quiet {
				fmt.Fprintln(cmd.OutOrStdout(), ref.String())
				return nil
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Digest: %s\nPulled: %s\n", desc.Digest, ref.String())
			return nil
		},
	}
	rf.add(cmd)
	return cmd
}
