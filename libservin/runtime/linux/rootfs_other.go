//go:build !linux

package linux

import (
	"errors"
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// PrepareRootfs is only implemented on Linux.
func PrepareRootfs(s *specs.Spec, rootfs string, opts RootfsOptions) error {
	return fmt.Errorf("prepare rootfs %s: %w", rootfs, errors.ErrUnsupported)
}

// FinalizeRootfs is only implemented on Linux.
func FinalizeRootfs(s *specs.Spec) error {
	return fmt.Errorf("finalize rootfs: %w", errors.ErrUnsupported)
}

// CleanupRootfs is only implemented on Linux.
func CleanupRootfs(rootfs string) error {
	return fmt.Errorf("clean up rootfs %s: %w", rootfs, errors.ErrUnsupported)
}

// KnownMountOptions is empty off Linux.
func KnownMountOptions() []string { return nil }
