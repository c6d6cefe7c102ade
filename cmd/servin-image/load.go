package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/servin/servin/libservin/image/transport"
)

func newLoadCmd(a *app) *cobra.Command {
	var input string
	var quiet bool
	cmd := &cobra.Command{
		Use:   "load [-i FILE|-]",
		Short: "Load images from an oci-archive or docker-archive (format detected; stdin by default)",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			file := input
			if file == "" || file == "-" {
				tmp, err := spool(cmd.InOrStdin())
				if err != nil {
					return err
				}
				defer os.Remove(tmp)
				file = tmp
			}
			s, err := a.store()
			if err != nil {
				return err
			}
			names, err := transport.Load(cmd.Context(), s, file)
			if err != nil {
				return err
			}
			if !quiet {
				for _, n := range names {
					fmt.Fprintf(cmd.OutOrStdout(), "Loaded image: %s\n", familiar(n))
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&input, "input", "i", "", "archive file to read (- or none: stdin)")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "print nothing")
	return cmd
}

// spool copies a stream to a temporary file, since archives are read twice.
func spool(r io.Reader) (string, error) {
	f, err := os.CreateTemp("", "servin-load-*.tar")
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		os.Remove(f.Name())
		return "", fmt.Errorf("read stdin: %w", err)
	}
	return f.Name(), f.Close()
}
