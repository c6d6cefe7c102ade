package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/servin/servin/libservin/image/snapshot"
)

// mountState is where a writable mount keeps its upper and work dirs:
// under the store, keyed by the mount point.
func (a *app) mountState(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(abs))
	return filepath.Join(a.rootDir(), "images", ".servin", "mounts", hex.EncodeToString(sum[:8])), nil
}

func newMountCmd(a *app) *cobra.Command {
	var writable bool
	cmd := &cobra.Command{
		Use:   "mount IMAGE DIR",
		Short: "Mount an image's layers at DIR as an overlay of shared snapshots",
		Long: `Mount IMAGE at DIR: each layer is extracted once into a snapshot under
the store and shared; DIR is an overlay of them, read-only unless
--writable (changes then go to an upper dir under the store, removed by
umount).`,
		Args: exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := a.store()
			if err != nil {
				return err
			}
			img, _, err := s.Image(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			snaps, err := snapshot.Open(filepath.Join(s.Path(), "snapshots"))
			if err != nil {
				return err
			}
			lowers, err := snaps.Prepare(cmd.Context(), img)
			if err != nil {
				return err
			}
			if err := os.MkdirAll(args[1], 0o755); err != nil {
				return err
			}
			var upper, work string
			if writable {
				st, err := a.mountState(args[1])
				if err != nil {
					return err
				}
				upper, work = filepath.Join(st, "upper"), filepath.Join(st, "work")
				for _, d := range []string{upper, work} {
					if err := os.MkdirAll(d, 0o755); err != nil {
						return err
					}
				}
			}
			if err := snapshot.Mount(lowers, upper, work, args[1], !writable); err != nil {
				return fmt.Errorf("mount %s at %s: %w", args[0], args[1], err)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&writable, "writable", false, "mount read-write with an upper layer under the store")
	return cmd
}

func newUmountCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "umount DIR",
		Aliases: []string{"unmount"},
		Short:   "Unmount an image mounted with mount, dropping its writable layer",
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := snapshot.Unmount(args[0]); err != nil {
				return fmt.Errorf("unmount %s: %w", args[0], err)
			}
			st, err := a.mountState(args[0])
			if err != nil {
				return err
			}
			return os.RemoveAll(st)
		},
	}
}
