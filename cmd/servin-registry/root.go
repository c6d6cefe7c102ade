package main

import (
	"errors"
	"path/filepath"

	"github.com/servin/servin/libservin/registry"
	"github.com/servin/servin/libservin/version"
	"github.com/spf13/cobra"

	"github.com/servin/servin/libservin/store"
)

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "servin-registry",
		Short:         "Run a local OCI registry and manage registry logins",
		Version:       version.Version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().String("root", "", "servin root directory (default $SERVIN_ROOT, /var/lib/servin as root on Linux, ~/.servin otherwise)")
	root.AddCommand(newStartCmd(), newStopCmd(), newListCmd(), newLoginCmd(), newLogoutCmd(), newGCCmd(),
		newPushCmd(), newPullCmd())
	return root
}

// servinRoot resolves the servin root: --root, then SERVIN_ROOT, then the
// platform default.
func servinRoot(cmd *cobra.Command) string {
	r, _ := cmd.Flags().GetString("root")
	return store.Root(r)
}

// registryDir is where the local registry keeps its storage and records.
func registryDir(cmd *cobra.Command) string { return filepath.Join(servinRoot(cmd), "registry") }

// exitCode maps errors to exit codes: 1 for failures, 2 for a busy address.
func exitCode(err error) int {
	switch {
	case errors.Is(err, registry.ErrAddrInUse), errors.Is(err, registry.ErrRunning):
		return 2
	default:
		return 1
	}
}
