//go:build !linux

package stream

import (
	"errors"
	"net"
)

// socket is, on Linux, a stream's TCP socket written with writev(2)
// directly (socket_linux.go). Elsewhere streams write through net.Conn,
// from their own goroutines.
type socket struct{}

func newSocket(net.Conn) *socket { return nil }

func (*socket) TryWrite([][]byte) (int, error) { return 0, errors.ErrUnsupported }

func (*socket) writeAll([][]byte) error { return errors.ErrUnsupported }
