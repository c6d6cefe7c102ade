// Package version holds the build version of the servin tools.
package version

// Version is set at link time by the Makefile (-X); "dev" otherwise.
var Version = "dev"

// RuntimeSpec is the OCI runtime-spec version the runtime implements.
const RuntimeSpec = "1.3.0"
