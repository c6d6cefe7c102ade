package linux

import "errors"

var (
	// ErrInvalidMount is returned for a mount entry that cannot be honoured
	// as written (bad destination, missing source, unusable options).
	ErrInvalidMount = errors.New("invalid mount")
	// ErrInvalidDevice is returned for a linux.devices entry with an unknown
	// type or a path that already holds a different file.
	ErrInvalidDevice = errors.New("invalid device")
	// ErrIDMapUnsupported is returned for an idmapped mount (idmap/ridmap,
	// or uidMappings/gidMappings) whose idmapped tree was not prepared by
	// the parent (PrepareIDMappedMounts).
	ErrIDMapUnsupported = errors.New("id-mapped mount not prepared")
)
