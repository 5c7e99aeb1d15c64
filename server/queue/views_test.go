package queue

import (
	"testing"
	"time"

	"github.com/hallq/hallq"
)

func TestHallView(t *testing.T) {
	h := newHall(t, func(st *State) {
		st.Services[0].DailyCap = 1 // C
	})
	h.open(2, bob)
	h.open(1, ann)
	h.issue("C", "")
	h.issue("A", "")
	h.issue("A", "")
	h.issue("B", "")
	h.next(1, ann)
	h.at(time.Date(2026, 3, 2, 3, 0, 0, 0, time.UTC))

	v := h.e.Hall(h.now)
	equal(t, "now in the hall's zone", v.Hall.Now, monday(10, 0))
	equal(t, "now zone", v.Hall.Now.Location(), hcm)
	equal(t, "hall", []any{v.Hall.Name, v.Hall.Day, v.Hall.TimeZone, v.Hall.Language, len(v.Hall.RatingScale), len(v.Hall.PriorityKinds)},
		[]any{"Bộ phận Một cửa", "2026-03-02", "Asia/Ho_Chi_Minh", "vi", 3, 5})
	var codes []string
	for _, s := range v.Services {
		codes = append(codes, s.Code)
	}
	equal(t, "services by order", codes, []string{"A", "B", "C"})
	a, b, c := v.Services[0], v.Services[1], v.Services[2]
	equal(t, "A", []any{a.Open, a.Waiting, a.LastCalled, a.Closed}, []any{true, 1, "A001", ""})
	// No service time known: 5 min. Counter 2 prefers B and takes B001
	// now; counter 1, whose A001 has been called an hour ago, is assumed
	// free in a third of 5 min and takes A002; a new A ticket is next at
	// counter 2, after B001.
	equal(t, "A estimate", a.EstimatedWaitS, 300)
	equal(t, "B", []any{b.Open, b.Waiting, b.LastCalled}, []any{true, 1, ""})
	equal(t, "C at its cap", []any{c.Open, c.Closed, c.Waiting}, []any{false, "daily_cap", 1})
	equal(t, "C estimate: no open counter counts as one", c.EstimatedWaitS, 300)

	var ids []int
	for _, c := range v.Counters {
		ids = append(ids, c.ID)
	}
	equal(t, "counters by id", ids, []int{1, 2, 3})
	equal(t, "counter 1 current", v.Counters[0].Current.Label, "A001")
	if v.Counters[1].Current != nil {
		t.Errorf("counter 2 current: got %v, want nil", v.Counters[1].Current)
	}

	// The view is a copy.
	v.Counters[0].Current.Label = "changed"
	v.Services[0].Hours = append(v.Services[0].Hours, hallq.OpeningHours{})
	v.Counters[0].Services[0] = "Z"
	v.Hall.PriorityKinds[0] = "z"
	v.Recent[0].Ticket.Label = "changed"
	v2 := h.e.Hall(h.now)
	equal(t, "current after editing a view", v2.Counters[0].Current.Label, "A001")
	equal(t, "hours after editing a view", len(v2.Services[0].Hours), 0)
	equal(t, "counter services after editing a view", v2.Counters[0].Services[0], "A")
	equal(t, "kinds after editing a view", v2.Hall.PriorityKinds[0], "elderly")
	equal(t, "recent after editing a view", v2.Recent[0].Ticket.Label, "A001")
}

func TestHallRecent(t *testing.T) {
	h := newHall(t)
	h.open(1, ann)
	for range 12 {
		h.issue("A", "")
	}
	for range 11 {
		h.minutes(1)
		h.next(1, ann)
		h.finish(1, ann)
	}
	h.minutes(1)
	h.next(1, ann)
	h.minutes(1)
	h.ticket(h.e.Recall(h.now, 1, ann))

	v := h.e.Hall(h.now)
	equal(t, "at most 10", len(v.Recent), 10)
	var got []string
	for _, ev := range v.Recent[:3] {
		got = append(got, string(ev.Type)+" "+ev.Ticket.Label)
	}
	// The recall takes the place of A012's call: one row per ticket.
	equal(t, "newest first", got, []string{"ticket.recalled A012", "ticket.called A011", "ticket.called A010"})
	equal(t, "last", v.Recent[9].Ticket.Label, "A003")

	h.restart()
	v = h.e.Hall(h.now)
	got = nil
	for _, ev := range v.Recent[:2] {
		got = append(got, string(ev.Type)+" "+ev.Ticket.Label)
	}
	equal(t, "rebuilt from tickets after a restart", got, []string{"ticket.called A012", "ticket.called A011"})
	equal(t, "rebuilt count", len(v.Recent), 10)
	equal(t, "rebuilt event", []any{v.Recent[0].Counter, v.Recent[0].Officer, v.Recent[0].At}, []any{1, "ann", monday(9, 12)})
}

// TestRecallKeepsOtherCalls: a ticket recalled three times keeps one row,
// so the other counters' calls stay on the hall's screen.
func TestRecallKeepsOtherCalls(t *testing.T) {
	h := newHall(t)
	h.open(1, ann)
	h.open(2, ann)
	h.issue("A", "")
	h.issue("A", "")
	h.minutes(1)
	h.next(2, ann)
	h.next(1, ann)
	for range 3 {
		h.minutes(1)
		h.ticket(h.e.Recall(h.now, 1, ann))
	}
	var got []string
	for _, ev := range h.e.Hall(h.now).Recent {
		got = append(got, string(ev.Type)+" "+ev.Ticket.Label)
	}
	equal(t, "rows", got, []string{"ticket.recalled A002", "ticket.called A001"})
}

func TestTicketView(t *testing.T) {
	h := newHall(t)
	h.open(1, ann)
	a1 := h.issue("A", "")
	a2 := h.issue("A", "")
	a3 := h.issue("A", "")
	equal(t, "issue figures", []any{a3.WaitingAhead, a3.EstimatedWaitS, a3.IssueAhead, a3.IssueEstimateS}, []any{2, 600, 2, 600})

	h.next(1, ann)
	got, err := h.e.Ticket(h.now, a3.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Counter 1 has A001 for 5 min, then A002 for 5 min.
	equal(t, "live figures", []any{got.WaitingAhead, got.EstimatedWaitS, got.IssueAhead, got.IssueEstimateS}, []any{1, 600, 2, 600})
	got, _ = h.e.Ticket(h.now, a1.ID)
	equal(t, "called ticket", []any{got.WaitingAhead, got.EstimatedWaitS}, []any{0, 0})
	_, err = h.e.Ticket(h.now, "nope")
	wantErr(t, err, hallq.ENOTFOUND, "")

	ws := h.e.Waiting(h.now, nil)
	equal(t, "waiting", labels(ws), []string{"A002", "A003"})
	equal(t, "waiting ahead", []int{ws[0].WaitingAhead, ws[1].WaitingAhead}, []int{0, 1})
	equal(t, "unknown services are ignored", len(h.e.Waiting(h.now, []string{"Z"})), 0)
	ws[0].Label = "changed"
	got, _ = h.e.Ticket(h.now, a2.ID)
	equal(t, "views are copies", got.Label, "A002")

	_, err = h.e.Counter(42)
	wantErr(t, err, hallq.ENOTFOUND, "")
	c, err := h.e.Counter(1)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "counter", []any{c.State, c.Officer, c.Current.ID, c.CurrentID}, []any{hallq.CounterOpen, "ann", a1.ID, a1.ID})
}

func TestWaitingAheadUnderInterleave(t *testing.T) {
	h := newHall(t, func(st *State) { st.Settings.PriorityPolicy, st.Settings.InterleaveN = hallq.PolicyInterleave, 2 })
	h.open(1, ann)
	h.issue("A", "")
	h.issue("A", "")
	h.issue("A", "")
	p := h.issue("A", "elderly")
	equal(t, "after 2 normals at the counter with none called yet", p.WaitingAhead, 2)
	h.next(1, ann)
	h.finish(1, ann)
	h.next(1, ann)
	h.finish(1, ann)
	got, _ := h.e.Ticket(h.now, p.ID)
	equal(t, "due now", got.WaitingAhead, 0)
}

func TestEstimate(t *testing.T) {
	h := newHall(t)
	h.open(1, ann)
	for range 4 {
		h.issue("A", "")
	}
	// Service times 2 and 4 minutes (from start when pressed).
	h.next(1, ann)
	h.minutes(2)
	h.finish(1, ann)
	h.next(1, ann)
	h.minutes(1)
	h.ticket(h.e.Start(h.now, 1, ann))
	h.minutes(4)
	h.finish(1, ann)
	equal(t, "mean of recent", h.e.meanServiceTime("A"), 3*time.Minute)
	// The estimate counts the counter's time from call to finish
	// (occupancy): 2 and 5 minutes.
	equal(t, "mean occupancy", h.e.meanOccupancy("A"), 210*time.Second)
	v := h.e.Hall(h.now)
	equal(t, "2 waiting × 3.5 min on 1 counter", v.Services[0].EstimatedWaitS, 420)
	h.open(2, bob)
	v = h.e.Hall(h.now)
	equal(t, "on 2 counters", v.Services[0].EstimatedWaitS, 210)
	h.counter(h.e.Pause(h.now, 2, bob))
	v = h.e.Hall(h.now)
	equal(t, "paused counters do not count", v.Services[0].EstimatedWaitS, 420)
	equal(t, "default for B", h.e.meanServiceTime("B"), 5*time.Minute)

	h.restart()
	equal(t, "mean after restart", h.e.meanServiceTime("A"), 3*time.Minute)

	for range serviceTimeWindow + 5 {
		h.issue("A", "")
		h.next(1, ann)
		h.minutes(1)
		h.finish(1, ann)
	}
	equal(t, "only the last 20", h.e.meanServiceTime("A"), time.Minute)
}

func TestSetNotice(t *testing.T) {
	h := newHall(t)
	ch, err := h.e.SetNotice(h.now, "Nghỉ trưa 11:30–13:00", root)
	if err != nil {
		t.Fatal(err)
	}
	h.apply(ch)
	equal(t, "events", eventTypes(ch), []hallq.EventType{hallq.EventHallNotice})
	equal(t, "event", []any{ch.Events[0].Text, ch.Events[0].Actor}, []any{"Nghỉ trưa 11:30–13:00", "user:root"})
	if ch.Settings == nil || ch.Settings.Notice != "Nghỉ trưa 11:30–13:00" {
		t.Fatalf("change settings: got %+v, want the notice", ch.Settings)
	}
	equal(t, "settings", h.e.Settings().Notice, "Nghỉ trưa 11:30–13:00")
	equal(t, "hall view", h.e.Hall(h.now).Hall.Notice, "Nghỉ trưa 11:30–13:00")
	ch, err = h.e.SetNotice(h.now, "Nghỉ trưa 11:30–13:00", root)
	if ch != nil || err != nil {
		t.Errorf("same notice: got %v, %v; want no change", ch, err)
	}
	s := h.e.Settings()
	s.PriorityKinds[0] = "changed"
	equal(t, "Settings is a copy", h.e.Settings().PriorityKinds[0], "elderly")
	h.restart()
	equal(t, "notice after restart", h.e.Settings().Notice, "Nghỉ trưa 11:30–13:00")
}

// TestRestartSeesTheSameHall runs a busy morning, then rebuilds the engine
// from the changes alone: the store must have been told everything.
func TestRestartSeesTheSameHall(t *testing.T) {
	h := newHall(t, func(st *State) { st.Settings.PriorityPolicy = hallq.PolicyInterleave })
	h.open(1, ann)
	h.open(2, bob)
	h.open(3, meg)
	for i := range 12 {
		h.issue([]string{"A", "B", "C", "A"}[i%4], []string{"", "", "", "elderly", ""}[i%5])
		h.minutes(1)
	}
	h.next(1, ann)
	h.next(2, bob)
	h.ticket(h.e.Start(h.now, 2, bob))
	h.minutes(3)
	h.ticket(h.e.Transfer(h.now, 2, "A", bob))
	h.next(2, bob)
	h.ticket(h.e.NoShow(h.now, 2, bob))
	ws := h.e.Waiting(h.now, []string{"B"})
	h.ticket(h.e.MarkPriority(h.now, ws[len(ws)-1].ID, "", ann))
	h.next(3, meg)
	h.ticket(h.e.Recall(h.now, 3, meg))
	h.finish(1, ann)
	h.apply(mustRate(t, h, 2, "pad1", 1, 0))
	h.next(1, ann)
	h.counter(h.e.Pause(h.now, 1, ann))
	h.ticket(h.e.Cancel(h.now, "t12", "left", Actor{Device: "kiosk1"}))

	before := h.snapshot()
	h.restart()
	after := h.snapshot()
	before.Hall.Recent, after.Hall.Recent = nil, nil // rebuilt from first calls only
	equal(t, "hall", after.Hall, before.Hall)
	equal(t, "waiting", after.Waiting, before.Waiting)
	equal(t, "tickets", after.Tickets, before.Tickets)
	equal(t, "seq", after.LastSeq, before.LastSeq)
	for _, id := range []int{1, 2, 3} {
		c1 := before.Hall.Counters[id-1]
		c2 := after.Hall.Counters[id-1]
		equal(t, "counter", c2.SincePriority, c1.SincePriority)
	}
}
