package queue

import (
	"testing"
	"time"

	"github.com/hallq/hallq"
)

func TestTicketLife(t *testing.T) {
	h := newHall(t)
	h.open(1, ann)
	a := h.issue("A", "")
	h.minutes(4)

	tk, ch, err := h.e.Next(h.now, 1, ann)
	h.ticket(tk, ch, err)
	equal(t, "called state", tk.State, hallq.StateCalled)
	equal(t, "called at", *tk.CalledAt, monday(9, 4))
	equal(t, "counter", tk.Counter, 1)
	equal(t, "officer", tk.Officer, "ann")
	equal(t, "wait", tk.WaitSeconds(), 240)
	equal(t, "rows", len(ch.Tickets)+len(ch.Counters), 2)
	equal(t, "counter row current", ch.Counters[0].CurrentID, a.ID)
	equal(t, "counter row ticket", ch.Counters[0].Current.ID, a.ID)
	ev := ch.Events[0]
	equal(t, "event", []any{ev.Type, ev.Counter, ev.Officer, ev.Actor, ev.Ticket.State},
		[]any{hallq.EventTicketCalled, 1, "ann", "user:ann", hallq.StateCalled})

	h.minutes(1)
	tk, ch, err = h.e.Recall(h.now, 1, ann)
	h.ticket(tk, ch, err)
	equal(t, "recalls", tk.Recalls, 1)
	equal(t, "recall keeps state", tk.State, hallq.StateCalled)
	equal(t, "recall keeps first call", *tk.CalledAt, monday(9, 4))
	equal(t, "recall event", eventTypes(ch), []hallq.EventType{hallq.EventTicketRecalled})

	h.minutes(1)
	tk = h.ticket(h.e.Start(h.now, 1, ann))
	equal(t, "serving", tk.State, hallq.StateServing)
	equal(t, "started at", *tk.StartedAt, monday(9, 6))

	h.minutes(7)
	tk, ch, err = h.e.Finish(h.now, 1, ann)
	h.ticket(tk, ch, err)
	equal(t, "done", tk.State, hallq.StateDone)
	equal(t, "finished at", *tk.FinishedAt, monday(9, 13))
	equal(t, "counter freed", ch.Counters[0].CurrentID, "")
	equal(t, "finish event", eventTypes(ch), []hallq.EventType{hallq.EventTicketFinished})
	c, _ := h.e.Counter(1)
	if c.Current != nil {
		t.Errorf("counter current: got %v, want nil", c.Current)
	}
	h.minutes(1)
	tk, ch, err = h.e.Next(h.now, 1, ann)
	if tk != nil || ch != nil || err != nil {
		t.Errorf("next with nobody waiting: got %v, %v, %v; want nil, nil, nil", tk, ch, err)
	}
}

func TestFinishFromCalled(t *testing.T) {
	h := newHall(t)
	h.open(1, ann)
	h.issue("A", "")
	h.next(1, ann)
	h.minutes(3)
	tk := h.finish(1, ann)
	equal(t, "done without start", tk.State, hallq.StateDone)
	equal(t, "no start", tk.StartedAt, (*time.Time)(nil))
}

func TestRecallBecomesNoShow(t *testing.T) {
	tests := []struct {
		name       string
		maxRecalls int
		recalls    int // successful recalls before the last one
		wantState  hallq.TicketState
	}{
		{"third recall allowed", 3, 2, hallq.StateCalled},
		{"fourth recall is a no-show", 3, 3, hallq.StateNoShow},
		{"one allowed: second is a no-show", 1, 1, hallq.StateNoShow},
		{"unlimited", 0, 10, hallq.StateCalled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHall(t, func(st *State) { st.Settings.MaxRecalls = tc.maxRecalls })
			h.open(1, ann)
			h.issue("A", "")
			h.issue("A", "")
			h.next(1, ann)
			for range tc.recalls {
				h.ticket(h.e.Recall(h.now, 1, ann))
			}
			tk, ch, err := h.e.Recall(h.now, 1, ann)
			h.ticket(tk, ch, err)
			equal(t, "state", tk.State, tc.wantState)
			if tc.wantState != hallq.StateNoShow {
				equal(t, "recalls", tk.Recalls, tc.recalls+1)
				return
			}
			equal(t, "recalls kept", tk.Recalls, tc.recalls)
			equal(t, "reason", tk.Reason, "max_recalls")
			equal(t, "event", []any{ch.Events[0].Type, ch.Events[0].Reason}, []any{hallq.EventTicketNoShow, "max_recalls"})
			equal(t, "counter freed", ch.Counters[0].CurrentID, "")
			equal(t, "next one", h.next(1, ann).Label, "A002")

			rq := h.ticket(h.e.Requeue(h.now, tk.ID, ann))
			equal(t, "requeue resets recalls", rq.Recalls, 0)
		})
	}
}

func TestWhoActs(t *testing.T) {
	tests := []struct {
		name        string
		by          Actor
		wantActor   string
		wantOfficer string
	}{
		{"the officer", ann, "user:ann", "ann"},
		{"an admin, for the officer", root, "user:root", "ann"},
		{"the call pad, for the officer", pad1, "device:pad1", "ann"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHall(t)
			h.open(1, ann)
			h.issue("A", "")
			h.issue("A", "")
			steps := []struct {
				name string
				do   func() (*hallq.Ticket, *Change, error)
			}{
				{"next", func() (*hallq.Ticket, *Change, error) { return h.e.Next(h.now, 1, tc.by) }},
				{"recall", func() (*hallq.Ticket, *Change, error) { return h.e.Recall(h.now, 1, tc.by) }},
				{"start", func() (*hallq.Ticket, *Change, error) { return h.e.Start(h.now, 1, tc.by) }},
				{"finish", func() (*hallq.Ticket, *Change, error) { return h.e.Finish(h.now, 1, tc.by) }},
				{"next", func() (*hallq.Ticket, *Change, error) { return h.e.Next(h.now, 1, tc.by) }},
				{"no-show", func() (*hallq.Ticket, *Change, error) { return h.e.NoShow(h.now, 1, tc.by) }},
			}
			for _, s := range steps {
				tk, ch, err := s.do()
				h.ticket(tk, ch, err)
				ev := ch.Events[0]
				equal(t, s.name+" actor", ev.Actor, tc.wantActor)
				equal(t, s.name+" event officer", ev.Officer, tc.wantOfficer)
				equal(t, s.name+" ticket officer", tk.Officer, tc.wantOfficer)
			}
		})
	}
}

func TestCounterStates(t *testing.T) {
	h := newHall(t)
	c, ch, err := h.e.Open(h.now, 1, ann)
	h.counter(c, ch, err)
	equal(t, "open", []any{c.State, c.Officer}, []any{hallq.CounterOpen, "ann"})
	equal(t, "open event", []any{ch.Events[0].Type, ch.Events[0].Officer, ch.Events[0].Reason}, []any{hallq.EventCounterOpened, "ann", ""})

	c, ch, err = h.e.Open(h.now, 1, ann)
	if err != nil || ch != nil || c.State != hallq.CounterOpen {
		t.Errorf("open again: got %v, %v, %v; want the open counter and no change", c, ch, err)
	}

	h.issue("A", "")
	h.next(1, ann)
	c, ch, err = h.e.Pause(h.now, 1, ann)
	h.counter(c, ch, err)
	equal(t, "paused", c.State, hallq.CounterPaused)
	equal(t, "pause keeps the current ticket", c.Current.Label, "A001")
	equal(t, "pause event", eventTypes(ch), []hallq.EventType{hallq.EventCounterPaused})
	if _, ch, err := h.e.Pause(h.now, 1, ann); err != nil || ch != nil {
		t.Errorf("pause again: got %v, %v; want no change", ch, err)
	}
	h.finish(1, ann) // allowed while paused

	c, ch, err = h.e.Open(h.now, 1, root)
	h.counter(c, ch, err)
	equal(t, "admin resumes for the officer", []any{c.State, c.Officer}, []any{hallq.CounterOpen, "ann"})
	equal(t, "resume event", []any{ch.Events[0].Type, ch.Events[0].Reason, ch.Events[0].Actor}, []any{hallq.EventCounterOpened, "resume", "user:root"})

	c, ch, err = h.e.Close(h.now, 1, ann)
	h.counter(c, ch, err)
	equal(t, "closed", []any{c.State, c.Officer}, []any{hallq.CounterClosed, ""})
	equal(t, "close event", []any{ch.Events[0].Type, ch.Events[0].Officer}, []any{hallq.EventCounterClosed, "ann"})
	if _, ch, err := h.e.Close(h.now, 1, ann); err != nil || ch != nil {
		t.Errorf("close again: got %v, %v; want no change", ch, err)
	}

	c = h.counter(h.e.Open(h.now, 1, bob))
	equal(t, "another officer after closing", c.Officer, "bob")
	h.counter(h.e.Close(h.now, 1, root))
	c = h.counter(h.e.Open(h.now, 1, root))
	equal(t, "admin opens a free counter for themselves", c.Officer, "root")
}

func TestTransfer(t *testing.T) {
	h := newHall(t)
	h.open(1, ann)
	h.open(2, bob) // B first
	a := h.issue("A", "elderly")
	h.minutes(5)
	b := h.issue("B", "")
	h.minutes(5)
	h.next(1, ann)
	h.ticket(h.e.Start(h.now, 1, ann))
	h.minutes(5)

	nt, ch, err := h.e.Transfer(h.now, 1, "B", ann)
	h.ticket(nt, ch, err)
	equal(t, "new id from NewID", nt.ID, "x1")
	equal(t, "new secret from NewID", nt.Secret, "xsecret1")
	equal(t, "new ticket", []any{nt.Label, nt.Number, nt.Service, nt.State, nt.Priority, nt.TransferredFrom, nt.Day},
		[]any{"A001", 1, "B", hallq.StateWaiting, "elderly", a.ID, "2026-03-02"})
	equal(t, "keeps issue time", nt.IssuedAt, a.IssuedAt)
	equal(t, "not called yet", nt.CalledAt, (*time.Time)(nil))

	old, _ := h.e.Ticket(h.now, a.ID)
	equal(t, "old ticket", []any{old.State, old.TransferredTo}, []any{hallq.StateTransferred, "x1"})
	equal(t, "old finished", *old.FinishedAt, h.now)
	c, _ := h.e.Counter(1)
	equal(t, "counter freed", c.CurrentID, "")

	equal(t, "events", eventTypes(ch), []hallq.EventType{hallq.EventTicketTransferred})
	ev := ch.Events[0]
	equal(t, "event", []any{ev.Ticket.ID, ev.Ticket.State, ev.NewTicket.ID, ev.Service, ev.Counter, ev.Officer},
		[]any{a.ID, hallq.StateTransferred, "x1", "B", 1, "ann"})
	equal(t, "rows", len(ch.Tickets), 2)

	// The transferred ticket keeps its place by issue time in B's queue.
	equal(t, "B's queue", labels(h.e.Waiting(h.now, []string{"B"})), []string{"A001", "B001"})
	equal(t, "called at B", h.next(2, bob).ID, "x1")
	_ = b
	h.finish(2, bob)
	// And a transfer of a called (not started) ticket back.
	h.next(2, bob)
	nt = h.ticket(h.e.Transfer(h.now, 2, "A", bob))
	equal(t, "second transfer", []any{nt.ID, nt.Label, nt.Service}, []any{"x2", "B001", "A"})
}

func TestChangesDoNotAlias(t *testing.T) {
	h := newHall(t)
	h.open(1, ann)
	h.issue("A", "")
	_, ch, err := h.e.Next(h.now, 1, ann)
	if err != nil {
		t.Fatal(err)
	}
	h.apply(ch)
	// Whoever receives a change may decorate it.
	ch.Events[0].Ticket.Label = "changed"
	ch.Tickets[0].Label = "changed"
	ch.Counters[0].Services[0] = "Z"
	ch.Counters[0].Current.Label = "changed"
	v := h.e.Hall(h.now)
	equal(t, "recent", v.Recent[0].Ticket.Label, "A001")
	equal(t, "current", v.Counters[0].Current.Label, "A001")
	equal(t, "counter services", v.Counters[0].Services, []string{"A", "B"})
}
