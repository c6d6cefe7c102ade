package container

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

// ExtractRootfs is the temporary RootfsPreparer: it flattens the image's
// layers (whiteouts applied by go-containerregistry's mutate.Extract) into
// a private copy at <dir>/rootfs. Mount and Unmount do nothing.
type ExtractRootfs struct{}

// Prepare extracts img into dir/rootfs.
func (ExtractRootfs) Prepare(ctx context.Context, img v1.Image, dir string) (string, error) {
	root := filepath.Join(dir, RootfsDir)
	if err := os.Mkdir(root, 0o755); err != nil {
		return "", fmt.Errorf("prepare rootfs %s: %w", root, err)
	}
	rc := mutate.Extract(img)
	defer rc.Close()
	if err := Untar(ctx, rc, root); err != nil {
		return "", fmt.Errorf("prepare rootfs %s: %w", root, err)
	}
	return root, nil
}

// Mount does nothing: the rootfs is a plain directory.
func (ExtractRootfs) Mount(context.Context, string) error { return nil }

// Unmount does nothing.
func (ExtractRootfs) Unmount(context.Context, string) error { return nil }

// Remove deletes dir/rootfs.
func (ExtractRootfs) Remove(_ context.Context, dir string) error {
	if err := os.RemoveAll(filepath.Join(dir, RootfsDir)); err != nil {
		return fmt.Errorf("remove rootfs of %s: %w", dir, err)
	}
	return nil
}
