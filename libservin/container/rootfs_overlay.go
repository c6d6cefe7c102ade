package container

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/servin/servin/libservin/image/snapshot"
)

// OverlayRootfs makes a container's root filesystem an overlay of the
// image's shared per-layer snapshots (extracted once under Snapshots and
// used by every container of every image that has the layer), with the
// container's own changes in <dir>/upper. Nothing of the image is copied.
//
// The overlay stays mounted from Prepare until Remove, so the container's
// files can be read (cp, volume population, user lookup) while it is
// stopped; after a reboot, Mount (called before every runtime create)
// mounts it again.
type OverlayRootfs struct {
	// Snapshots is the snapshot store directory, <root>/images/snapshots.
	Snapshots string
}

// layersFile records the lower directories, bottom first.
const layersFile = "rootfs.layers.json"

// Prepare extracts the image's missing layers and mounts the overlay.
func (o OverlayRootfs) Prepare(ctx context.Context, img v1.Image, dir string) (string, error) {
	s, err := snapshot.Open(o.Snapshots)
	if err != nil {
		return "", err
	}
	lowers, err := s.Prepare(ctx, img)
	if err != nil {
		return "", fmt.Errorf("prepare layer snapshots: %w", err)
	}
	data, err := json.Marshal(lowers)
	if err != nil {
		return "", err
	}
	for _, d := range []string{"upper", "work", RootfsDir} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return "", err
		}
	}
	if err := os.WriteFile(filepath.Join(dir, layersFile), data, 0o644); err != nil {
		return "", err
	}
	if err := o.Mount(ctx, dir); err != nil {
		return "", err
	}
	return filepath.Join(dir, RootfsDir), nil
}

// Mount mounts the overlay unless it is mounted already.
func (o OverlayRootfs) Mount(ctx context.Context, dir string) error {
	target := filepath.Join(dir, RootfsDir)
	if mounted(target) {
		return nil
	}
	data, err := os.ReadFile(filepath.Join(dir, layersFile))
	if err != nil {
		return fmt.Errorf("read rootfs layers of %s: %w", dir, err)
	}
	var lowers []string
	if err := json.Unmarshal(data, &lowers); err != nil {
		return fmt.Errorf("parse rootfs layers of %s: %w", dir, err)
	}
	if err := snapshot.Mount(lowers, filepath.Join(dir, "upper"), filepath.Join(dir, "work"), target, false); err != nil {
		return fmt.Errorf("mount rootfs of %s: %w", dir, err)
	}
	return nil
}

// Unmount keeps the overlay: it is removed with the container (Remove).
func (o OverlayRootfs) Unmount(ctx context.Context, dir string) error { return nil }

// Remove unmounts the overlay and deletes the container's own layer.
func (o OverlayRootfs) Remove(ctx context.Context, dir string) error {
	target := filepath.Join(dir, RootfsDir)
	if mounted(target) {
		if err := snapshot.Unmount(target); err != nil && !errors.Is(err, snapshot.ErrNotMounted) {
			return fmt.Errorf("unmount rootfs of %s: %w", dir, err)
		}
	}
	for _, d := range []string{RootfsDir, "upper", "work", layersFile} {
		if err := os.RemoveAll(filepath.Join(dir, d)); err != nil {
			return err
		}
	}
	return nil
}
