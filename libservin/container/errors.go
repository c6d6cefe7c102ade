package container

import "errors"

var (
	// ErrNotExist: no container has that ID, prefix or name.
	ErrNotExist = errors.New("no such container")
	// ErrAmbiguous: an ID prefix matches several containers.
	ErrAmbiguous = errors.New("ambiguous container ID prefix")
	// ErrNameInUse: another container already has the name.
	ErrNameInUse = errors.New("container name already in use")
	// ErrInvalidName: the name is not [a-zA-Z0-9][a-zA-Z0-9_.-]*.
	ErrInvalidName = errors.New("invalid container name")
	// ErrRunning: the operation needs a stopped container.
	ErrRunning = errors.New("container is running")
	// ErrNotRunning: the operation needs a running container.
	ErrNotRunning = errors.New("container is not running")
)
