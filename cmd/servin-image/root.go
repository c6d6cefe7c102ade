package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/servin/servin/libservin/image/layout"
	"github.com/servin/servin/libservin/store"
	"github.com/servin/servin/libservin/version"
)

// app holds the global flags and state shared by the commands.
type app struct {
	root  string
	debug bool
	ran   bool // arguments parsed: later errors are not usage errors
}

// usageError marks a bad command line (exit code 125).
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

// errReported is returned when the command already printed its errors.
var errReported = errors.New("errors reported")

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

func newRootCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:           "servin-image",
		Short:         "Manage OCI images: store, import/export, copy, pull and push",
		Version:       version.Version,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			a.ran = true
			if a.debug {
				slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})))
			}
			return nil
		},
	}
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	cmd.PersistentFlags().StringVar(&a.root, "root", "", "servin root directory (default $SERVIN_ROOT, /var/lib/servin as root, ~/.servin otherwise)")
	cmd.PersistentFlags().BoolVar(&a.debug, "debug", false, "log debug messages to stderr")
	cmd.AddCommand(
		newLsCmd(a), newInspectCmd(a), newTagCmd(a), newRmCmd(a), newPruneCmd(a), newHistoryCmd(a),
		newImportCmd(a), newSaveCmd(a), newLoadCmd(a), newCopyCmd(a), newPullCmd(a), newPushCmd(a),
		newUnpackCmd(a), newMountCmd(a), newUmountCmd(a),
	)
	return cmd
}

// rootDir is the servin root in use.
func (a *app) rootDir() string { return store.Root(a.root) }

// store opens the image store under the root.
func (a *app) store(opts ...layout.Option) (*layout.Store, error) {
	return layout.Open(filepath.Join(a.rootDir(), store.ImagesDir), opts...)
}

// exactArgs, minArgs and rangeArgs are cobra validators whose errors are
// usage errors.
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usagef("%q requires exactly %d argument(s), got %d", cmd.CommandPath(), n, len(args))
		}
		return nil
	}
}

func minArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < n {
			return usagef("%q requires at least %d argument(s)", cmd.CommandPath(), n)
		}
		return nil
	}
}

func rangeArgs(lo, hi int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < lo || len(args) > hi {
			return usagef("%q requires %d to %d argument(s), got %d", cmd.CommandPath(), lo, hi, len(args))
		}
		return nil
	}
}
