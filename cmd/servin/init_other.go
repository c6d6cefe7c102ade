//go:build !linux

package main

import (
	"errors"
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func addInit(*specs.Spec, string) error {
	return fmt.Errorf("--init: %w", errors.ErrUnsupported)
}

func runInit([]string) int { return exitError }
