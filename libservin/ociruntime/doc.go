// Package ociruntime drives any runc-compatible OCI runtime (servin-run,
// runc, crun) through its command line: create, start, state, kill,
// delete, exec, ps, pause, resume and update, with the global --root flag.
// It never links the runtime itself (DESIGN.md: tools meet through the
// runc command line), so every runtime is used the same way.
package ociruntime
