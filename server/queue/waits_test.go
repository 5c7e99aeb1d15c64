package queue

import (
	"testing"
	"time"

	"github.com/hallq/hallq"
)

// TestWaitTimesOfARequeue: a no-show put back in the queue waits a second
// time; both waits add up in WaitedMS, and its service runs from the call
// after the requeue (LastCalledAt), while CalledAt keeps the first call.
func TestWaitTimesOfARequeue(t *testing.T) {
	h := newHall(t, func(st *State) { st.Services[1].TargetWaitMin = 15 })
	h.open(1, ann)
	a1 := h.issue("A", "")
	equal(t, "joins the queue at issue", *a1.QueuedAt, monday(9, 0))
	equal(t, "target at issue", *a1.TargetWaitS, 900)
	h.minutes(10)
	h.next(1, ann) // first wait 10 min
	h.minutes(3)
	h.ticket(h.e.NoShow(h.now, 1, ann))
	h.minutes(20)
	rq := h.ticket(h.e.Requeue(h.now, a1.ID, ann))
	equal(t, "joins again at the requeue", *rq.QueuedAt, monday(9, 33))
	equal(t, "waited so far", rq.WaitedMS, int64(10*60_000))
	h.minutes(7)
	again := h.next(1, ann) // second wait 7 min
	equal(t, "both waits", again.WaitedMS, int64(17*60_000))
	equal(t, "first call kept", *again.CalledAt, monday(9, 10))
	equal(t, "the call that led to service", *again.LastCalledAt, monday(9, 40))
	h.minutes(1)
	h.ticket(h.e.Recall(h.now, 1, ann))
	h.minutes(4)
	done := h.finish(1, ann)
	equal(t, "a recall is not a call", *done.LastCalledAt, monday(9, 40))
	equal(t, "service time from that call", done.FinishedAt.Sub(*done.LastCalledAt), 5*time.Minute)

	// The times survive a restart.
	h.restart()
	got := h.e.tickets[a1.ID]
	equal(t, "after restart", []any{got.WaitedMS, *got.LastCalledAt, *got.QueuedAt}, []any{int64(17 * 60_000), monday(9, 40), monday(9, 33)})
}

// TestWaitTimesOfATransfer: the new ticket of a transfer joins the target
// service's queue at the transfer, under that service's target then, and
// waits from there.
func TestWaitTimesOfATransfer(t *testing.T) {
	h := newHall(t, func(st *State) { st.Services[1].TargetWaitMin = 15; st.Services[2].TargetWaitMin = 5 })
	h.open(1, ann)
	a1 := h.issue("A", "")
	h.minutes(2)
	h.next(1, ann)
	h.minutes(6)
	nt := h.ticket(h.e.Transfer(h.now, 1, "B", ann))
	equal(t, "keeps the issue time", nt.IssuedAt, a1.IssuedAt)
	equal(t, "joins B at the transfer", *nt.QueuedAt, monday(9, 8))
	equal(t, "B's target", *nt.TargetWaitS, 300)
	equal(t, "has not waited yet", nt.WaitedMS, int64(0))
	h.minutes(4)
	b := h.next(1, ann)
	equal(t, "waited in B", b.WaitedMS, int64(4*60_000))
}

// TestTargetsAreLogged: every change of the hall's targets is an event of
// its log, with the targets before and after: a target wait, a goal, also
// one made while the hall was stopped; nothing else is.
func TestTargetsAreLogged(t *testing.T) {
	h := newHall(t, func(st *State) { st.Services[1].TargetWaitMin = 15 })
	changes := func() []hallq.Event {
		var out []hallq.Event
		for _, ev := range h.store.events {
			if ev.Type == hallq.EventHallTargets {
				out = append(out, ev)
			}
		}
		return out
	}
	equal(t, "nothing changed at the start", len(changes()), 0)
	a1 := h.issue("A", "")
	svc := h.e.services["A"]
	changed := *svc
	changed.TargetWaitMin = 5
	h.minutes(30)
	_, ch, err := h.e.PutService(h.now, changed, root)
	if err != nil {
		t.Fatal(err)
	}
	h.apply(ch)
	equal(t, "events of the change", eventTypes(ch), []hallq.EventType{EventHallConfigured, hallq.EventHallTargets})
	ev := ch.Events[1]
	equal(t, "before and after", []int{ev.PreviousTargets.WaitMin["A"], ev.Targets.WaitMin["A"]}, []int{15, 5})
	equal(t, "goals", []int{ev.Targets.OverWaitPct, ev.Targets.SatisfiedPct, ev.Targets.SatisfiedMin, ev.Targets.TopScore}, []int{10, 80, 2, 3})
	equal(t, "the waiting ticket keeps its target", *h.e.tickets[a1.ID].TargetWaitS, 900)
	equal(t, "a new ticket has the new one", *h.issue("A", "").TargetWaitS, 300)

	renamed := changed
	renamed.NameEN = "Civil status"
	_, ch, err = h.e.PutService(h.now, renamed, root)
	if err != nil {
		t.Fatal(err)
	}
	h.apply(ch)
	equal(t, "a rename changes no target", eventTypes(ch), []hallq.EventType{EventHallConfigured})

	set := h.e.Settings()
	set.TargetSatisfiedPct = 90
	_, ch, err = h.e.PutSettings(h.now, set, root)
	if err != nil {
		t.Fatal(err)
	}
	h.apply(ch)
	equal(t, "a goal changed", eventTypes(ch), []hallq.EventType{EventHallConfigured, hallq.EventHallTargets})

	h.restart()
	if ch := h.tick(); ch != nil {
		t.Errorf("after a restart: got %v, want nothing logged again", eventTypes(ch))
	}
	equal(t, "changes logged", len(changes()), 2)

	// A target changed while the hall was stopped is logged at its start.
	st := h.store.state()
	for i := range st.Services {
		if st.Services[i].Code == "B" {
			st.Services[i].TargetWaitMin = 7
		}
	}
	h.build(st)
	ch = h.tick()
	equal(t, "the stopped hall's change", eventTypes(ch), []hallq.EventType{hallq.EventHallTargets})
	equal(t, "B before and after", []int{ch.Events[0].PreviousTargets.WaitMin["B"], ch.Events[0].Targets.WaitMin["B"]}, []int{0, 7})
}
