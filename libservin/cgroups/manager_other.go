//go:build !linux

package cgroups

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func unsupported(op string) error {
	return fmt.Errorf("cgroups %s: cgroups need Linux: %w", op, ErrUnsupported)
}

// DetectMode reports ModeNone off Linux.
func DetectMode() Mode { return ModeNone }

// IsV2 is false off Linux.
func IsV2() bool { return false }

// New is not supported off Linux.
func New(cgroupsPath, id string, opts ...Option) (*Manager, error) { return nil, unsupported("new") }

// Apply is not supported off Linux.
func (m *Manager) Apply(pid int) error { return unsupported("apply") }

// JoinV2 is not supported off Linux.
func (m *Manager) JoinV2(pid int) error { return unsupported("join") }

// Set is not supported off Linux.
func (m *Manager) Set(r *specs.LinuxResources) error { return unsupported("set") }

// Freeze is not supported off Linux.
func (m *Manager) Freeze() error { return unsupported("freeze") }

// Thaw is not supported off Linux.
func (m *Manager) Thaw() error { return unsupported("thaw") }

// State reports not paused off Linux.
func (m *Manager) State() (bool, error) { return false, unsupported("state") }

// Pids is not supported off Linux.
func (m *Manager) Pids() ([]int, error) { return nil, unsupported("pids") }

// Stats is not supported off Linux.
func (m *Manager) Stats() (*Stats, error) { return nil, unsupported("stats") }

// Destroy is not supported off Linux.
func (m *Manager) Destroy() error { return unsupported("destroy") }
