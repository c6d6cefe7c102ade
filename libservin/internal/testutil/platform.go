package testutil

import "runtime"

// HostPlatform returns this machine's os and architecture.
func HostPlatform() (os, arch string) { return runtime.GOOS, runtime.GOARCH }
