// Package hub fans the hall's committed events out to websocket subscribers.
// Publishing never blocks: each subscriber has a bounded queue, and one that
// falls behind is dropped (it reconnects and resumes from the last sequence
// number it saw), so a slow screen can never delay anyone else.
package hub

import (
	"encoding/binary"
	"net"
	"sync"

	"github.com/gorilla/websocket"
)

// Message is one event ready to send: its sequence number, its JSON, and its
// websocket frame, encoded once for every subscriber.
type Message struct {
	Seq  int64
	JSON []byte
	// Frame is the whole websocket text frame as a server sends it (not
	// masked): what goes on every subscriber's connection.
	Frame    []byte
	Prepared *websocket.PreparedMessage
}

// NewMessage prepares a message for broadcast.
func NewMessage(seq int64, data []byte) (*Message, error) {
	pm, err := websocket.NewPreparedMessage(websocket.TextMessage, data)
	if err != nil {
		return nil, err
	}
	return &Message{Seq: seq, JSON: data, Frame: TextFrame(data), Prepared: pm}, nil
}

// TextFrame is a websocket text frame holding data, final and unmasked, as
// a server sends it (RFC 6455 section 5.2).
func TextFrame(data []byte) []byte {
	const fin, text = 0x80, 0x1
	n := len(data)
	var f []byte
	switch {
	case n < 126:
		f = append(make([]byte, 0, 2+n), fin|text, byte(n))
	case n <= 0xffff:
		f = append(make([]byte, 0, 4+n), fin|text, 126)
		f = binary.BigEndian.AppendUint16(f, uint16(n))
	default:
		f = append(make([]byte, 0, 10+n), fin|text, 127)
		f = binary.BigEndian.AppendUint64(f, uint64(n))
	}
	return append(f, data...)
}

// WriteFrames writes the frames of msgs to conn in one write (writev),
// however many there are: a screen that fell a few events behind catches
// up in one system call.
func WriteFrames(conn net.Conn, msgs []*Message) error {
	bufs := make(net.Buffers, len(msgs))
	for i, m := range msgs {
		bufs[i] = m.Frame
	}
	_, err := bufs.WriteTo(conn)
	return err
}

// Hub is the set of live subscribers.
type Hub struct {
	mu      sync.Mutex
	subs    map[*Subscriber]struct{}
	dropped int64
}

// New returns an empty hub.
func New() *Hub { return &Hub{subs: map[*Subscriber]struct{}{}} }

// Subscriber receives published messages on C until it is dropped or
// unsubscribed; Dropped is closed when the hub gave up on it because its
// queue was full.
type Subscriber struct {
	C       chan *Message
	Dropped chan struct{}
	gone    bool
}

// Take appends m and the messages queued after it, up to max in all,
// without waiting, to buf and returns it.
func (s *Subscriber) Take(m *Message, buf []*Message, max int) []*Message {
	buf = append(buf, m)
	for len(buf) < max {
		select {
		case m := <-s.C:
			buf = append(buf, m)
		default:
			return buf
		}
	}
	return buf
}

// Subscribe adds a subscriber whose queue holds up to buf messages.
func (h *Hub) Subscribe(buf int) *Subscriber {
	s := &Subscriber{C: make(chan *Message, buf), Dropped: make(chan struct{})}
	h.mu.Lock()
	h.subs[s] = struct{}{}
	h.mu.Unlock()
	return s
}

// Unsubscribe removes a subscriber; it is safe to call more than once.
func (h *Hub) Unsubscribe(s *Subscriber) {
	h.mu.Lock()
	delete(h.subs, s)
	s.gone = true
	h.mu.Unlock()
}

// Publish queues msgs, in order, for every subscriber, dropping any whose
// queue cannot take them all.
func (h *Hub) Publish(msgs ...*Message) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		for _, m := range msgs {
			select {
			case s.C <- m:
				continue
			default:
			}
			// Full: drop rather than block the hall or skip an event.
			delete(h.subs, s)
			s.gone = true
			close(s.Dropped)
			h.dropped++
			break
		}
	}
}

// Len is the number of live subscribers.
func (h *Hub) Len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// DroppedTotal is how many subscribers were dropped for being too slow.
func (h *Hub) DroppedTotal() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.dropped
}
