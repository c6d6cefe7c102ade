package main

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/spf13/cobra"

	"github.com/servin/servin/libservin/image/unpack"
)

func newUnpackCmd(a *app) *cobra.Command {
	var uidMaps, gidMaps []string
	var rootless bool
	cmd := &cobra.Command{
		Use:   "unpack IMAGE BUNDLE_DIR",
		Short: "Write an OCI runtime bundle (rootfs/ and config.json) from an image",
		Long: `Unpack IMAGE into BUNDLE_DIR as an OCI runtime bundle, like umoci unpack:
rootfs/ with every layer applied and config.json generated from the image
config. --uid-map/--gid-map (CONTAINER:HOST:SIZE) make a rootless bundle.`,
		Args: exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			var opts []unpack.Option
			parse := func(list []string) ([]specs.LinuxIDMapping, error) {
				var out []specs.LinuxIDMapping
				for _, s := range list {
					m, err := unpack.ParseIDMapping(s)
					if err != nil {
						return nil, usageError{fmt.Errorf("id map %q: %w", s, err)}
					}
					out = append(out, m)
				}
				return out, nil
			}
			uids, err := parse(uidMaps)
			if err != nil {
				return err
			}
			gids, err := parse(gidMaps)
			if err != nil {
				return err
			}
			if len(uids) > 0 {
				opts = append(opts, unpack.WithUIDMappings(uids...))
			}
			if len(gids) > 0 {
				opts = append(opts, unpack.WithGIDMappings(gids...))
			}
			if rootless {
				opts = append(opts, unpack.WithRootless())
			}
			s, err := a.store()
			if err != nil {
				return err
			}
			img, _, err := s.Image(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return unpack.Unpack(cmd.Context(), img, args[1], opts...)
		},
	}
	cmd.Flags().StringArrayVar(&uidMaps, "uid-map", nil, "user id mapping CONTAINER:HOST:SIZE (repeatable)")
	cmd.Flags().StringArrayVar(&gidMaps, "gid-map", nil, "group id mapping CONTAINER:HOST:SIZE (repeatable)")
	cmd.Flags().BoolVar(&rootless, "rootless", false, "generate a rootless configuration")
	return cmd
}
