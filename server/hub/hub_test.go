package hub

import (
	"bytes"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func msg(seq int64) *Message { return NewMessage(seq, []byte(`{}`)) }

// settle waits until the hub's goroutines have delivered everything
// published so far.
func settle(t *testing.T, h *Hub) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for _, sh := range h.shards {
		for {
			sh.mu.Lock()
			busy := sh.running
			sh.mu.Unlock()
			if !busy {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the hub is still delivering after a minute")
			}
			time.Sleep(time.Millisecond)
		}
	}
}

func TestPublishDropsFullSubscriberOnly(t *testing.T) {
	h := New()
	slow := h.Subscribe(2)
	fast := h.Subscribe(10)
	var want [][]byte
	for i := int64(1); i <= 5; i++ {
		m := NewMessage(i, []byte{byte('0' + i)})
		want = append(want, m.Frame)
		h.Publish(m)
		// The fast one takes as it goes.
		<-fast.Ready()
		got := fast.TakeFrames(nil)
		fast.Release()
		if len(got) != 1 || !bytes.Equal(got[0], m.Frame) {
			t.Fatalf("fast took %q, want %q", got, m.Frame)
		}
	}
	select {
	case <-slow.Dropped:
	case <-time.After(time.Minute):
		t.Fatal("slow subscriber was not dropped")
	}
	if got := slow.TakeFrames(nil); len(got) != 2 || !bytes.Equal(got[0], want[0]) || !bytes.Equal(got[1], want[1]) {
		t.Errorf("slow holds %q, want seqs 1 and 2 (what it had before the drop)", got)
	}
	if got, want := h.Len(), 1; got != want {
		t.Errorf("live subscribers %d, want %d", got, want)
	}
	if got := h.DroppedTotal(); got != 1 {
		t.Errorf("dropped %d, want 1", got)
	}
	h.Unsubscribe(slow) // after a drop: harmless
	h.Unsubscribe(fast)
	h.Unsubscribe(fast)
	if h.Len() != 0 {
		t.Errorf("subscribers left after unsubscribe: %d", h.Len())
	}
}

// A subscriber is told once that messages wait, however many come, and
// takes them all in order; an idle one keeps no room for a past burst.
func TestTakeEverythingWaiting(t *testing.T) {
	h := New()
	s := h.Subscribe(256)
	var want [][]byte
	m1, m2 := msg(1), msg(2)
	h.Publish(m1, m2)
	want = append(want, m1.Frame, m2.Frame)
	for i := int64(3); i <= 100; i++ {
		m := NewMessage(i, []byte{byte(i)})
		want = append(want, m.Frame)
		h.Publish(m)
	}
	settle(t, h)
	<-s.Ready()
	got := s.TakeFrames(nil)
	s.Release()
	if len(got) != 100 {
		t.Fatalf("took %d, want 100", len(got))
	}
	for i := range got {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("frame %d is %q, want %q", i, got[i], want[i])
		}
	}
	select {
	case <-s.Ready():
		t.Error("told again with nothing new")
	default:
	}
	if cap(s.queue) > keepRoom {
		t.Errorf("an idle subscriber keeps room for %d", cap(s.queue))
	}
	m := msg(101)
	h.Publish(m)
	<-s.Ready()
	if got := s.TakeFrames(got[:0]); len(got) != 1 || !bytes.Equal(got[0], m.Frame) {
		t.Errorf("then took %q, want %q", got, m.Frame)
	}
}

// conn is a connection that takes, on each write, a random part of what
// it is given (often all, sometimes nothing), as a socket whose buffer
// fills does.
type conn struct {
	mu    sync.Mutex
	got   bytes.Buffer
	rnd   *rand.Rand
	calls int
}

func (c *conn) TryWrite(frames [][]byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	total := 0
	for _, f := range frames {
		total += len(f)
	}
	n := total
	if c.rnd.IntN(3) == 0 {
		n = c.rnd.IntN(total + 1)
	}
	c.write(frames, n)
	return n, nil
}

// write appends the first n bytes of frames.
func (c *conn) write(frames [][]byte, n int) {
	for _, f := range frames {
		k := min(n, len(f))
		c.got.Write(f[:k])
		n -= k
	}
}

// TestDirectWritesKeepOrder: the hub writes to attached subscribers
// itself, and what a connection does not take at once (part of a frame,
// or nothing) its goroutine writes after; every subscriber's connection
// then holds every frame once, whole and in order, public subscribers
// the public forms only; one subscribed midway gets what was published
// after it.
func TestDirectWritesKeepOrder(t *testing.T) {
	h := New()
	const n = 300
	var msgs []*Message
	var private, public bytes.Buffer
	for i := range int64(n) {
		data := bytes.Repeat([]byte{byte('a' + i%26)}, 1+int(i%200))
		var m *Message
		if i%3 == 0 {
			m = NewEventMessage(i+1, data, func() []byte { return nil }) // not public
		} else {
			m = NewEventMessage(i+1, data, func() []byte { return data[:1+len(data)/2] })
			public.Write(m.Public().Frame)
		}
		private.Write(m.Frame)
		msgs = append(msgs, m)
	}
	type screen struct {
		sub    *Subscriber
		c      *conn
		public bool
		done   chan struct{}
	}
	var screens []*screen
	var stop atomic.Bool
	start := func(seed uint64, public bool) *screen {
		sc := &screen{sub: h.Subscribe(n), c: &conn{rnd: rand.New(rand.NewPCG(seed, 1))}, public: public, done: make(chan struct{})}
		sc.sub.Attach(sc.c, public)
		go func() { // the stream's goroutine
			defer close(sc.done)
			for !stop.Load() {
				select {
				case <-sc.sub.Ready():
					frames := sc.sub.TakeFrames(nil)
					sc.c.mu.Lock()
					sc.c.write(frames, 1<<30)
					sc.c.mu.Unlock()
					sc.sub.Release()
				case <-time.After(time.Millisecond):
				}
			}
		}()
		screens = append(screens, sc)
		return sc
	}
	for i := range 8 {
		start(uint64(i), i%2 == 1)
	}
	var late *screen
	for i, m := range msgs {
		if i == n/2 {
			settle(t, h)
			late = start(99, false)
		}
		h.Publish(m)
	}
	settle(t, h)
	for _, sc := range screens {
		want := private.Bytes()
		if sc.public {
			want = public.Bytes()
		}
		if sc == late {
			var tail bytes.Buffer
			for _, m := range msgs[n/2:] {
				tail.Write(m.Frame)
			}
			want = tail.Bytes()
		}
		deadline := time.Now().Add(time.Minute)
		for {
			sc.c.mu.Lock()
			got := bytes.Clone(sc.c.got.Bytes())
			sc.c.mu.Unlock()
			if bytes.Equal(got, want) {
				break
			}
			if len(got) > len(want) || !bytes.Equal(got, want[:len(got)]) || time.Now().After(deadline) {
				t.Fatalf("a screen (public %v) got %d bytes, not the %d published in order", sc.public, len(got), len(want))
			}
			time.Sleep(time.Millisecond)
		}
	}
	stop.Store(true)
	for _, sc := range screens {
		<-sc.done
		if sc.c.calls == 0 {
			t.Error("the hub never wrote to a screen itself")
		}
	}
	if d := h.DroppedTotal(); d != 0 {
		t.Errorf("%d dropped", d)
	}
}

// TestPublicFormMadeOnce: however many subscribers' goroutines ask a
// message for its public form at once, it is encoded once and they all
// get the same frame; a message without one gives nil.
func TestPublicFormMadeOnce(t *testing.T) {
	var made atomic.Int32
	m := NewEventMessage(7, []byte(`{"seq":7,"officer":"lan"}`), func() []byte {
		made.Add(1)
		return []byte(`{"seq":7}`)
	})
	got := make([]*Message, 100)
	var wg sync.WaitGroup
	for i := range got {
		wg.Go(func() { got[i] = m.Public() })
	}
	wg.Wait()
	if n := made.Load(); n != 1 {
		t.Errorf("public form encoded %d times, want once", n)
	}
	for i, p := range got {
		if p != got[0] || p == nil || p.Seq != 7 || string(p.Frame) != string(TextFrame([]byte(`{"seq":7}`))) {
			t.Fatalf("subscriber %d got %+v", i, p)
		}
	}
	if p := NewMessage(8, []byte(`{}`)).Public(); p != nil {
		t.Errorf("a message without a public form gave %+v", p)
	}
	if p := NewEventMessage(9, []byte(`{}`), func() []byte { return nil }).Public(); p != nil {
		t.Errorf("a message whose public form is nothing gave %+v", p)
	}
}
