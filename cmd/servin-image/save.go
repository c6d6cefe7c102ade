package main

import (
	"github.com/spf13/cobra"

	"github.com/servin/servin/libservin/image/transport"
)

func newSaveCmd(a *app) *cobra.Command {
	var output, format string
	cmd := &cobra.Command{
		Use:   "save IMAGE... -o FILE",
		Short: "Write images to an oci-archive or docker-archive file",
		Args:  minArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if output == "" {
				return usagef("save: -o FILE is required")
			}
			if format != transport.OCIArchive && format != transport.DockerArchive {
				return usagef("save: --format must be oci-archive or docker-archive, not %q", format)
			}
			s, err := a.store()
			if err != nil {
				return err
			}
			return transport.Save(cmd.Context(), s, args, format, output)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "archive file to write")
	cmd.Flags().StringVar(&format, "format", transport.OCIArchive, "oci-archive or docker-archive")
	return cmd
}
