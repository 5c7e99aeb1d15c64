package stream

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/gorilla/websocket"

	"github.com/hallq/hallq/server/hub"
)

// rawConn is a stream's connection once the snapshot is sent: the socket
// itself, written by the hub (hub.Writer: the socket's TryWrite) and by
// the connection's one goroutine, which also reads it, with room for a
// client frame that came in pieces.
type rawConn struct {
	conn net.Conn
	sock *socket // nil: not a socket (TLS), written through conn
	in   []byte  // a client frame not yet whole
	out  [][]byte
}

func newRawConn(c net.Conn) *rawConn { return &rawConn{conn: c, sock: newSocket(c)} }

// writer is what the hub writes to directly (nil: nothing, the stream's
// goroutine writes everything).
func (c *rawConn) writer() hub.Writer {
	if c.sock == nil {
		return nil
	}
	return c.sock
}

// write writes frames, all in one write (writev) when the socket takes
// them, failing the connection if that takes longer than wait. It
// consumes frames' elements. The write deadline is cleared after it: a
// passed deadline would fail the hub's own writes.
func (c *rawConn) write(frames [][]byte, wait time.Duration) error {
	c.conn.SetWriteDeadline(time.Now().Add(wait))
	var err error
	if c.sock != nil {
		err = c.sock.writeAll(frames)
	} else {
		bufs := net.Buffers(frames)
		_, err = bufs.WriteTo(c.conn)
	}
	c.conn.SetWriteDeadline(time.Time{})
	return err
}

// control writes a control frame (ping, pong, close; at most 125 bytes of
// data), unmasked as a server's are, after the frames before it (the
// events waiting, or the rest of one begun).
func (c *rawConn) control(kind int, data []byte, wait time.Duration, before ...[]byte) error {
	f := make([]byte, 0, 2+len(data))
	f = append(f, 0x80|byte(kind), byte(len(data)))
	f = append(f, data...)
	c.out = append(append(c.out[:0], before...), f)
	err := c.write(c.out, wait)
	clear(c.out)
	return err
}

// close sends a close frame with a code and reason, after what is left of
// a frame begun (rest).
func (c *rawConn) close(wait time.Duration, code int, reason string, rest []byte) {
	var before [][]byte
	if len(rest) > 0 {
		before = append(before, rest)
	}
	c.control(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), wait, before...)
}

// consume drops the first n bytes of frames.
func consume(frames [][]byte, n int) [][]byte {
	for len(frames) > 0 && n >= len(frames[0]) {
		n -= len(frames[0])
		frames = frames[1:]
	}
	if len(frames) > 0 {
		frames[0] = frames[0][n:]
	}
	return frames
}

// errClientClosed is a client's close frame, answered.
var errClientClosed = errors.New("stream: the client closed")

// readControl reads, without waiting, what the client has sent: pongs,
// pings (answered) and a close (answered, then errClientClosed). It
// reports whether anything came. A frame longer than readLimit, an
// unmasked or fragmented one, or the client's end of the connection
// closed is an error: the stream ends.
func (c *rawConn) readControl(wait time.Duration) (bool, error) {
	got := false
	var buf [512]byte
	for {
		n, err := readNow(c.conn, buf[:])
		if n > 0 {
			got = true
			c.in = append(c.in, buf[:n]...)
			if len(c.in) > readLimit+14 {
				return got, fmt.Errorf("stream: %d bytes from a client that sends only control frames", len(c.in))
			}
		}
		if err != nil {
			return got, err
		}
		if n < len(buf) {
			break // nothing more now
		}
	}
	for {
		op, data, rest, ok, err := clientFrame(c.in)
		if err != nil || !ok {
			return got, err
		}
		c.in = rest
		switch op {
		case websocket.PingMessage:
			if err := c.control(websocket.PongMessage, data, wait); err != nil {
				return got, err
			}
		case websocket.PongMessage, websocket.TextMessage, websocket.BinaryMessage:
			// A pong is what a ping asks for; data is not for the
			// server, and is read only to be dropped.
		case websocket.CloseMessage:
			code := websocket.CloseNormalClosure
			if len(data) >= 2 {
				code = int(binary.BigEndian.Uint16(data))
			}
			c.close(wait, code, "", nil)
			return got, errClientClosed
		default:
			return got, fmt.Errorf("stream: a client sent a frame of kind %d", op)
		}
	}
}

// clientFrame takes one whole frame from b: its kind and unmasked data,
// and what follows; ok is false while the frame is not yet whole.
func clientFrame(b []byte) (op int, data, rest []byte, ok bool, err error) {
	if len(b) < 2 {
		return 0, nil, b, false, nil
	}
	if b[1]&0x80 == 0 {
		return 0, nil, nil, false, errors.New("stream: a client frame that is not masked")
	}
	if b[0]&0x80 == 0 {
		return 0, nil, nil, false, errors.New("stream: a fragmented client frame")
	}
	n, hdr := int(b[1]&0x7f), 2
	switch n {
	case 126:
		if len(b) < 4 {
			return 0, nil, b, false, nil
		}
		n, hdr = int(binary.BigEndian.Uint16(b[2:])), 4
	case 127:
		return 0, nil, nil, false, errors.New("stream: a client frame too long")
	}
	if n > readLimit {
		return 0, nil, nil, false, errors.New("stream: a client frame too long")
	}
	if len(b) < hdr+4+n {
		return 0, nil, b, false, nil
	}
	mask := b[hdr : hdr+4]
	data = b[hdr+4 : hdr+4+n]
	for i := range data {
		data[i] ^= mask[i%4]
	}
	return int(b[0] & 0x0f), data, b[hdr+4+n:], true, nil
}

// readNow reads what the connection holds, without waiting for more: 0
// and no error when it holds nothing; io.EOF when the client closed its
// end. A socket is read directly; a connection that is not one (TLS)
// with a read deadline a moment ahead.
func readNow(c net.Conn, buf []byte) (int, error) {
	if sc, ok := c.(syscall.Conn); ok {
		if rc, err := sc.SyscallConn(); err == nil {
			return readSocket(rc, buf)
		}
	}
	c.SetReadDeadline(time.Now().Add(peekWait))
	n, err := c.Read(buf)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		err = nil
	}
	return n, err
}

// peekWait is how long readNow waits on a connection that is not a socket.
const peekWait = 5 * time.Millisecond

// readSocket reads what the socket rc holds, without waiting.
func readSocket(rc syscall.RawConn, buf []byte) (int, error) {
	var n int
	var rerr error
	if err := rc.Read(func(fd uintptr) bool {
		n, rerr = syscall.Read(int(fd), buf)
		return true // never wait for more
	}); err != nil {
		return 0, err
	}
	switch {
	case rerr == syscall.EAGAIN || rerr == syscall.EINTR:
		return 0, nil
	case rerr != nil:
		return 0, rerr
	case n == 0:
		return 0, io.EOF
	}
	return n, nil
}
