package hooks

import "os/exec"

// killGroupOnCancel: Windows has no process groups to kill; the default
// cancellation kills the hook itself.
func killGroupOnCancel(cmd *exec.Cmd) {}
