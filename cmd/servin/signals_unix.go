//go:build unix

package main

import (
	"os"
	"syscall"
)

// forwardedSignals are proxied to an attached container, as docker's
// --sig-proxy.
var forwardedSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGUSR2}
