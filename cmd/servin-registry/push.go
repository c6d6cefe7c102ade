package main

import (
	"errors"
	"fmt"

	"github.com/servin/servin/libservin/registry"
	"github.com/spf13/cobra"
)

// errStoreNotWired: push and pull move images between servin's image
// store and a registry through the store's own push/pull library, which
// is wired in separately.
// TODO(lead): replace with the image store's push/pull once it lands.
var errStoreNotWired = fmt.Errorf("servin's image store is not wired into servin-registry yet; use servin-image: %w", errors.ErrUnsupported)

type transferOptions struct {
	authfile, caCert string
	tlsVerify        bool
}

func newPushCmd() *cobra.Command {
	var o transferOptions
	cmd := &cobra.Command{
		Use:   "push IMAGE [REGISTRY]",
		Short: "Push an image from the local store to a registry (not available yet)",
		Long: `Push IMAGE from servin's image store to REGISTRY (default: the local
servin-registry when it runs, else localhost:5000), keeping its repository
path and tag: "busybox:1.36" goes to REGISTRY/busybox:1.36.`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			dest, err := registry.Retarget(args[0], defaultRegistry(cmd, args[1:]))
			if err != nil {
				return err
			}
			return fmt.Errorf("push %s to %s: %w", args[0], dest, errStoreNotWired)
		},
	}
	addClientFlags(cmd, &o.authfile, &o.caCert, &o.tlsVerify)
	return cmd
}

func newPullCmd() *cobra.Command {
	var o transferOptions
	cmd := &cobra.Command{
		Use:   "pull IMAGE [REGISTRY]",
		Short: "Pull an image from a registry into the local store (not available yet)",
		Long: `Pull REGISTRY/<path of IMAGE> (REGISTRY defaults to the local
servin-registry when it runs, else localhost:5000) into servin's image store
as IMAGE.`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			src, err := registry.Retarget(args[0], defaultRegistry(cmd, args[1:]))
			if err != nil {
				return err
			}
			return fmt.Errorf("pull %s as %s: %w", src, args[0], errStoreNotWired)
		},
	}
	addClientFlags(cmd, &o.authfile, &o.caCert, &o.tlsVerify)
	return cmd
}
