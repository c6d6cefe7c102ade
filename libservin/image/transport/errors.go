package transport

import "errors"

// Sentinel errors, checked with errors.Is.
var (
	ErrBadRef      = errors.New("invalid transport reference")
	ErrUnsupported = errors.New("unsupported by this transport")
	ErrNoStore     = errors.New("servin: transport needs a store (WithStore)")
	ErrBadArchive  = errors.New("unrecognised archive format")
)
