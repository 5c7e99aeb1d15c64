package hub

import (
	"sync"
	"sync/atomic"
	"testing"
)

func msg(seq int64) *Message { return NewMessage(seq, []byte(`{}`)) }

func TestPublishDropsFullSubscriberOnly(t *testing.T) {
	h := New()
	slow := h.Subscribe(2)
	fast := h.Subscribe(10)
	for i := int64(1); i <= 5; i++ {
		h.Publish(msg(i))
		// The fast one takes as it goes.
		<-fast.Ready()
		if got := fast.Take(nil); len(got) != 1 || got[0].Seq != i {
			t.Fatalf("fast took %v, want seq %d", got, i)
		}
	}
	select {
	case <-slow.Dropped:
	default:
		t.Fatal("slow subscriber was not dropped")
	}
	if got := slow.Take(nil); len(got) != 2 || got[0].Seq != 1 || got[1].Seq != 2 {
		t.Errorf("slow holds %d, want seqs 1 and 2 (what it had before the drop)", len(got))
	}
	if got, want := h.Len(), 1; got != want {
		t.Errorf("live subscribers %d, want %d", got, want)
	}
	if got := h.DroppedTotal(); got != 1 {
		t.Errorf("dropped %d, want 1", got)
	}
	h.Unsubscribe(slow) // after a drop: harmless
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
	h.Publish(msg(1), msg(2))
	for i := int64(3); i <= 100; i++ {
		h.Publish(msg(i))
	}
	<-s.Ready()
	got := s.Take(nil)
	if len(got) != 100 {
		t.Fatalf("took %d, want 100", len(got))
	}
	for i, m := range got {
		if m.Seq != int64(i+1) {
			t.Fatalf("message %d has seq %d", i, m.Seq)
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
	h.Publish(msg(101))
	<-s.Ready()
	if got := s.Take(got[:0]); len(got) != 1 || got[0].Seq != 101 {
		t.Errorf("then took %v, want seq 101", got)
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
