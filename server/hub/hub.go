// Package hub fans the hall's committed events out to websocket subscribers.
// Publishing never blocks: each subscriber has a bounded queue, and one that
// falls behind is dropped (it reconnects and resumes from the last sequence
// number it saw), so a slow screen can never delay anyone else.
package hub

import (
	"sync"

	"github.com/gorilla/websocket"
)

// Message is one event ready to send: its sequence number, its JSON, and the
// websocket frame encoded once for every subscriber.
type Message struct {
	Seq      int64
	JSON     []byte
	Prepared *websocket.PreparedMessage
}

// NewMessage prepares a message for broadcast.
func NewMessage(seq int64, data []byte) (*Message, error) {
	pm, err := websocket.NewPreparedMessage(websocket.TextMessage, data)
	if err != nil {
		return nil, err
	}
	return &Message{Seq: seq, JSON: data, Prepared: pm}, nil
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
