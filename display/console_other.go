//go:build !linux

package display

import "os"

const noCTTY = 0

type noVT struct{}

func vtOf(*os.File) kdMode { return noVT{} }

func (noVT) get() (int, error) { return 0, errNotVT }
func (noVT) set(int) error     { return errNotVT }
