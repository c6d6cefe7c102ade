//go:build !linux

package unpack

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"os"
)

func extract(ctx context.Context, dir string, tr *tar.Reader, cfg *applyConfig) error {
	return fmt.Errorf("extract layer: %w", errors.ErrUnsupported)
}

// RemoveAll deletes path and everything below it.
func RemoveAll(p string) error { return os.RemoveAll(p) }
