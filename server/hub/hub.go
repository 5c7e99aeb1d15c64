// Package hub fans the hall's committed events out to websocket subscribers.
// Publishing never blocks: each subscriber has a bounded queue, and one that
// falls behind is dropped (it reconnects and resumes from the last sequence
// number it saw), so a slow screen can never delay anyone else.
package hub

import (
	"encoding/binary"
	"net"
	"sync"
)

// Message is one event ready to send: its sequence number, its JSON, and its
// websocket frame, encoded once for every subscriber.
type Message struct {
	Seq  int64
	JSON []byte
	// Frame is the whole websocket text frame as a server sends it (not
	// masked): what goes on every subscriber's connection.
	Frame []byte

	publicJSON func() []byte // the public form's JSON (nil: it has none)
	publicOnce sync.Once
	public     *Message
}

// NewMessage prepares a message for broadcast.
func NewMessage(seq int64, data []byte) *Message {
	return &Message{Seq: seq, JSON: data, Frame: TextFrame(data)}
}

// NewEventMessage prepares a message that has a public form besides: what
// subscribers without a staff session receive instead of it. public gives
// that form's JSON (nil: none, the message is not for them); it is asked
// at most once, by the first public subscriber to send the message.
func NewEventMessage(seq int64, data []byte, public func() []byte) *Message {
	m := NewMessage(seq, data)
	m.publicJSON = public
	return m
}

// Public is the message's public form, encoded once for every public
// subscriber however many there are; nil when it has none. Each
// subscriber's goroutine asks it for each message it sends, so it takes
// no lock once the form is made.
func (m *Message) Public() *Message {
	m.publicOnce.Do(func() {
		if m.publicJSON == nil {
			return
		}
		if data := m.publicJSON(); data != nil {
			m.public = NewMessage(m.Seq, data)
		}
		m.publicJSON = nil // what it held (the event) is no longer needed
	})
	return m.public
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

// FrameWriter writes messages' frames to a connection, all that wait in
// one write (writev), however many there are: a screen that fell a few
// events behind catches up in one system call. It keeps the room for the
// list of frames from one write to the next: each screen's goroutine has
// one and writes with it for every event.
type FrameWriter struct {
	bufs net.Buffers
	out  net.Buffers // what WriteTo consumes (bufs keeps the room)
}

// Write writes the frames of msgs to conn in one write (writev).
func (w *FrameWriter) Write(conn net.Conn, msgs []*Message) error {
	w.bufs = w.bufs[:0]
	for _, m := range msgs {
		w.bufs = append(w.bufs, m.Frame)
	}
	w.out = w.bufs
	_, err := w.out.WriteTo(conn)
	clear(w.bufs) // the frames are the hub's to free
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

// Subscriber receives published messages until it is dropped or
// unsubscribed: Ready says that some are queued, Take takes them.
// Dropped is closed when the hub gave up on it because more than its
// limit waited. The queue holds only what waits (an idle screen holds no
// room for events), which matters with thousands of screens.
type Subscriber struct {
	mu      sync.Mutex
	queue   []*Message
	limit   int
	ready   chan struct{} // holds a token while the queue is not empty
	Dropped chan struct{}
	gone    bool
}

// keepRoom is the most room for waiting messages a subscriber keeps
// between bursts.
const keepRoom = 16

// Subscribe adds a subscriber that may have up to limit messages waiting.
func (h *Hub) Subscribe(limit int) *Subscriber {
	s := &Subscriber{limit: limit, ready: make(chan struct{}, 1), Dropped: make(chan struct{})}
	h.mu.Lock()
	h.subs[s] = struct{}{}
	h.mu.Unlock()
	return s
}

// Ready is readable when messages wait.
func (s *Subscriber) Ready() <-chan struct{} { return s.ready }

// Take appends the waiting messages, in order, to buf and returns it; the
// subscriber's own queue keeps its room for the next ones.
func (s *Subscriber) Take(buf []*Message) []*Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	buf = append(buf, s.queue...)
	clear(s.queue)
	s.queue = s.queue[:0]
	if cap(s.queue) > keepRoom {
		s.queue = nil // a burst's room is not kept
	}
	return buf
}

// Unsubscribe removes a subscriber; it is safe to call more than once.
func (h *Hub) Unsubscribe(s *Subscriber) {
	h.mu.Lock()
	delete(h.subs, s)
	s.gone = true
	h.mu.Unlock()
}

// Publish queues msgs, in order, for every subscriber, dropping any that
// would have more than its limit waiting.
func (h *Hub) Publish(msgs ...*Message) {
	if len(msgs) == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		s.mu.Lock()
		full := len(s.queue)+len(msgs) > s.limit
		if !full {
			s.queue = append(s.queue, msgs...)
		}
		s.mu.Unlock()
		if full {
			// Drop rather than block the hall or skip an event.
			delete(h.subs, s)
			s.gone = true
			close(s.Dropped)
			h.dropped++
			continue
		}
		select {
		case s.ready <- struct{}{}:
		default: // already told
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
