//go:build !linux

package container

import specs "github.com/opencontainers/runtime-spec/specs-go"

// hostDevices: no host devices to pass off Linux.
func hostDevices() []specs.LinuxDevice { return nil }
