package queue

import (
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
