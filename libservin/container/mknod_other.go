//go:build !unix

package container

import (
	"archive/tar"
	"errors"
	"fmt"
)

func mknod(path string, _ *tar.Header) error {
	return fmt.Errorf("create device node %s: %w", path, errors.ErrUnsupported)
}
