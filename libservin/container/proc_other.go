//go:build !linux

package container

import (
	"errors"
	"fmt"
)

// Proc is one process as `servin top` shows it.
type Proc struct {
	PID, PPID int
	UID       string
	Cmd       string
}

// Procs is empty off Linux.
func Procs([]int) []Proc { return nil }

// Descendants is just pid off Linux.
func Descendants(pid int) []int { return []int{pid} }

// Usage is a container's resource use read from its cgroup.
type Usage struct {
	CPUNanos, MemoryBytes, MemoryLimit, Pids uint64
}

// CgroupUsage needs Linux cgroups.
func CgroupUsage(pid int) (Usage, error) {
	return Usage{}, fmt.Errorf("cgroup usage: %w", errors.ErrUnsupported)
}
