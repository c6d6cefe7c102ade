// Package cgroups manages one container's control groups on cgroup v1
// (including the "hybrid" layout where a cgroup2 hierarchy is mounted at
// /sys/fs/cgroup/unified beside the v1 controllers) and on pure cgroup v2
// hosts. It implements runtime-spec v1.3.0 config-linux.md "Control
// groups" (cgroupsPath) and every field of "linux.resources", and gives
// servin-run what runc's update, pause, resume, ps and events need.
//
// A Manager is made by New from linux.cgroupsPath, joined by a process
// with Apply, limited with Set, and removed with Destroy. Its Paths are
// saved in the container's state so that Load can rebuild it in a later
// invocation, even after the runtime crashed.
package cgroups
