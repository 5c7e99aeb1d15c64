package queue

import (
	"testing"
	"time"

	"github.com/hallq/hallq"
)

// A clock set back must not change who is called first: within a service
// the order is the order of issue, never what the clock read.
func TestClockSetBackAcrossRestart(t *testing.T) {
	h := newHall(t)
	h.minutes(60) // 10:00
	var first []*hallq.Ticket
	for range 3 {
		first = append(first, h.issue("A", ""))
		h.minutes(1)
	}
	lastAt := h.e.LastEventAt()
	if want := first[2].IssuedAt; !lastAt.Equal(want) {
		t.Fatalf("LastEventAt %v, want A003's issue %v", lastAt, want)
	}
	h.restart()
	h.minutes(-30) // the server comes back with its clock 30 min behind
	if got := h.e.LastEventAt(); !got.Equal(lastAt) || !h.now.Before(got) {
		t.Errorf("after the restart LastEventAt is %v, want %v, later than the clock (%v)", got, lastAt, h.now)
	}
	late := h.issue("A", "")
	equal(t, "labels", []string{first[0].Label, first[1].Label, first[2].Label, late.Label}, []string{"A001", "A002", "A003", "A004"})
	if late.WaitingAhead != 3 {
		t.Errorf("A004 printed waiting_ahead %d, want 3", late.WaitingAhead)
	}
	equal(t, "waiting list", labels(h.e.Waiting(h.now, []string{"A"})), []string{"A001", "A002", "A003", "A004"})
	for i, id := range []string{first[0].ID, first[1].ID, first[2].ID, late.ID} {
		v, err := h.e.Ticket(h.now, id)
		if err != nil {
			t.Fatal(err)
		}
		if v.WaitingAhead != i {
			t.Errorf("%s: waiting_ahead %d, want %d", v.Label, v.WaitingAhead, i)
		}
	}
	prev := -1
	for _, tk := range h.e.Waiting(h.now, []string{"A"}) {
		if tk.EstimatedWaitS < prev {
			t.Errorf("%s: estimate %d s is shorter than the one before it (%d s)", tk.Label, tk.EstimatedWaitS, prev)
		}
		prev = tk.EstimatedWaitS
	}
	h.open(1, ann)
	equal(t, "calling order", h.drain(1, ann), []string{"A001", "A002", "A003", "A004"})
}

// The same with the clock jumping back and forth while the server runs,
// across services a counter serves, with a transfer keeping its place and
// under every priority policy.
func TestClockJumpsWhileRunning(t *testing.T) {
	for _, policy := range []string{hallq.PolicyStrict, hallq.PolicyAging, hallq.PolicyInterleave} {
		t.Run(policy, func(t *testing.T) {
			h := newHall(t, func(st *State) { st.Settings.PriorityPolicy = policy })
			h.issue("A", "") // A001 at 09:00
			h.minutes(1)
			h.issue("B", "") // B001 at 09:01
			h.open(2, bob)   // serves B, then A
			equal(t, "counter 2 calls", h.next(2, bob).Label, "B001")
			h.ticket(h.e.Transfer(h.now, 2, "A", bob)) // B001 into A, keeping its place of issue: after A001
			h.minutes(-45)                             // 08:16
			h.issue("A", "")                           // A002
			h.minutes(110)                             // 10:06
			h.issue("A", "")                           // A003
			h.minutes(-60)                             // 09:06
			h.issue("A", "")                           // A004
			equal(t, "A's queue", labels(h.e.Waiting(h.now, []string{"A"})), []string{"A001", "B001", "A002", "A003", "A004"})
			h.open(1, ann)
			equal(t, "calling order", h.drain(1, ann), []string{"A001", "B001", "A002", "A003", "A004"})
		})
	}
}

// A print hold cannot outlast MaxPrintHold because the clock went back.
func TestPrintHoldSurvivesNoClockSetBack(t *testing.T) {
	h := newHall(t)
	r := h.req("A", "")
	r.Hold = time.Minute
	held := h.ticket(h.e.Issue(h.now, r))
	h.minutes(-30)
	if !held.HeldUntil.After(h.now.Add(MaxHold)) {
		t.Fatalf("setup: the hold should now reach past MaxHold")
	}
	h.open(1, ann)
	if got := h.next(1, ann); got == nil || got.ID != held.ID {
		t.Fatalf("after the clock went back 30 min the held ticket is still held (next gave %v)", got)
	}
}
