//go:debug containermaxprocs=0
//go:debug updatemaxprocs=0

package main

import "runtime/debug"

// servin-run is a short-lived process per container operation (run and
// long-lived commands like events allocate little), so:
//   - GOMAXPROCS is not taken from, nor kept in step with, the cgroup CPU
//     limit (the directives above): no background updates;
//   - no garbage collection below 64 MiB: a collection costs more CPU than
//     the process's whole heap is worth, while the limit still bounds a
//     long `events` or attached `run`.
func init() {
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(64 << 20)
}
