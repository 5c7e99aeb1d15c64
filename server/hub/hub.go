// Package hub fans the hall's committed events out to websocket subscribers.
// Publishing never blocks: each subscriber has a bounded queue, and one that
// falls behind is dropped (it reconnects and resumes from the last sequence
// number it saw), so a slow screen can never delay anyone else.
package hub

import (
	"encoding/binary"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
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

// Writer is a subscriber's connection as the hub writes to it directly:
// TryWrite writes what of frames the connection takes now, in order,
// without waiting, and says how many bytes that was (0 when it takes
// nothing now); an error is a broken connection.
type Writer interface {
	TryWrite(frames [][]byte) (int, error)
}

// Hub is the set of live subscribers.
//
// It writes each event to each subscriber's connection itself, from a few
// goroutines of its own (one per shard of the subscribers, each running
// only while it has events to deliver), with a write that never waits: a
// screen that takes the event at once costs one system call and no
// goroutine of its own. Only what a connection does not take at once (its
// socket is full, or its own goroutine is writing) waits in the
// subscriber's queue for that goroutine (Ready, TakeFrames).
type Hub struct {
	mu      sync.Mutex
	gen     uint64 // how many times Publish was called
	shards  []*shard
	next    int // the shard the next subscriber joins
	dropped atomic.Int64
}

// shard is a part of the hub's subscribers, and the events waiting to be
// delivered to them by its goroutine.
type shard struct {
	mu      sync.Mutex
	subs    []*Subscriber
	pending []batch
	running bool // its goroutine is delivering

	// The goroutine's own, kept from one round to the next.
	round   []*Subscriber
	taken   []batch
	all     []*Message
	frames  [2][][]byte // every message's frame; the public ones'
	starts  [][3]int    // where each batch starts in all and frames
	scratch [][]byte
}

// batch is what one Publish call published.
type batch struct {
	gen  uint64
	msgs []*Message
}

// yieldEvery is how many subscribers a shard's goroutine writes to before
// it lets other goroutines run: with thousands of screens a fan-out takes
// tens of milliseconds of CPU, and the officers' own requests (and the
// commit of the next call) must not wait for all of it.
const yieldEvery = 64

// New returns an empty hub.
func New() *Hub {
	h := &Hub{}
	for range max(1, runtime.GOMAXPROCS(0)) {
		h.shards = append(h.shards, &shard{})
	}
	return h
}

// Subscriber receives published messages until it is dropped or
// unsubscribed. Until Attach, or when its connection does not take an
// event at once, messages wait in its queue: Ready says that some do,
// TakeFrames takes them. Dropped is closed when the hub gave up on it
// because more than its limit waited. The queue holds only what waits (an
// idle screen holds no room for events), which matters with thousands of
// screens.
type Subscriber struct {
	mu    sync.Mutex
	queue []*Message
	// off is how much of the first queued message's frame is already
	// written: a write that the socket took only part of.
	off     int
	limit   int
	ready   chan struct{} // holds a token while the queue is not empty
	Dropped chan struct{}
	gone    bool
	gen     uint64 // the hub's gen when it subscribed: later batches are its
	w       Writer // set by Attach: the hub writes to it directly
	public  bool   // the public form of each message (Message.Public)
	held    bool   // its own goroutine is writing (TakeFrames to Release)

	sh  *shard
	idx int // in sh.subs (-1: not there); guarded by sh.mu
}

// keepRoom is the most room for waiting messages a subscriber keeps
// between bursts.
const keepRoom = 16

// Subscribe adds a subscriber that may have up to limit messages waiting.
// It gets every message published after it subscribed.
func (h *Hub) Subscribe(limit int) *Subscriber {
	s := &Subscriber{limit: limit, ready: make(chan struct{}, 1), Dropped: make(chan struct{})}
	h.mu.Lock()
	s.gen = h.gen
	s.sh = h.shards[h.next%len(h.shards)]
	h.next++
	s.sh.mu.Lock()
	s.idx = len(s.sh.subs)
	s.sh.subs = append(s.sh.subs, s)
	s.sh.mu.Unlock()
	h.mu.Unlock()
	return s
}

// Attach lets the hub write to w directly from now on (w nil: never; its
// own goroutine writes everything, through TakeFrames), public
// subscribers receiving each message's public form. It is called once,
// before TakeFrames.
func (s *Subscriber) Attach(w Writer, public bool) {
	s.mu.Lock()
	s.w, s.public = w, public
	s.mu.Unlock()
}

// Ready is readable when messages wait.
func (s *Subscriber) Ready() <-chan struct{} { return s.ready }

// frame is m's frame as this subscriber receives it (nil: none).
func (s *Subscriber) frame(m *Message) []byte {
	if s.public {
		if m = m.Public(); m == nil {
			return nil
		}
	}
	return m.Frame
}

// TakeFrames appends the frames of the waiting messages, in order, to buf
// and returns it; the first may be what is left of a frame the hub began.
// The caller then holds the connection: the hub writes nothing to it
// until Release, so it must write them all, and may write control frames
// after them. The subscriber's own queue keeps its room for the next ones.
func (s *Subscriber) TakeFrames(buf [][]byte) [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.held = true
	for i, m := range s.queue {
		if f := s.frame(m); len(f) > 0 {
			if i == 0 {
				f = f[s.off:]
			}
			buf = append(buf, f)
		}
	}
	s.off = 0
	clear(s.queue)
	s.queue = s.queue[:0]
	if cap(s.queue) > keepRoom {
		s.queue = nil // a burst's room is not kept
	}
	return buf
}

// Claim holds the connection, as TakeFrames does, to end it: it gives
// only what is left of a frame the hub began (nil: none), which must go
// before a close frame; the messages waiting after it are not sent.
func (s *Subscriber) Claim() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.held = true
	if s.off == 0 || len(s.queue) == 0 {
		return nil
	}
	rest := s.frame(s.queue[0])[s.off:]
	s.off = 0
	s.queue = s.queue[1:]
	return rest
}

// Release gives the connection back to the hub after TakeFrames; what
// came meanwhile waits for the next TakeFrames (Ready says so).
func (s *Subscriber) Release() {
	s.mu.Lock()
	s.held = false
	s.mu.Unlock()
}

// Unsubscribe removes a subscriber; it is safe to call more than once.
// Once it returns the hub writes nothing more to the subscriber's
// connection.
func (h *Hub) Unsubscribe(s *Subscriber) {
	s.sh.remove(s)
	s.mu.Lock()
	s.gone = true
	s.mu.Unlock()
}

func (sh *shard) remove(s *Subscriber) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if s.idx < 0 {
		return
	}
	last := sh.subs[len(sh.subs)-1]
	sh.subs[s.idx], last.idx = last, s.idx
	sh.subs[len(sh.subs)-1] = nil
	sh.subs = sh.subs[:len(sh.subs)-1]
	s.idx = -1
}

// Publish delivers msgs, in order, to every subscriber, dropping any that
// would have more than its limit waiting. It does not wait for the
// writes: the shards' goroutines make them.
func (h *Hub) Publish(msgs ...*Message) {
	if len(msgs) == 0 {
		return
	}
	msgs = slices.Clone(msgs)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.gen++
	for _, sh := range h.shards {
		sh.mu.Lock()
		sh.pending = append(sh.pending, batch{h.gen, msgs})
		start := !sh.running
		sh.running = true
		sh.mu.Unlock()
		if start {
			go sh.run(h)
		}
	}
}

// run delivers the shard's pending batches until none is left.
func (sh *shard) run(h *Hub) {
	for {
		sh.mu.Lock()
		if len(sh.pending) == 0 {
			sh.running = false
			sh.mu.Unlock()
			return
		}
		sh.taken, sh.pending = sh.pending, sh.taken[:0]
		sh.round = append(sh.round[:0], sh.subs...)
		sh.mu.Unlock()
		sh.deliver(h)
		clear(sh.taken)
		clear(sh.round)
	}
}

// deliver writes the batches taken to every subscriber of the round.
func (sh *shard) deliver(h *Hub) {
	sh.all = sh.all[:0]
	sh.frames[0], sh.frames[1] = sh.frames[0][:0], sh.frames[1][:0]
	sh.starts = sh.starts[:0]
	for _, b := range sh.taken {
		sh.starts = append(sh.starts, [3]int{len(sh.all), len(sh.frames[0]), len(sh.frames[1])})
		for _, m := range b.msgs {
			sh.all = append(sh.all, m)
			sh.frames[0] = append(sh.frames[0], m.Frame)
			if p := m.Public(); p != nil {
				sh.frames[1] = append(sh.frames[1], p.Frame)
			}
		}
	}
	writes := 0
	for _, s := range sh.round {
		// A subscriber gets the batches published after it subscribed:
		// usually all of them.
		i := 0
		for i < len(sh.taken) && sh.taken[i].gen <= s.gen {
			i++
		}
		if i == len(sh.taken) {
			continue
		}
		msgs := sh.all[sh.starts[i][0]:]
		if sh.send(h, s, msgs, i) {
			if writes++; writes%yieldEvery == 0 {
				runtime.Gosched()
			}
		}
	}
	clear(sh.all)
	clear(sh.frames[0])
	clear(sh.frames[1])
}

// send writes msgs (from batch i on) to s directly when nothing of s's
// waits and its goroutine is not writing; what the connection does not
// take waits in s's queue for its goroutine. It reports whether it wrote.
func (sh *shard) send(h *Hub, s *Subscriber, msgs []*Message, i int) (wrote bool) {
	s.mu.Lock()
	if s.gone {
		s.mu.Unlock()
		return false
	}
	if s.w != nil && !s.held && len(s.queue) == 0 {
		wrote = true
		frames := sh.frames[0][sh.starts[i][1]:]
		if s.public {
			frames = sh.frames[1][sh.starts[i][2]:]
		}
		if len(frames) == 0 {
			s.mu.Unlock()
			return false
		}
		n, err := s.w.TryWrite(frames)
		if err == nil && n == total(frames) {
			s.mu.Unlock()
			return true
		}
		// The rest waits for the subscriber's goroutine, which ends the
		// stream if the connection is broken.
		k := 0
		for k < len(msgs) {
			f := s.frame(msgs[k])
			if len(f) > n {
				break
			}
			n -= len(f)
			k++
		}
		msgs, s.off = msgs[k:], n
	}
	// What fits waits; a subscriber that would have more than its limit
	// waiting is dropped rather than block the hall or skip an event.
	room := s.limit - len(s.queue)
	full := len(msgs) > room
	s.queue = append(s.queue, msgs[:min(len(msgs), max(room, 0))]...)
	if full {
		s.gone = true
		close(s.Dropped)
		h.dropped.Add(1)
	}
	s.mu.Unlock()
	if full {
		sh.remove(s)
		return wrote
	}
	select {
	case s.ready <- struct{}{}:
	default: // already told
	}
	return wrote
}

func total(frames [][]byte) int {
	n := 0
	for _, f := range frames {
		n += len(f)
	}
	return n
}

// Len is the number of live subscribers.
func (h *Hub) Len() int {
	n := 0
	for _, sh := range h.shards {
		sh.mu.Lock()
		n += len(sh.subs)
		sh.mu.Unlock()
	}
	return n
}

// DroppedTotal is how many subscribers were dropped for being too slow.
func (h *Hub) DroppedTotal() int64 { return h.dropped.Load() }
