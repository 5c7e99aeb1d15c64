package serverproc

import (
	"os/exec"
	"syscall"
)

// dieWithParent asks Linux to kill the server when the process that
// started it dies (a test binary killed at its timeout, hallsim stopped by
// ^C), so no orphaned hall server keeps a port and a core busy.
func dieWithParent(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}
