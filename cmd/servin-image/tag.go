package main

import (
	"github.com/spf13/cobra"

	"github.com/servin/servin/libservin/image/name"
)

func newTagCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "tag SOURCE TARGET",
		Short: "Give an image another name",
		Args:  exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			target, err := name.Parse(args[1])
			if err != nil {
				return usageError{err}
			}
			if target.Digest != "" {
				return usagef("tag %s: a target name cannot have a digest", args[1])
			}
			s, err := a.store()
			if err != nil {
				return err
			}
			_, err = s.Tag(cmd.Context(), args[0], target.String())
			return err
		},
	}
}
