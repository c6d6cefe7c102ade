// Package linux holds what servin-run does inside the container: the init
// process that a re-exec of the runtime becomes after the nsenter
// constructor has placed it in its namespaces (root filesystem, devices,
// console, hostname, sysctls, rlimits, user, capabilities), and the
// message protocol it speaks with the runtime parent over the sync socket.
//
// It implements runtime-spec v1.3.0 config.md and config-linux.md, and the
// "create" and "start" steps of runtime.md.
package linux
