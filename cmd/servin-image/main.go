// Command servin-image manages servin's OCI image store: import, export,
// copy between transports, pull and push to any registry, list, inspect,
// tag and remove images. Exit codes: 0 ok, 1 error, 125 usage error
// (specs/image-store.md).
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// Exit codes.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 125
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	a := &app{}
	cmd := newRootCmd(a)
	err := cmd.ExecuteContext(ctx)
	stop()
	os.Exit(exitCode(a, err))
}

func exitCode(a *app, err error) int {
	if err == nil {
		return exitOK
	}
	var ue usageError
	if errors.As(err, &ue) || !a.ran {
		fmt.Fprintf(os.Stderr, "servin-image: %v\nSee 'servin-image --help'.\n", err)
		return exitUsage
	}
	if !errors.Is(err, errReported) {
		fmt.Fprintf(os.Stderr, "servin-image: %v\n", err)
	}
	return exitError
}
