package main

import (
	"fmt"

	"github.com/servin/servin/libservin/registry"
	"github.com/spf13/cobra"
)

func newGCCmd() *cobra.Command {
	var (
		opts   registry.GCOptions
		config string
	)
	cmd := &cobra.Command{
		Use:   "gc",
		Short: "Delete blobs no manifest references (distribution's garbage collector)",
		Long: `Run distribution's mark-and-sweep garbage collector on the local registry's
storage (or the storage of --config). It refuses while the server runs.
--delete-untagged also deletes manifests no tag points to, keeping referrers
(signatures, SBOMs) of images that stay.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir := registryDir(cmd)
			if st, err := registry.Running(dir); err == nil {
				return fmt.Errorf("%w (pid %d): stop it first with servin-registry stop", registry.ErrRunning, st.PID)
			}
			unlock, err := registry.Lock(dir)
			if err != nil {
				return fmt.Errorf("%w: stop it first with servin-registry stop", err)
			}
			defer unlock()
			cfg, err := startConfig(cmd, dir, startOptions{config: config, addr: registry.DefaultAddr, port: -1, logLevel: "error"})
			if err != nil {
				return err
			}
			res, err := registry.GarbageCollect(cmd.Context(), cfg, opts)
			if err != nil {
				return err
			}
			verb := "deleted"
			if opts.DryRun {
				verb = "would delete"
			}
			for _, d := range res.Blobs {
				fmt.Fprintf(cmd.OutOrStdout(), "%s %s\n", verb, d)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s %d blobs, %d bytes\n", verb, len(res.Blobs), res.Bytes)
			return nil
		},
	}
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "only report what would be deleted")
	cmd.Flags().BoolVar(&opts.RemoveUntagged, "delete-untagged", false, "also delete manifests no tag points to")
	cmd.Flags().StringVar(&config, "config", "", "distribution configuration file whose storage to collect")
	return cmd
}
