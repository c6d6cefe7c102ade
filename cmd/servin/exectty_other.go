//go:build !linux

package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/servin/servin/libservin/ociruntime"
)

func execTerminal(context.Context, *ociruntime.Runtime, string, ociruntime.ExecOptions, bool, io.Writer) error {
	return fmt.Errorf("exec with a terminal: %w", errors.ErrUnsupported)
}
