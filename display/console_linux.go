package display

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// noCTTY: opening a console must not make it the display's controlling
// terminal.
const noCTTY = unix.O_NOCTTY

// KD ioctls (linux/kd.h): the same numbers on every architecture.
const (
	ioctlKDSETMODE = 0x4B3A
	ioctlKDGETMODE = 0x4B3B
)

type vtFile struct{ f *os.File }

func vtOf(f *os.File) kdMode { return vtFile{f} }

func (v vtFile) get() (int, error) {
	m, err := unix.IoctlGetInt(int(v.f.Fd()), ioctlKDGETMODE)
	if errors.Is(err, unix.ENOTTY) || errors.Is(err, unix.EINVAL) {
		return 0, errNotVT
	}
	return m, err
}

func (v vtFile) set(mode int) error {
	return unix.IoctlSetInt(int(v.f.Fd()), ioctlKDSETMODE, mode)
}
