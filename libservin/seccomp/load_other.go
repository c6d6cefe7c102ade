//go:build !linux

package seccomp

import (
	"errors"
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-spec/specs-go/features"
)

// Filter is a compiled seccomp configuration; seccomp exists only on Linux.
type Filter struct{}

// Prepare fails: seccomp exists only on Linux.
func Prepare(c *specs.LinuxSeccomp, state *specs.ContainerProcessState) (*Filter, error) {
	return nil, fmt.Errorf("prepare seccomp filter: %w", errors.ErrUnsupported)
}

// Load fails: seccomp exists only on Linux.
func (f *Filter) Load() error {
	return fmt.Errorf("load seccomp filter: %w", errors.ErrUnsupported)
}

// Close does nothing.
func (f *Filter) Close() error { return nil }

// Load fails: seccomp exists only on Linux.
func Load(c *specs.LinuxSeccomp, state *specs.ContainerProcessState) error {
	return fmt.Errorf("load seccomp filter: %w", errors.ErrUnsupported)
}

// Install fails: seccomp exists only on Linux.
func Install(c *specs.LinuxSeccomp) (int, error) {
	return -1, fmt.Errorf("install seccomp filter: %w", errors.ErrUnsupported)
}

// SendListener fails: seccomp exists only on Linux.
func SendListener(listenerPath string, listenerFd int, state *specs.ContainerProcessState) error {
	return fmt.Errorf("send seccomp listener fd: %w", errors.ErrUnsupported)
}

// Supported is false: seccomp exists only on Linux.
func Supported() bool { return false }

// SupportedFlags is empty: seccomp exists only on Linux.
func SupportedFlags() []string { return nil }

// Features reports seccomp as disabled.
func Features() *features.Seccomp {
	f := false
	return &features.Seccomp{Enabled: &f}
}
