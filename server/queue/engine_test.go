package queue

import (
	"fmt"
	"testing"
	"time"

	"github.com/hallq/hallq"
)

func TestNewValidates(t *testing.T) {
	called := hallq.Ticket{ID: "t1", Label: "A001", Number: 1, Service: "A", State: hallq.StateCalled, Day: "2026-03-02",
		IssuedAt: monday(9, 0), CalledAt: new(monday(9, 1)), Counter: 1, Officer: "ann"}
	tests := []struct {
		name   string
		change func(st *State)
	}{
		{"bad settings", func(st *State) { st.Settings.PriorityPolicy = "fifo" }},
		{"unknown time zone", func(st *State) { st.Settings.TimeZone = "Asia/Nowhere" }},
		{"bad service", func(st *State) { st.Services[1].NameVI = "" }},
		{"service twice", func(st *State) { st.Services = append(st.Services, st.Services[0]) }},
		{"counter twice", func(st *State) { st.Counters = append(st.Counters, st.Counters[0]) }},
		{"counter zero", func(st *State) { st.Counters[0].ID = 0 }},
		{"counter of an unknown service", func(st *State) { st.Counters[0].Services = []string{"Z"} }},
		{"counter in a bad state", func(st *State) { st.Counters[0].State = "broken" }},
		{"current ticket unknown", func(st *State) {
			st.Counters[1].State, st.Counters[1].Officer, st.Counters[1].CurrentID = hallq.CounterOpen, "ann", "nope"
		}},
		{"current ticket at another counter", func(st *State) {
			st.Tickets = []hallq.Ticket{called}
			st.Counters[2].State, st.Counters[2].Officer, st.Counters[2].CurrentID = hallq.CounterOpen, "ann", "t1"
		}},
		{"current ticket at a closed counter", func(st *State) {
			st.Tickets = []hallq.Ticket{called}
			st.Counters[1].CurrentID = "t1"
		}},
		{"ticket twice", func(st *State) { st.Tickets = []hallq.Ticket{called, called} }},
		{"ticket without id", func(st *State) { tk := called; tk.ID = ""; st.Tickets = []hallq.Ticket{tk} }},
		{"ticket in a bad state", func(st *State) { tk := called; tk.State = "lost"; st.Tickets = []hallq.Ticket{tk} }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := testState()
			st.Day = "2026-03-02"
			tc.change(&st)
			e, err := New(st)
			wantErr(t, err, hallq.EINVALID, "")
			if e != nil {
				t.Errorf("got an engine, want nil")
			}
		})
	}
}

func TestNewLoads(t *testing.T) {
	called := hallq.Ticket{ID: "t1", Label: "A001", Number: 1, Service: "A", State: hallq.StateCalled, Day: "2026-03-02",
		IssuedAt: time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC), CalledAt: new(time.Date(2026, 3, 2, 2, 1, 0, 0, time.UTC)), Counter: 1, Officer: "ann"}
	st := testState()
	st.Day, st.LastSeq = "2026-03-02", 41
	st.Tickets = []hallq.Ticket{called}
	st.Counters[1].State, st.Counters[1].Officer, st.Counters[1].CurrentID = hallq.CounterOpen, "ann", "t1"
	st.Counters[2].Officer = "bob" // closed: nobody's
	st.Counters[0].State = ""      // as never set
	e, err := New(st)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "last seq", e.LastSeq(), int64(41))
	equal(t, "day", e.Day(), "2026-03-02")
	tk, _ := e.Ticket(monday(9, 2), "t1")
	equal(t, "times in the hall's zone", []any{tk.IssuedAt.Location(), tk.CalledAt.Location()}, []any{hcm, hcm})
	c, _ := e.Counter(1)
	equal(t, "current", c.Current.ID, "t1")
	c, _ = e.Counter(2)
	equal(t, "a closed counter has no officer", c.Officer, "")
	c, _ = e.Counter(3)
	equal(t, "empty state is closed", c.State, hallq.CounterClosed)
	if e.NewID == nil {
		t.Fatal("NewID not set")
	}
	id1, s1 := e.NewID()
	id2, s2 := e.NewID()
	if id1 == "" || s1 == "" || id1 == id2 || s1 == s2 || id1 == s1 {
		t.Errorf("NewID: got %q %q, %q %q; want fresh random strings", id1, s1, id2, s2)
	}
}

func TestEventSeqGapFree(t *testing.T) {
	st := testState()
	st.LastSeq = 41
	h := newHallAt(t, monday(8, 0), func(s *State) { *s = st })
	h.open(1, ann)
	h.issue("A", "")
	if _, _, err := h.e.Finish(h.now, 2, ann); err == nil {
		t.Fatal("finish at an idle counter: got no error")
	}
	h.issue("A", "")
	h.next(1, ann)
	h.apply(mustRate(t, h, 3, "pad1", 1, 0))
	if _, _, err := h.e.Next(h.now, 2, root); err == nil {
		t.Fatal("next at a closed counter: got no error")
	}
	h.ticket(h.e.Transfer(h.now, 1, "B", ann))
	h.at(monday(23, 59))
	h.tick()
	h.at(local(2026, 3, 3, 0, 0))
	h.tick()
	h.issue("A", "")
	var got []int64
	for _, ev := range h.store.events {
		got = append(got, ev.Seq)
	}
	for i, seq := range got {
		if seq != int64(42+i) {
			t.Fatalf("seqs: got %v, want 42, 43, … without a gap", got)
		}
	}
	equal(t, "last seq", h.e.LastSeq(), int64(41+len(got)))
}

func BenchmarkIssueWith1000Waiting(b *testing.B) {
	e, err := New(testState())
	if err != nil {
		b.Fatal(err)
	}
	now := monday(8, 0)
	e.Tick(now)
	st := e.services["A"]
	st.Prefix = "" // a range wide enough for the benchmark
	st.RangeFrom, st.RangeTo = 1, 1<<30
	for i := range 1000 {
		if _, _, err := e.Issue(now, IssueRequest{Service: "A", ID: fmt.Sprint("w", i), Secret: "s"}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := range b.N {
		t, _, err := e.Issue(now, IssueRequest{Service: "A", ID: fmt.Sprint("b", i), Secret: "s"})
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := e.Cancel(now, t.ID, "bench", Actor{}); err != nil {
			b.Fatal(err)
		}
	}
}
