package hub

import "testing"

func TestPublishDropsFullSubscriberOnly(t *testing.T) {
	h := New()
	slow := h.Subscribe(2)
	fast := h.Subscribe(10)
	for i := int64(1); i <= 5; i++ {
		m, err := NewMessage(i, []byte(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		h.Publish(m)
		// The fast one reads as it goes.
		if got := (<-fast.C).Seq; got != i {
			t.Fatalf("fast got seq %d, want %d", got, i)
		}
	}
	select {
	case <-slow.Dropped:
	default:
		t.Fatal("slow subscriber was not dropped")
	}
	if got, want := len(slow.C), 2; got != want {
		t.Errorf("slow queue holds %d, want %d (what it had before the drop)", got, want)
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

func TestTakeDrainsWithoutWaiting(t *testing.T) {
	h := New()
	s := h.Subscribe(10)
	var msgs []*Message
	for i := int64(1); i <= 5; i++ {
		m, err := NewMessage(i, []byte(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, m)
	}
	h.Publish(msgs...)
	got := s.Take(<-s.C, nil, 3)
	if len(got) != 3 || got[0].Seq != 1 || got[2].Seq != 3 {
		t.Fatalf("took %d, want seqs 1–3", len(got))
	}
	got = s.Take(<-s.C, got[:0], 10)
	if len(got) != 2 || got[0].Seq != 4 || got[1].Seq != 5 {
		t.Fatalf("took %d, want seqs 4 and 5", len(got))
	}
}
