//go:build !linux

// Command timeit is Linux-only: it relies on PR_SET_CHILD_SUBREAPER.
package main

import (
	"errors"
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "timeit:", fmt.Errorf("child subreaper: %w", errors.ErrUnsupported))
	os.Exit(2)
}
