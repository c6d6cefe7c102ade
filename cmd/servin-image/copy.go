package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/servin/servin/libservin/image/transport"
)

func newCopyCmd(a *app) *cobra.Command {
	var rf registryFlags
	cmd := &cobra.Command{
		Use:   "copy SRC DST",
		Short: "Copy an image between transports: oci:DIR[:REF] oci-archive:FILE[:REF] docker-archive:FILE[:REF] docker://REF servin:REF",
		Args:  exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, r := range args {
				if _, err := transport.ParseRef(r); err != nil {
					return usageError{err}
				}
			}
			opts, err := rf.options(cmd)
			if err != nil {
				return err
			}
			s, err := a.store()
			if err != nil {
				return err
			}
			desc, err := transport.Copy(cmd.Context(), args[0], args[1], append(opts, transport.WithStore(s))...)
			if errors.Is(err, transport.ErrBadRef) {
				return usageError{err}
			}
			if err != nil {
				return err
			}
			if !rf.quiet {
				fmt.Fprintf(cmd.OutOrStdout(), "Digest: %s\n", desc.Digest)
			}
			return nil
		},
	}
	rf.add(cmd)
	return cmd
}
