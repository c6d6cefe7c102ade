//go:build !linux

package container

func mounted(path string) bool { return false }
