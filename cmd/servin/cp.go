package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/spf13/cobra"

	"github.com/servin/servin/libservin/container"
)

func newCpCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "cp CONTAINER:SRC_PATH DEST_PATH | SRC_PATH CONTAINER:DEST_PATH",
		Short: "Copy files between a container's root filesystem and the host",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			srcC, srcP, srcIn := splitContainerPath(args[0])
			dstC, dstP, dstIn := splitContainerPath(args[1])
			if srcIn == dstIn {
				return errors.New("cp: exactly one of source and destination must be CONTAINER:PATH")
			}
			ref := srcC
			if dstIn {
				ref = dstC
			}
			_, c, err := a.lookup(cmd.Context(), ref)
			if err != nil {
				return err
			}
			// A stopped container's overlay is unmounted after a reboot.
			if err := a.rootfs().Mount(cmd.Context(), c.Bundle); err != nil {
				return err
			}
			if srcIn {
				src, err := securejoin.SecureJoin(c.Rootfs, srcP)
				if err != nil {
					return err
				}
				return copyPath(src, dstP)
			}
			return copyInto(srcP, c.Rootfs, dstP)
		},
	}
}

// splitContainerPath splits "NAME:PATH"; a path with a slash before the
// colon (or starting with . or /) is a host path.
func splitContainerPath(s string) (string, string, bool) {
	i := strings.Index(s, ":")
	if i <= 0 || strings.ContainsAny(s[:i], `/\`) || strings.HasPrefix(s, ".") {
		return "", s, false
	}
	return s[:i], s[i+1:], true
}

// copyPath copies src (file or tree) to dst, docker-style: into dst when it
// is an existing directory, else as dst.
func copyPath(src, dst string) error {
	fi, err := os.Lstat(src)
	if err != nil {
		return fmt.Errorf("cp: %w", err)
	}
	if di, err := os.Stat(dst); err == nil && di.IsDir() {
		dst = filepath.Join(dst, filepath.Base(src))
	}
	if fi.IsDir() {
		return container.CopyTree(src, dst)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return container.CopyTree(src, dst)
}

// copyInto copies the host path src to path dst inside rootfs; every
// component of dst is resolved inside rootfs.
func copyInto(src, rootfs, dst string) error {
	target, err := securejoin.SecureJoin(rootfs, dst)
	if err != nil {
		return err
	}
	if di, err := os.Stat(target); err == nil && di.IsDir() {
		if target, err = securejoin.SecureJoin(rootfs, filepath.Join(dst, filepath.Base(src))); err != nil {
			return err
		}
	}
	if _, err := os.Lstat(src); err != nil {
		return fmt.Errorf("cp: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	return container.CopyTree(src, target)
}
