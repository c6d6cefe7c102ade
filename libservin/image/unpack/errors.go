package unpack

import "errors"

var (
	// ErrUnsafePath is returned for a tar entry, hardlink target or
	// whiteout whose name climbs above the extraction root ("../x").
	ErrUnsafePath = errors.New("unsafe path in layer")
	// ErrDigestMismatch is returned when a layer's compressed digest or
	// diffID is not the expected one.
	ErrDigestMismatch = errors.New("digest mismatch")
	// ErrUserNotFound is returned when the image's user or group is not in
	// the rootfs /etc/passwd or /etc/group.
	ErrUserNotFound = errors.New("user not found")
	// ErrUnmappedID is returned when a file owner has no host ID in the
	// configured uid/gid mappings.
	ErrUnmappedID = errors.New("id not mapped")
	// ErrTruncated is returned when a layer stream ends early or its
	// compression is corrupt.
	ErrTruncated = errors.New("truncated or corrupt layer")
	// ErrBadEntry is returned for a tar entry that cannot be extracted
	// (unknown type, hardlink to a missing file, ...).
	ErrBadEntry = errors.New("bad layer entry")
)
