// Command servin is the container front-end: run, ls, stop, rm, exec,
// logs, inspect, volume, ... over any runc-compatible runtime, and the
// dispatcher to servin-image, servin-registry, servin-compose and any
// servin-<name> tool, like git. Exit codes (specs/cli.md): 125 servin's
// own error, 126 the container command cannot be invoked, 127 not found,
// otherwise the container's.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
)

// Exit codes, as docker's.
const (
	exitOK         = 0
	exitError      = 125
	exitCannotExec = 126
	exitNotFound   = 127
)

func main() {
	args := os.Args[1:]
	if len(args) > 0 && args[0] == "__init" {
		os.Exit(runInit(args[1:]))
	}
	if code, handled := dispatch(args); handled {
		os.Exit(code)
	}
	a := &app{}
	cmd := newRootCmd(a)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	a.close()
	os.Exit(exitCode(err))
}

// exitCode prints err once and maps it to the process exit code.
func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var st statusError
	if errors.As(err, &st) {
		if st.err != nil {
			fmt.Fprintf(os.Stderr, "servin: %v\n", st.err)
		}
		return st.code
	}
	fmt.Fprintf(os.Stderr, "servin: %v\n", err)
	return exitError
}

// statusError carries an exit code (a container's, or 126/127); err, if
// set, is printed.
type statusError struct {
	code int
	err  error
}

func (s statusError) Error() string {
	if s.err != nil {
		return s.err.Error()
	}
	return fmt.Sprintf("exit status %d", s.code)
}
func (s statusError) Unwrap() error { return s.err }
