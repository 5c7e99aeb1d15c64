package stream

import (
	"net"
	"syscall"
	"unsafe"
)

// socket writes frames to a stream's TCP socket with writev(2) through
// syscall.RawConn: TryWrite is the hub's write, which never waits (the
// socket is non-blocking, as every Go socket is); writeAll the stream
// goroutine's, which waits while the socket is full, until the write
// deadline. Either way the frames waiting for a screen go out in one
// system call, and a write costs no goroutine switch.
//
// Its scratch room is used by one writer at a time: the hub writes only
// while the stream's goroutine does not (hub.Subscriber.TakeFrames to
// Release).
type socket struct {
	rc     syscall.RawConn
	frames [][]byte
	iov    []syscall.Iovec
	n      int
	err    error
	try    func(fd uintptr) bool // one write, whatever the socket takes
	all    func(fd uintptr) bool // every frame, or false to wait
}

// newSocket is c's socket, or nil when c is not one (TLS).
func newSocket(c net.Conn) *socket {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	s := &socket{rc: rc}
	s.try = func(fd uintptr) bool {
		n, err := writev(fd, s.frames, &s.iov)
		switch err {
		case nil:
			s.n = n
		case syscall.EAGAIN, syscall.EINTR: // it takes nothing now
		default:
			s.err = err
		}
		return true
	}
	s.all = func(fd uintptr) bool {
		for len(s.frames) > 0 {
			n, err := writev(fd, s.frames, &s.iov)
			switch err {
			case nil:
				s.frames = consume(s.frames, n)
			case syscall.EINTR:
			case syscall.EAGAIN:
				return false // the poller waits until it takes more
			default:
				s.err = err
				return true
			}
		}
		return true
	}
	return s
}

// TryWrite writes what of frames the socket takes now (hub.Writer).
func (s *socket) TryWrite(frames [][]byte) (int, error) {
	s.frames, s.n, s.err = frames, 0, nil
	err := s.rc.Write(s.try)
	n := s.n
	s.frames = nil
	if err == nil {
		err = s.err
	}
	return n, err
}

// writeAll writes every frame, waiting while the socket is full (until
// the connection's write deadline). It consumes frames' elements.
func (s *socket) writeAll(frames [][]byte) error {
	s.frames, s.err = frames, nil
	err := s.rc.Write(s.all)
	s.frames = nil
	if err == nil {
		err = s.err
	}
	return err
}

// maxIovec is the most buffers one writev takes (IOV_MAX on Linux).
const maxIovec = 1024

// writev writes frames to fd in one system call; iov is room kept from
// one call to the next.
func writev(fd uintptr, frames [][]byte, iov *[]syscall.Iovec) (int, error) {
	v := (*iov)[:0]
	for _, f := range frames {
		if len(f) == 0 {
			continue
		}
		if len(v) == maxIovec {
			break
		}
		e := syscall.Iovec{Base: &f[0]}
		e.SetLen(len(f))
		v = append(v, e)
	}
	if len(v) == 0 {
		return 0, nil
	}
	n, _, errno := syscall.Syscall(syscall.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&v[0])), uintptr(len(v)))
	clear(v) // the frames are not held past the write
	*iov = v[:0]
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}
