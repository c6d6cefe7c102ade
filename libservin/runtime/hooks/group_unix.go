//go:build !windows

package hooks

import (
	"os/exec"
	"syscall"
)

// killGroupOnCancel kills the hook's whole process group on timeout: its
// children must not keep the runtime waiting on their inherited stdout.
func killGroupOnCancel(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
