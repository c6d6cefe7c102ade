// servin-run sets GOMAXPROCS itself (1): no updater goroutine.
//
//go:debug updatemaxprocs=0

// Command servin-run is servin's runc-compatible OCI runtime: the same
// commands, flags and output as runc, so engines and the OCI validation
// suite can drive it unchanged. Its command line is parsed by hand
// (flags.go), not with cobra: every container operation is one
// short-lived servin-run process, so start-up time and binary size count.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	goruntime "runtime"
)

// exitError carries a process exit code out of a command (run's and
// exec's container code).
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func main() {
	maybeInit() // the container init re-exec never returns from here
	slowSysmon()
	// One P: the work is sequential, and a second P only adds spinning
	// threads and hand-offs around each blocking cgroupfs or mount
	// syscall (~0.4 ms of CPU per container, measured).
	goruntime.GOMAXPROCS(1)
	ctx := context.Background()
	g := &globals{}
	err := execute(ctx, g, os.Args[1:])
	if err == nil {
		return
	}
	var ee exitError
	if errors.As(err, &ee) {
		os.Exit(ee.code)
	}
	g.fail(err)
	os.Exit(1)
}
