//go:build !unix

package ociruntime

import (
	"errors"
	"fmt"
	"os"
)

// ConsoleSocket receives a container's terminal; unsupported here.
type ConsoleSocket struct{}

// NewConsoleSocket fails: terminals need AF_UNIX descriptor passing.
func NewConsoleSocket(path string) (*ConsoleSocket, error) {
	return nil, fmt.Errorf("console socket %s: %w", path, errors.ErrUnsupported)
}

// Path is empty.
func (c *ConsoleSocket) Path() string { return "" }

// Close does nothing.
func (c *ConsoleSocket) Close() error { return nil }

// Receive fails.
func (c *ConsoleSocket) Receive() (*os.File, error) {
	return nil, fmt.Errorf("console socket: %w", errors.ErrUnsupported)
}
