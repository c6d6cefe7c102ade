// Command servin-registry runs servin's local OCI registry (an embedded
// distribution/v3 server) and manages registry credentials.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := newRootCmd().ExecuteContext(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "servin-registry: %v\n", err)
		os.Exit(exitCode(err))
	}
}
