package store

import (
	"os"
	"path/filepath"
	"runtime"
)

// EnvRoot is the environment variable that overrides the default root.
const EnvRoot = "SERVIN_ROOT"

// SystemRoot is the root used by root on Linux.
const SystemRoot = "/var/lib/servin"

// DefaultRoot returns the servin root directory to use when no --root flag
// is given: $SERVIN_ROOT if set, /var/lib/servin for root on Linux, and
// ~/.servin (%USERPROFILE%\.servin on Windows) otherwise.
func DefaultRoot() string {
	if r := os.Getenv(EnvRoot); r != "" {
		return r
	}
	if runtime.GOOS == "linux" && os.Geteuid() == 0 {
		return SystemRoot
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		home = os.TempDir()
	}
	return filepath.Join(home, ".servin")
}

// Root returns flagValue when it is not empty, DefaultRoot otherwise.
func Root(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	return DefaultRoot()
}

// Subdirectories of the root, one per store.
const (
	ImagesDir     = "images"
	ContainersDir = "containers"
	VolumesDir    = "volumes"
	NetworksDir   = "networks"
	LogsDir       = "logs"
	RegistryDir   = "registry"
)
