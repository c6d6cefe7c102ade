// Package runtime is servin-run's own container lifecycle: create, start,
// state, kill, delete, list and run, with the state kept under a root
// directory (default /run/servin), one directory per container, written
// atomically and guarded by a lock. It implements runtime-spec v1.3.0
// runtime.md ("Lifecycle", "Operations") and runtime-linux.md.
//
// Front-ends never call this package: they drive any runc-compatible
// binary through libservin/ociruntime.
package runtime
