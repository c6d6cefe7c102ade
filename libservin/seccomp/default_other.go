//go:build !linux

package seccomp

import (
	"errors"
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// DefaultProfile returns nil: the default profile depends on the Linux
// host's kernel and architecture.
func DefaultProfile() *specs.LinuxSeccomp { return nil }

// DefaultProfileFor fails: the default profile depends on the Linux host's
// kernel and architecture.
func DefaultProfileFor(caps []string) (*specs.LinuxSeccomp, error) {
	return nil, fmt.Errorf("seccomp default profile: %w", errors.ErrUnsupported)
}

// ParseProfile fails: profiles are resolved against the Linux host.
func ParseProfile(data []byte, caps []string) (*specs.LinuxSeccomp, error) {
	return nil, fmt.Errorf("parse seccomp profile: %w", errors.ErrUnsupported)
}
