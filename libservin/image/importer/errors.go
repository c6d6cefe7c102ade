package importer

import "errors"

// Sentinel errors, checked with errors.Is.
var (
	// ErrNotTar is returned for input that is not a (compressed) tar archive.
	ErrNotTar = errors.New("not a tar archive")
	// ErrChange is wrapped by errors in --change instructions.
	ErrChange = errors.New("invalid change")
)
