package linux

import "errors"

var (
	// ErrInvalidMount is returned for a mount entry that cannot be honoured
	// as written (bad destination, missing source, unusable options).
	ErrInvalidMount = errors.New("invalid mount")
	// ErrInvalidDevice is returned for a linux.devices entry with an unknown
	// type or a path that already holds a different file.
	ErrInvalidDevice = errors.New("invalid device")
	// ErrIDMapUnsupported is returned for idmap/ridmap mounts and mounts with
	// uidMappings/gidMappings, which servin-run does not implement yet.
	ErrIDMapUnsupported = errors.New("id-mapped mounts are not supported yet")
)
