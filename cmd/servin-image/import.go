package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/servin/servin/libservin/image/importer"
	"github.com/servin/servin/libservin/image/layout"
	"github.com/servin/servin/libservin/image/name"
)

func newImportCmd(a *app) *cobra.Command {
	var changes []string
	var message, platform string
	cmd := &cobra.Command{
		Use:   "import FILE|- [REPOSITORY[:TAG]]",
		Short: "Create a one-layer image from a root filesystem tarball (plain, gzip, zstd or bzip2)",
		Args:  rangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts := []importer.Option{importer.WithChanges(changes...), importer.WithMessage(message)}
			if len(args) == 2 {
				r, err := name.Parse(args[1])
				if err != nil {
					return usageError{err}
				}
				opts = append(opts, importer.WithNames(r.String()))
			}
			if platform != "" {
				p, err := layout.ParsePlatform(platform)
				if err != nil {
					return usageError{err}
				}
				opts = append(opts, importer.WithPlatform(p))
			}
			var in io.Reader = cmd.InOrStdin()
			if args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return err
				}
				defer f.Close()
				in = f
			}
			s, err := a.store()
			if err != nil {
				return err
			}
			desc, err := importer.Import(cmd.Context(), s, in, opts...)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), s.ID(desc))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringArrayVarP(&changes, "change", "c", nil, "apply a Dockerfile instruction to the config (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, VOLUME, WORKDIR, STOPSIGNAL)")
	f.StringVarP(&message, "message", "m", "", "history comment")
	f.StringVar(&platform, "platform", "", "os/arch[/variant] of the image (default: this machine's)")
	return cmd
}
