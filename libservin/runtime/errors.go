package runtime

import "errors"

var (
	// ErrNotExist: no container with that ID.
	ErrNotExist = errors.New("container does not exist")
	// ErrExist: a container with that ID exists already.
	ErrExist = errors.New("container with given ID already exists")
	// ErrInvalidID: the ID has characters other than [A-Za-z0-9_+.-].
	ErrInvalidID = errors.New("invalid container ID format")
	// ErrState: the operation is not allowed in the container's state.
	ErrState = errors.New("operation not allowed in this container state")
	// ErrCorrupt: state.json cannot be decoded (a create killed between
	// creating the file and writing it).
	ErrCorrupt = errors.New("container state is unreadable")
)
