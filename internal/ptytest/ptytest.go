// Package ptytest opens pseudo-terminals for tests of serial devices: the
// master end plays the device (a printer, a QR scanner), the slave's path
// is the port the code under test opens.
package ptytest

import (
	"fmt"
	"os"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// Open returns a new pseudo-terminal's master and the path of its slave;
// the master is closed when the test ends.
func Open(t testing.TB) (*os.File, string) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open /dev/ptmx: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	rc, _ := m.SyscallConn()
	var n int
	var ioErr error
	rc.Control(func(fd uintptr) {
		if ioErr = unix.IoctlSetPointerInt(int(fd), unix.TIOCSPTLCK, 0); ioErr != nil {
			return
		}
		n, ioErr = unix.IoctlGetInt(int(fd), unix.TIOCGPTN)
	})
	if ioErr != nil {
		t.Fatalf("unlock pty: %v", ioErr)
	}
	return m, fmt.Sprintf("/dev/pts/%d", n)
}
