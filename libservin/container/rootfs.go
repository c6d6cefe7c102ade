package container

import (
	"context"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// RootfsPreparer turns an image into a container's root filesystem. It is
// the seam between the front-end and the image unpacker: ExtractRootfs is
// the temporary flat implementation; the overlay snapshotter of
// libservin/image/unpack (shared per-layer snapshots under
// <root>/images/snapshots, overlay mounted on <dir>/rootfs) replaces it.
//
// TODO(lead): plug libservin/image/unpack's overlay snapshotter in here
// (set Rootfs in the caller, cmd/servin/bundle.go), once merged: Prepare
// creates the upper/work dirs and records the lower snapshots, Mount
// mounts the overlay before the runtime's create (also after a reboot),
// Unmount undoes it after delete.
type RootfsPreparer interface {
	// Prepare creates the root filesystem of the container whose directory
	// is dir from img and returns its path (dir/rootfs).
	Prepare(ctx context.Context, img v1.Image, dir string) (string, error)
	// Mount makes the prepared root filesystem usable; called by the monitor
	// before every runtime create.
	Mount(ctx context.Context, dir string) error
	// Unmount is called after the runtime deleted the container.
	Unmount(ctx context.Context, dir string) error
	// Remove deletes the root filesystem (the container is being removed).
	Remove(ctx context.Context, dir string) error
}

// RootfsDir is the rootfs directory inside a container directory (the
// bundle's config.json says root.path "rootfs").
const RootfsDir = "rootfs"
