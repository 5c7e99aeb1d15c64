//go:build !linux

package serverproc

import "os/exec"

// dieWithParent does nothing where the system has no parent-death signal.
func dieWithParent(*exec.Cmd) {}
