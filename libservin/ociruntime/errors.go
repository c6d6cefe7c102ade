package ociruntime

import (
	"errors"
	"strconv"
)

var (
	// ErrNotFound is returned when the runtime binary cannot be found.
	ErrNotFound = errors.New("runtime not found")
	// ErrNotExist is returned when the runtime does not know the container.
	ErrNotExist = errors.New("container does not exist in the runtime")
)

// ExitError is returned by Exec when the process ran and exited non-zero.
type ExitError struct{ Code int }

func (e *ExitError) Error() string { return "exit status " + strconv.Itoa(e.Code) }
