//go:build unix

package e2e

import (
	"os/exec"
	"syscall"
)

// ownProcessGroup starts cmd in a new process group, so that it and every
// process it starts (Chromium and its helpers) can be ended together.
func ownProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// killProcessGroup kills the process group that cmd leads, if any is left.
func killProcessGroup(cmd *exec.Cmd) error {
	if cmd.Process == nil {
		return nil
	}
	return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}
