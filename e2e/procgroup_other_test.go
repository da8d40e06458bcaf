//go:build !unix

package e2e

import "os/exec"

func ownProcessGroup(cmd *exec.Cmd) {}

// killProcessGroup kills cmd's process; where there are no process groups
// its children are left to it.
func killProcessGroup(cmd *exec.Cmd) error {
	if cmd.Process == nil {
		return nil
	}
	return cmd.Process.Kill()
}
