// Package logs writes and reads container logs: JSON lines
// {"time":RFC3339Nano,"stream":"stdout|stderr","log":"line\n"} with
// size-based rotation (container.log, container.log.1, ...), as described
// in specs/containers.md. The monitor writes; `servin logs` reads.
package logs
