//go:build !linux

package testutil

// CgroupParents does nothing off Linux.
func CgroupParents(names ...string) func() { return func() {} }
