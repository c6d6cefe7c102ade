//go:build !linux

package snapshot

import (
	"errors"
	"fmt"
)

// Mount mounts an overlay of lowers at target; Linux only.
func Mount(lowers []string, upper, work, target string, readonly bool) error {
	return fmt.Errorf("mount overlay on %s: %w", target, errors.ErrUnsupported)
}

// Unmount unmounts target; Linux only.
func Unmount(target string) error {
	return fmt.Errorf("unmount %s: %w", target, errors.ErrUnsupported)
}
