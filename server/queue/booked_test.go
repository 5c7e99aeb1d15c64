package queue

import (
	"fmt"
	"testing"
	"time"

	"github.com/hallq/hallq"
)

// book checks a booked citizen in: a ticket of service with the booking's
// code and slot start.
func (h *hall) book(service, code string, slot time.Time) *hallq.Ticket {
	h.t.Helper()
	req := h.req(service, "")
	req.Booking, req.SlotAt = code, slot
	return h.ticket(h.e.Issue(h.now, req))
}

func withPolicy(policy string, n int) func(*State) {
	return func(st *State) {
		st.Settings.PriorityPolicy = policy
		if n > 0 {
			st.Settings.InterleaveN = n
		}
	}
}

// TestBookedCalledAtSlot: before its slot a booked ticket waits as a
// walk-in does, in order of issue; from its slot start it is called as a
// priority ticket is, under each policy.
func TestBookedCalledAtSlot(t *testing.T) {
	t.Run("strict", func(t *testing.T) {
		h := newHallAt(t, monday(8, 40), withPolicy(hallq.PolicyStrict, 0))
		h.issue("A", "") // A001 08:40
		h.minutes(5)
		b := h.book("A", "K7M2QX", monday(9, 0)) // A002, checked in 15 min early
		equal(t, "the ticket says its booking", []any{b.Booking, b.SlotAt.Equal(monday(9, 0)), b.SlotAt.Location()}, []any{"K7M2QX", true, hcm})
		h.minutes(1)
		h.issue("A", "") // A003 08:46
		h.issue("A", "") // A004
		h.at(monday(8, 55).Add(-time.Second))
		equal(t, "before it is due: issue order", labels(h.e.Waiting(h.now, nil)), []string{"A001", "A002", "A003", "A004"})
		h.at(monday(9, 0).Add(-BookedEarly))
		equal(t, "from BookedEarly before its slot: first", labels(h.e.Waiting(h.now, nil)), []string{"A002", "A001", "A003", "A004"})
		v, _ := h.e.Ticket(h.now, b.ID)
		equal(t, "nobody ahead of it", v.WaitingAhead, 0)
		h.open(1, ann)
		equal(t, "calling order", h.drain(1, ann), []string{"A002", "A001", "A003", "A004"})
	})
	t.Run("strict: a priority ticket issued before it goes first", func(t *testing.T) {
		h := newHallAt(t, monday(8, 50))
		h.book("A", "AAAAAA", monday(9, 0)) // A001
		h.minutes(1)
		h.issue("A", "elderly") // A002
		h.issue("A", "")        // A003
		h.book("A", "BBBBBB", monday(9, 15))
		h.at(monday(9, 5))
		h.open(1, ann)
		// A004 is not due before 09:10: it waits behind A003, issued before it.
		equal(t, "calling order", h.drain(1, ann), []string{"A001", "A002", "A003", "A004"})
	})
	t.Run("a booking whose slot begins while others wait jumps ahead then", func(t *testing.T) {
		h := newHallAt(t, monday(8, 50))
		for range 3 {
			h.issue("A", "")
		}
		h.book("A", "AAAAAA", monday(9, 0)) // A004
		h.issue("A", "")                    // A005
		h.open(1, ann)
		h.minutes(1)
		equal(t, "08:51", h.next(1, ann).Label, "A001")
		h.finish(1, ann)
		h.at(monday(8, 55))
		equal(t, "08:55", h.next(1, ann).Label, "A004")
		h.finish(1, ann)
		equal(t, "then the walk-ins", h.drain(1, ann), []string{"A002", "A003", "A005"})
	})
	t.Run("interleave: booked tickets take the priority turns", func(t *testing.T) {
		h := newHallAt(t, monday(8, 45), withPolicy(hallq.PolicyInterleave, 2))
		h.book("A", "AAAAAA", monday(9, 0)) // A001
		h.book("A", "BBBBBB", monday(9, 0)) // A002
		for range 4 {
			h.issue("A", "") // A003…A006
		}
		h.book("A", "CCCCCC", monday(10, 0)) // A007: not due today's morning
		h.at(monday(9, 0))
		want := []string{"A003", "A004", "A001", "A005", "A006", "A002", "A007"}
		equal(t, "Waiting order", labels(h.e.Waiting(h.now, []string{"A"})), want)
		h.open(1, ann)
		equal(t, "calling order", h.drain(1, ann), want)
	})
	t.Run("aging: a booking before its slot does not age", func(t *testing.T) {
		h := newHallAt(t, monday(8, 0), withPolicy(hallq.PolicyAging, 0))
		h.book("A", "AAAAAA", monday(9, 0)) // A001, long before its slot
		h.minutes(1)
		h.issue("A", "") // A002
		h.at(monday(8, 40))
		h.issue("A", "") // A003
		equal(t, "08:40: the walk-in of 08:01 has aged", labels(h.e.Waiting(h.now, nil)), []string{"A002", "A001", "A003"})
		h.at(monday(9, 0))
		equal(t, "09:00: front group in issue order", labels(h.e.Waiting(h.now, nil)), []string{"A001", "A002", "A003"})
	})
	t.Run("kept across a restart and a transfer", func(t *testing.T) {
		h := newHallAt(t, monday(8, 50))
		h.issue("B", "")                         // B001
		b := h.book("B", "AAAAAA", monday(9, 0)) // B002
		h.issue("A", "")                         // A001
		h.restart()
		h.at(monday(9, 0))
		equal(t, "after a restart", labels(h.e.Waiting(h.now, []string{"B"})), []string{"B002", "B001"})
		h.open(1, ann)
		equal(t, "called", h.next(1, ann).ID, b.ID)
		nt := h.ticket(h.e.Transfer(h.now, 1, "A", ann))
		equal(t, "the transfer keeps the booking", []any{nt.Booking, nt.SlotAt.Equal(monday(9, 0))}, []any{"AAAAAA", true})
		equal(t, "and goes first in its new service", labels(h.e.Waiting(h.now, []string{"A"})), []string{"B002", "A001"})
	})
	t.Run("marked priority", func(t *testing.T) {
		h := newHallAt(t, monday(8, 50))
		h.issue("A", "")
		b := h.book("A", "AAAAAA", monday(9, 30))
		h.ticket(h.e.MarkPriority(h.now, b.ID, "", meg))
		equal(t, "first", labels(h.e.Waiting(h.now, nil)), []string{"A002", "A001"})
		h.open(1, ann)
		equal(t, "calling order", h.drain(1, ann), []string{"A002", "A001"})
	})
}

func TestBookedIssueNeedsCodeAndSlot(t *testing.T) {
	h := newHall(t)
	req := h.req("A", "")
	req.Booking = "K7M2QX"
	_, ch, err := h.e.Issue(h.now, req)
	wantErr(t, err, hallq.EINVALID, "")
	equal(t, "no change", ch == nil, true)
	req = h.req("A", "")
	req.SlotAt = h.now
	_, _, err = h.e.Issue(h.now, req)
	wantErr(t, err, hallq.EINVALID, "")
}

// TestBookedEstimate: a walk-in's estimate counts the booked citizens
// checked in who will go ahead of it, and a booked ticket's estimate is
// not before its slot.
func TestBookedEstimate(t *testing.T) {
	h := newHallAt(t, monday(8, 30))
	h.open(1, ann)
	for range 3 {
		h.issue("A", "")
	}
	w := h.issue("A", "") // A004
	before, _ := h.e.Ticket(h.now, w.ID)
	h.minutes(1)
	b := h.book("A", "AAAAAA", monday(9, 0))
	after, _ := h.e.Ticket(h.now, w.ID)
	// One more ahead, for the default occupancy of 5 min at one counter.
	if d := after.EstimatedWaitS - before.EstimatedWaitS; d < 4*60 {
		t.Errorf("walk-in's estimate rose by %d s with a booking checked in behind it, want about one service (300 s)", d)
	}
	bv, _ := h.e.Ticket(h.now, b.ID)
	if slot := int(monday(9, 0).Sub(h.now) / time.Second); bv.EstimatedWaitS < slot {
		t.Errorf("booked ticket's estimate %d s is before its slot, %d s away", bv.EstimatedWaitS, slot)
	}
	all := h.e.Waiting(h.now, nil)
	for _, x := range all {
		if x.ID == b.ID && x.EstimatedWaitS != bv.EstimatedWaitS {
			t.Errorf("Waiting gives the booked ticket %d s, Ticket %d s", x.EstimatedWaitS, bv.EstimatedWaitS)
		}
		if x.ID == w.ID && x.EstimatedWaitS != after.EstimatedWaitS {
			t.Errorf("Waiting gives the walk-in %d s, Ticket %d s", x.EstimatedWaitS, after.EstimatedWaitS)
		}
	}
}

// TestEstimateCountsBookingsToCome: a walk-in's estimate counts the
// bookings not checked in yet whose citizens will be served ahead of it,
// each when it falls due, at the share of booked citizens who come; not
// those due after its turn, nor cancelled ones, nor a checked-in one
// twice.
func TestEstimateCountsBookingsToCome(t *testing.T) {
	h := newHallAt(t, monday(9, 0), func(st *State) {
		for i := range st.Services {
			st.Services[i].Booking = new(hallq.DefaultBookingSettings())
		}
	})
	// One counter, 10 min a citizen, six walk-ins waiting: a new one is
	// taken in 60 min.
	if err := h.e.SetUsualOccupancy(map[string]time.Duration{"A": 10 * time.Minute, "B": 10 * time.Minute}); err != nil {
		t.Fatal(err)
	}
	h.open(1, ann)
	for range 6 {
		h.issue("A", "")
	}
	estimate := func() time.Duration { return time.Duration(h.e.estimateNew(h.now, "A")) * time.Second }
	equal(t, "no bookings", estimate(), 60*time.Minute)

	n := 0
	book := func(service string, slot time.Time) string {
		t.Helper()
		n++
		code := fmt.Sprintf("K%05d", n)
		_, ch, err := h.e.Book(h.now, BookRequest{Service: service, Start: slot, Name: "An", Phone: "0905123456", Code: code, Secret: "s"}, Actor{})
		if err != nil {
			t.Fatal(err)
		}
		h.apply(ch)
		return code
	}
	// Two bookings at 09:30 (due 09:25) and one of B, which counter 1
	// also serves (after A, but a booked citizen is in the front group).
	first := book("A", monday(9, 30))
	book("A", monday(9, 30))
	book("B", monday(9, 45))
	// 0.9 of each expected (no booking of the hall has been missed or
	// checked in yet): the three come, each a service of 10 min ahead.
	equal(t, "three bookings due before its turn", estimate(), 90*time.Minute)
	// One due after the walk-in's turn changes nothing, nor one of
	// another day.
	book("A", monday(11, 15))
	book("A", monday(9, 30).AddDate(0, 0, 1))
	equal(t, "bookings due after its turn", estimate(), 90*time.Minute)
	// A cancelled booking is not counted.
	_, ch, err := h.e.CancelBooking(h.now, first, "s", Actor{})
	if err != nil {
		t.Fatal(err)
	}
	h.apply(ch)
	equal(t, "after a cancel", estimate(), 80*time.Minute)

	// At 09:16 the other 09:30 booking checks in: its ticket waits with
	// the front group; it is counted once, not also as a booking to come
	// or in the pace of priority visitors.
	h.at(monday(9, 16))
	before := estimate()
	_, _, ch, err = h.e.CheckIn(h.now, CheckInRequest{Code: "K00002", ID: "bk", Secret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	h.apply(ch)
	equal(t, "after the check-in", estimate(), before)

	// Bookings missed lower the share expected to come.
	h2 := newHallAt(t, monday(8, 0), func(st *State) {
		for i := range st.Services {
			b := hallq.DefaultBookingSettings()
			b.Capacity = 10
			st.Services[i].Booking = &b
		}
	})
	if got := h2.e.showRate(); got != priorShow {
		t.Errorf("show rate with no history %v, want %v", got, priorShow)
	}
	h = h2
	for range 9 {
		book("A", monday(8, 15))
	}
	book("A", monday(10, 0))
	h.at(monday(8, 26))
	h.apply(h.e.ExpireBookings(h.now))
	equal(t, "the share of booked citizens who come", h.e.showRate(), (priorShow*showWeight)/float64(9+showWeight))
}
