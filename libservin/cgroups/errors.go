package cgroups

import (
	"errors"
	"fmt"
)

var (
	// ErrNotMounted: a resource needs a controller the host has not mounted
	// (net_cls and net_prio on most hosts, hugetlb on some).
	ErrNotMounted = errors.New("cgroup controller is not mounted")
	// ErrInvalid: a resource value the kernel would never accept, such as a
	// hugepage size the host does not have.
	ErrInvalid = errors.New("invalid cgroup resource")
	// ErrUnsupported is errors.ErrUnsupported: the resource exists only in
	// the other cgroup version, or the platform has no cgroups.
	ErrUnsupported = errors.ErrUnsupported
)

// notMounted reports that the resource kind cannot be set.
func notMounted(kind, controller string) error {
	return fmt.Errorf("cannot set %s limit: %s %w", kind, controller, ErrNotMounted)
}
