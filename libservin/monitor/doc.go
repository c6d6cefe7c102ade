// Package monitor is servin's per-container monitor (like conmon): a
// process started detached (setsid) by `servin run`/`start` that becomes
// the container's subreaper, drives the runtime's create/start with its
// own pipes (or a terminal) as the container's stdio, writes the logs,
// serves attach clients on a unix socket, records the exit code and time,
// applies the restart policy and exits when the container is gone.
// specs/containers.md describes the state it keeps and the attach
// protocol.
package monitor
