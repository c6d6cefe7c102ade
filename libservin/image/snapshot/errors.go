package snapshot

import "errors"

var (
	// ErrNotMounted is returned by Unmount for a path that is not a mount.
	ErrNotMounted = errors.New("not mounted")
	// ErrNoLayers is returned by Mount without lower directories.
	ErrNoLayers = errors.New("no lower layers")
)
