package queue

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hallq/hallq"
)

func TestPriorityPolicies(t *testing.T) {
	type issue struct {
		at       time.Time
		service  string
		priority string
	}
	// p1, p2 come first; then four normal tickets.
	early := []issue{
		{monday(9, 0), "A", "elderly"},  // A001
		{monday(9, 1), "A", "pregnant"}, // A002
		{monday(9, 2), "A", ""},         // A003
		{monday(9, 3), "A", ""},         // A004
		{monday(9, 4), "A", ""},         // A005
		{monday(9, 5), "A", ""},         // A006
	}
	// For aging (30 min), called at 09:40.
	aging := []issue{
		{monday(9, 0), "A", ""},         // A001 waited 40 min: aged
		{monday(9, 10), "A", ""},        // A002 waited 30 min: aged
		{monday(9, 11), "A", ""},        // A003 waited 29 min
		{monday(9, 35), "A", "elderly"}, // A004
		{monday(9, 36), "A", ""},        // A005
	}
	tests := []struct {
		name   string
		policy string
		n      int // InterleaveN
		since  int // counter 1's SincePriority to start from
		issues []issue
		callAt time.Time
		want   []string
	}{
		{"strict: priority first, then oldest", hallq.PolicyStrict, 0, 0, early, monday(9, 10),
			[]string{"A001", "A002", "A003", "A004", "A005", "A006"}},
		{"strict: aging does not apply", hallq.PolicyStrict, 0, 0, aging, monday(9, 40),
			[]string{"A004", "A001", "A002", "A003", "A005"}},
		{"interleave 2: one priority after every 2 others", hallq.PolicyInterleave, 2, 0, early, monday(9, 10),
			[]string{"A003", "A004", "A001", "A005", "A006", "A002"}},
		{"interleave 2: counter already called 2 normals", hallq.PolicyInterleave, 2, 2, early, monday(9, 10),
			[]string{"A001", "A003", "A004", "A002", "A005", "A006"}},
		{"interleave 1: alternate", hallq.PolicyInterleave, 1, 0, early, monday(9, 10),
			[]string{"A003", "A001", "A004", "A002", "A005", "A006"}},
		{"interleave 3: priority anyway when no normal ticket waits", hallq.PolicyInterleave, 3, 0, early[:3], monday(9, 10),
			[]string{"A003", "A001", "A002"}},
		{"aging 30 min: long waiters rank with priority", hallq.PolicyAging, 0, 0, aging, monday(9, 40),
			[]string{"A001", "A002", "A004", "A003", "A005"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHall(t, func(st *State) {
				st.Settings.PriorityPolicy = tc.policy
				if tc.n > 0 {
					st.Settings.InterleaveN = tc.n
				}
				for i := range st.Counters {
					if st.Counters[i].ID == 1 {
						st.Counters[i].SincePriority = tc.since
					}
				}
			})
			for _, is := range tc.issues {
				h.at(is.at)
				h.issue(is.service, is.priority)
			}
			h.at(tc.callAt)
			h.open(1, ann)
			equal(t, "Waiting order", labels(h.e.Waiting(h.now, []string{"A", "B"})), tc.want)
			equal(t, "calling order", h.drain(1, ann), tc.want)
		})
	}
}

func TestInterleaveCountPersists(t *testing.T) {
	h := newHall(t, func(st *State) { st.Settings.PriorityPolicy, st.Settings.InterleaveN = hallq.PolicyInterleave, 2 })
	h.open(1, ann)
	h.issue("A", "")
	h.issue("A", "")
	h.issue("A", "")
	_, ch, err := h.e.Next(h.now, 1, ann)
	h.apply(ch)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "counter row written", ch.Counters[0].SincePriority, 1)
	h.finish(1, ann)
	h.next(1, ann)
	h.finish(1, ann)
	h.restart()
	c, _ := h.e.Counter(1)
	equal(t, "SincePriority after restart", c.SincePriority, 2)
	h.issue("A", "elderly")
	equal(t, "priority due", h.next(1, ann).Label, "A004")
	c, _ = h.e.Counter(1)
	equal(t, "reset by a priority call", c.SincePriority, 0)
}

func TestCounterServiceOrder(t *testing.T) {
	h := newHall(t)
	h.open(1, ann) // A then B
	h.open(2, bob) // B then A
	h.issue("B", "")
	h.minutes(1)
	h.issue("A", "")
	h.minutes(1)
	h.issue("A", "")
	equal(t, "counter 1 prefers A over an older B", h.next(1, ann).Label, "A001")
	equal(t, "counter 2 prefers B", h.next(2, bob).Label, "B001")
	h.finish(1, ann)
	h.finish(2, bob)
	equal(t, "counter 2 takes A when no B waits", h.next(2, bob).Label, "A002")
	h.finish(2, bob)

	h.issue("A", "")
	h.minutes(1)
	h.issue("B", "disabled")
	equal(t, "strict: priority beats the service order", h.next(1, ann).Label, "B002")
	equal(t, "Waiting in counter 2's order", labels(h.e.Waiting(h.now, []string{"B", "A"})), []string{"A003"})
}

func TestOldestFirst(t *testing.T) {
	h := newHall(t)
	for range 5 {
		h.issue("A", "")
		h.minutes(1)
	}
	// Issue times equal: the lower number first.
	h.issue("B", "")
	h.issue("B", "")
	h.open(1, ann)
	equal(t, "order", h.drain(1, ann), []string{"A001", "A002", "A003", "A004", "A005", "B001", "B002"})
}

func TestCallOutOfOrder(t *testing.T) {
	h := newHall(t)
	h.open(1, ann)
	a1 := h.issue("A", "")
	h.minutes(1)
	a2 := h.issue("A", "")
	h.minutes(1)
	a3 := h.issue("A", "")

	tk, ch, err := h.e.Call(h.now, 1, a2.ID, ann)
	h.ticket(tk, ch, err)
	equal(t, "called", tk.ID, a2.ID)
	equal(t, "ticket out of order", tk.OutOfOrder, true)
	equal(t, "event out of order", ch.Events[0].OutOfOrder, true)
	equal(t, "event type", ch.Events[0].Type, hallq.EventTicketCalled)
	h.finish(1, ann)
	got, _ := h.e.Ticket(h.now, a2.ID)
	equal(t, "stays out of order", got.OutOfOrder, true)

	tk, ch, err = h.e.Call(h.now, 1, a1.ID, ann)
	h.ticket(tk, ch, err)
	equal(t, "calling the next one anyway is in order", tk.OutOfOrder, false)
	equal(t, "event in order", ch.Events[0].OutOfOrder, false)
	h.finish(1, ann)
	equal(t, "next", h.next(1, ann).ID, a3.ID)
}

// randomQueue is the test hall on Monday 2 March 2026 under policy with
// up to 24 waiting tickets of services A and B drawn by rng: issued
// between 10:00 and 12:00 in any order against the issue order (as when
// the clock jumps back and forth; odd rounds number them in issue order),
// a third priority, a quarter booked for a slot half an hour either side
// of now and, with held, an eighth still held for their kiosk's print.
func randomQueue(rng *rand.Rand, policy string, round int, now time.Time, held bool) State {
	st := testState()
	st.Settings.PriorityPolicy = policy
	st.Settings.InterleaveN = 1 + rng.IntN(4)
	st.Day = "2026-03-02"
	for i := range rng.IntN(25) {
		tk := hallq.Ticket{ID: fmt.Sprint(i), Number: i, Service: []string{"A", "B"}[rng.IntN(2)],
			State: hallq.StateWaiting, Day: st.Day, IssuedAt: monday(10, 0).Add(time.Duration(rng.IntN(120)) * time.Minute)}
		if round%2 == 1 {
			tk.IssueSeq = int64(i + 1)
		}
		if rng.IntN(3) == 0 {
			tk.Priority = "elderly"
		}
		if rng.IntN(4) == 0 {
			tk.Booking, tk.SlotAt = "K"+tk.ID, new(now.Add(time.Duration(rng.IntN(61)-30)*time.Minute))
		}
		if held && rng.IntN(8) == 0 {
			tk.HeldUntil = new(now.Add(time.Minute))
		}
		st.Tickets = append(st.Tickets, tk)
	}
	return st
}

// TestAheadMatchesSort checks what the engine finds from its per-service
// queues against the full calling order, on random queues under every
// policy: each ticket's place in its service (views), and the ticket a
// counter calls next (the best of the service queues' heads).
func TestAheadMatchesSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	now := monday(12, 0)
	for _, policy := range []string{hallq.PolicyStrict, hallq.PolicyInterleave, hallq.PolicyAging} {
		for round := range 200 {
			st := randomQueue(rng, policy, round, now, true)
			for i, c := range st.Counters {
				if c.ID != 3 {
					st.Counters[i].State, st.Counters[i].Officer = hallq.CounterOpen, "ann"
					st.Counters[i].SincePriority = rng.IntN(6)
				}
			}
			e, err := New(st)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range []string{"A", "B"} {
				for i, tk := range e.waitingIn(now, s) {
					if got := e.ahead(now, tk); got != i {
						t.Fatalf("%s round %d: ticket %s: got %d ahead, want %d", policy, round, tk.ID, got, i)
					}
				}
			}
			for _, c := range e.counters {
				var all []*hallq.Ticket
				for _, tk := range e.allWaiting() {
					if c.Serves(tk.Service) && !tk.Held(now) {
						all = append(all, tk)
					}
				}
				o := e.orderFor(now, c)
				if got, want := o.first(e.candidates(now, c)), o.first(all); got != want {
					t.Fatalf("%s round %d: counter %d calls %v, want %v", policy, round, c.ID, got, want)
				}
			}
		}
	}
}

// TestFirstMatchesSort checks the linear search for the next ticket
// against the full calling order.
func TestFirstMatchesSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, policy := range []string{hallq.PolicyStrict, hallq.PolicyInterleave, hallq.PolicyAging} {
		for round := range 200 {
			st := randomQueue(rng, policy, round, monday(12, 0), false)
			e, err := New(st)
			if err != nil {
				t.Fatal(err)
			}
			o := e.newOrder(monday(12, 0), map[string]int{"B": 1}, rng.IntN(6))
			ts := e.allWaiting()
			sorted := o.sort(ts)
			var want *hallq.Ticket
			if len(sorted) > 0 {
				want = sorted[0]
			}
			if got := o.first(ts); got != want {
				t.Fatalf("%s round %d: first: got %v, want %v", policy, round, got, want)
			}
		}
	}
}
