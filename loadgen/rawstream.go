package loadgen

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"
)

// rawStream is one display's stream connection on a bare socket: the
// load generator does the websocket handshake itself and reads the
// server's frames (which are not masked) straight from the socket into a
// buffer of its own, so that an event costs it one read(2) and a few byte
// comparisons, and the figures measure the server, not the tool. It
// answers the server's pings; it sends nothing else.
type rawStream struct {
	conn net.Conn
	buf  []byte // buf[r:w] is read and not yet consumed
	r, w int
}

// Buffers of a raw stream: most frames (events) are a few hundred bytes;
// the snapshot is larger, and the buffer shrinks back after it.
const (
	rawBuf    = 2048
	maxFrame  = 4 << 20 // a bigger frame is not the hall's
	wsGUID    = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
	opText    = 0x1
	opClose   = 0x8
	opPing    = 0x9
	opPong    = 0xA
	finBit    = 0x80
	maskBit   = 0x80
	closeNone = 1005 // a close frame without a code (RFC 6455 7.4.1)
)

// closeError is the server closing the stream, with its code.
type closeError struct {
	code int
	text string
}

func (e *closeError) Error() string {
	return fmt.Sprintf("stream closed by the server: %d %s", e.code, e.text)
}

// dialRaw opens /api/v1/stream on the server at base (http://host:port),
// with the bearer token if any.
func dialRaw(ctx context.Context, base, token string) (*rawStream, error) {
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("loadgen: stream: want http://HOST:PORT, not %q", base)
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", u.Host)
	if err != nil {
		return nil, fmt.Errorf("loadgen: stream: %w", err)
	}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	s := &rawStream{conn: conn, buf: make([]byte, rawBuf)}
	if err := s.handshake(u.Host, token); err != nil {
		conn.Close()
		return nil, fmt.Errorf("loadgen: stream: %w", err)
	}
	conn.SetDeadline(time.Time{})
	return s, nil
}

func (s *rawStream) handshake(host, token string) error {
	var nonce [16]byte
	rand.Read(nonce[:])
	key := base64.StdEncoding.EncodeToString(nonce[:])
	req := "GET /api/v1/stream HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n"
	if token != "" {
		req += "Authorization: Bearer " + token + "\r\n"
	}
	if _, err := s.conn.Write([]byte(req + "\r\n")); err != nil {
		return err
	}
	// The answer's head; what follows it is the first frames.
	end := -1
	for end < 0 {
		if err := s.fill(); err != nil {
			return err
		}
		end = bytes.Index(s.buf[s.r:s.w], []byte("\r\n\r\n"))
		if end < 0 && s.w-s.r > 8192 {
			return errors.New("the upgrade answer's head is too long")
		}
	}
	head := s.buf[s.r : s.r+end]
	s.r += end + 4
	status, rest, _ := bytes.Cut(head, []byte("\r\n"))
	if !bytes.HasPrefix(status, []byte("HTTP/1.1 101")) {
		return fmt.Errorf("the server answered %q", status)
	}
	sum := sha1.Sum([]byte(key + wsGUID))
	want := base64.StdEncoding.EncodeToString(sum[:])
	for _, line := range bytes.Split(rest, []byte("\r\n")) {
		name, value, _ := bytes.Cut(line, []byte(":"))
		if bytes.EqualFold(bytes.TrimSpace(name), []byte("Sec-WebSocket-Accept")) && string(bytes.TrimSpace(value)) == want {
			return nil
		}
	}
	return errors.New("the upgrade answer has no valid Sec-WebSocket-Accept")
}

// fill reads what the socket has into the buffer, making room first.
func (s *rawStream) fill() error {
	if s.r == s.w {
		s.r, s.w = 0, 0
	}
	if s.w == len(s.buf) {
		if s.r > 0 {
			s.w = copy(s.buf, s.buf[s.r:s.w])
			s.r = 0
		} else {
			s.buf = append(s.buf, make([]byte, len(s.buf))...)
		}
	}
	n, err := s.conn.Read(s.buf[s.w:])
	s.w += n
	if n > 0 {
		return nil
	}
	return err
}

// need reads until n bytes are buffered.
func (s *rawStream) need(n int) error {
	for s.w-s.r < n {
		if s.r+n > len(s.buf) {
			// Make room: move what is buffered to the front, or grow.
			if n > len(s.buf) {
				nb := make([]byte, n)
				s.w = copy(nb, s.buf[s.r:s.w])
				s.buf, s.r = nb, 0
			} else {
				s.w = copy(s.buf, s.buf[s.r:s.w])
				s.r = 0
			}
		}
		if err := s.fill(); err != nil {
			return err
		}
	}
	return nil
}

// next returns the next text message's payload, valid until the next
// call, answering pings on the way. A close from the server is a
// *closeError.
func (s *rawStream) next() ([]byte, error) {
	for {
		if s.r == s.w && len(s.buf) > rawBuf {
			s.buf, s.r, s.w = make([]byte, rawBuf), 0, 0 // the snapshot's room is not kept
		}
		if err := s.need(2); err != nil {
			return nil, err
		}
		b0, b1 := s.buf[s.r], s.buf[s.r+1]
		if b1&maskBit != 0 {
			return nil, errors.New("the server sent a masked frame")
		}
		if b0&finBit == 0 {
			return nil, errors.New("the server sent a fragmented message")
		}
		hdr, n := 2, int(b1&0x7f)
		switch n {
		case 126:
			hdr = 4
		case 127:
			hdr = 10
		}
		if err := s.need(hdr); err != nil {
			return nil, err
		}
		switch n {
		case 126:
			n = int(binary.BigEndian.Uint16(s.buf[s.r+2:]))
		case 127:
			v := binary.BigEndian.Uint64(s.buf[s.r+2:])
			if v > maxFrame {
				return nil, fmt.Errorf("a frame of %d bytes", v)
			}
			n = int(v)
		}
		if err := s.need(hdr + n); err != nil {
			return nil, err
		}
		payload := s.buf[s.r+hdr : s.r+hdr+n]
		s.r += hdr + n
		switch b0 & 0x0f {
		case opText:
			return payload, nil
		case opPing:
			if err := s.pong(payload); err != nil {
				return nil, err
			}
		case opClose:
			e := &closeError{code: closeNone}
			if len(payload) >= 2 {
				e.code, e.text = int(binary.BigEndian.Uint16(payload)), string(payload[2:])
			}
			return nil, e
		case opPong:
		default:
			return nil, fmt.Errorf("unexpected frame opcode %d", b0&0x0f)
		}
	}
}

// pong answers a ping; a client's frames are masked (RFC 6455 5.3).
func (s *rawStream) pong(data []byte) error {
	if len(data) > 125 {
		return errors.New("a ping longer than 125 bytes")
	}
	f := make([]byte, 6, 6+len(data))
	f[0], f[1] = finBit|opPong, maskBit|byte(len(data))
	rand.Read(f[2:6])
	for i, c := range data {
		f = append(f, c^f[2+i%4])
	}
	_, err := s.conn.Write(f)
	return err
}

func (s *rawStream) Close() error { return s.conn.Close() }

// Fields of an event the load generator reads without decoding it: the
// stream's events are hallq.Event in encoding/json's order (seq, type, at,
// ticket with its id first), the snapshot hallq.Snapshot.
var (
	seqField    = []byte(`"seq":`)
	calledType  = []byte(`"type":"ticket.called"`)
	ticketField = []byte(`"ticket":{"id":"`)
)

// eventSeq is the message's sequence number, or -1.
func eventSeq(msg []byte) int64 {
	i := bytes.Index(msg, seqField)
	if i < 0 {
		return -1
	}
	n, digits := int64(0), 0
	for _, c := range msg[i+len(seqField):] {
		if c < '0' || c > '9' {
			break
		}
		n = 10*n + int64(c-'0')
		digits++
	}
	if digits == 0 || digits > 18 {
		return -1
	}
	return n
}

// calledTicket is the id of the ticket a ticket.called event calls, or "".
func calledTicket(msg []byte) string {
	if !bytes.Contains(msg, calledType) {
		return ""
	}
	i := bytes.Index(msg, ticketField)
	if i < 0 {
		return ""
	}
	rest := msg[i+len(ticketField):]
	end := bytes.IndexByte(rest, '"')
	if end < 0 {
		return ""
	}
	return string(rest[:end])
}
