package spec

import specs "github.com/opencontainers/runtime-spec/specs-go"

// CloneFlags maps namespace types to their CLONE_NEW* values (Linux ABI
// constants, spelled out so this file builds on every platform).
var CloneFlags = map[specs.LinuxNamespaceType]uintptr{
	specs.PIDNamespace:     0x20000000,
	specs.NetworkNamespace: 0x40000000,
	specs.MountNamespace:   0x00020000,
	specs.IPCNamespace:     0x08000000,
	specs.UTSNamespace:     0x04000000,
	specs.UserNamespace:    0x10000000,
	specs.CgroupNamespace:  0x02000000,
	specs.TimeNamespace:    0x00000080,
}

// ProcName maps namespace types to their name under /proc/<pid>/ns.
var ProcName = map[specs.LinuxNamespaceType]string{
	specs.PIDNamespace:     "pid",
	specs.NetworkNamespace: "net",
	specs.MountNamespace:   "mnt",
	specs.IPCNamespace:     "ipc",
	specs.UTSNamespace:     "uts",
	specs.UserNamespace:    "user",
	specs.CgroupNamespace:  "cgroup",
	specs.TimeNamespace:    "time",
}
