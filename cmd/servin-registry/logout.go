package main

import (
	"fmt"

	"github.com/servin/servin/libservin/registry"
	"github.com/spf13/cobra"
)

func newLogoutCmd() *cobra.Command {
	var authfile string
	cmd := &cobra.Command{
		Use:   "logout [REGISTRY]",
		Short: "Remove the stored credentials for a registry",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			reg := defaultRegistry(cmd, args)
			file := registry.AuthFile(authfile)
			if err := registry.RemoveLogin(file, reg); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Removed login credentials for %s\n", registry.NormalizeRegistry(reg))
			return nil
		},
	}
	addClientFlags(cmd, &authfile, nil, nil)
	return cmd
}
