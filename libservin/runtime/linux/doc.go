// Package linux holds what servin-run does inside the container: the init
// process that a re-exec of the runtime becomes after the nsenter
// constructor has placed it in its namespaces (root filesystem, devices,
// console, hostname, sysctls, rlimits, user, capabilities), and the
// message protocol it speaks with the runtime parent over the sync socket.
// It implements the "create" and "start" steps of runtime-spec v1.3.0
// runtime.md.
//
// The root filesystem code (rootfs_linux.go, mount_linux.go,
// devices_linux.go, cgroupfs_linux.go, pivot_linux.go) implements
// runtime-spec v1.3.0 config.md "Root" and "Mounts" (including the Linux
// mount options table) and config-linux.md "Devices", "Default Devices",
// "Default Filesystems", "Masked Paths", "Readonly Paths" and
// "Rootfs Mount Propagation". Every path taken from the configuration is
// resolved inside the rootfs with github.com/cyphar/filepath-securejoin
// (openat2 RESOLVE_IN_ROOT) and mounts are made on /proc/self/fd/N of an
// O_PATH handle opened inside the rootfs, so a symlink in the image can
// never make a mount land outside it.
package linux
