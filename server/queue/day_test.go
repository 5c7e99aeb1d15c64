package queue

import (
	"testing"
	"time"

	"github.com/hallq/hallq"
)

func TestTickNewHall(t *testing.T) {
	e, err := New(testState())
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "day before tick", e.Day(), "")
	ch := e.Tick(time.Date(2026, 3, 2, 17, 30, 0, 0, time.UTC)) // 00:30 on the 3rd locally
	if ch == nil || ch.Day == nil {
		t.Fatalf("got change %+v, want the day set", ch)
	}
	equal(t, "day", *ch.Day, DayState{Day: "2026-03-03"})
	equal(t, "events", len(ch.Events), 0)
	equal(t, "engine day", e.Day(), "2026-03-03")
	if ch := e.Tick(time.Date(2026, 3, 2, 17, 31, 0, 0, time.UTC)); ch != nil {
		t.Errorf("second tick: got %+v, want nil", ch)
	}
}

func TestTickClockSetBack(t *testing.T) {
	h := newHall(t)
	h.issue("A", "")
	h.at(local(2026, 3, 1, 23, 0))
	if ch := h.tick(); ch != nil {
		t.Errorf("clock a day back: got change %+v, want nil", ch)
	}
	tk := h.issue("A", "")
	equal(t, "numbering stays on its day", []any{tk.Label, tk.Day}, []any{"A002", "2026-03-02"})
}

// busyHall leaves one ticket of each active state and counters in each state.
func busyHall(t *testing.T, start time.Time, opts ...func(*State)) (h *hall, waiting, called, serving *hallq.Ticket) {
	h = newHallAt(t, start, opts...)
	h.open(1, ann)
	h.open(2, bob)
	h.open(3, meg)
	h.counter(h.e.Pause(h.now, 3, meg))
	h.issue("A", "")
	h.issue("A", "")
	h.issue("A", "")
	h.minutes(1)
	called = h.next(1, ann)
	serving = h.next(2, bob)
	h.ticket(h.e.Start(h.now, 2, bob))
	waiting, _ = h.e.Ticket(h.now, "t3")
	return h, waiting, called, serving
}

func TestEndOfDay(t *testing.T) {
	tests := []struct {
		name    string
		closing string
		start   time.Time
		end     time.Time
		wantDay DayState
		newDay  bool
	}{
		{"at closing time", "17:00", monday(16, 0), monday(17, 0),
			DayState{Day: "2026-03-02", ClosedDay: "2026-03-02"}, false},
		{"closing time passed while down", "17:00", monday(16, 0), monday(19, 45),
			DayState{Day: "2026-03-02", ClosedDay: "2026-03-02"}, false},
		{"at midnight without a closing time", "", monday(23, 0), local(2026, 3, 3, 0, 0),
			DayState{Day: "2026-03-03", ClosedDay: "2026-03-02"}, true},
		{"date changed before the closing was processed", "17:00", monday(16, 0), local(2026, 3, 3, 8, 0),
			DayState{Day: "2026-03-03", ClosedDay: "2026-03-02"}, true},
		{"days later, after the closing time", "17:00", monday(16, 0), local(2026, 3, 5, 18, 0),
			DayState{Day: "2026-03-05", ClosedDay: "2026-03-05"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, waiting, called, serving := busyHall(t, tc.start, func(st *State) { st.Settings.ClosingTime = tc.closing })
			h.at(tc.end.Add(-time.Minute))
			if tc.closing != "" && tc.end.Sub(tc.start) < 2*time.Hour {
				if ch := h.tick(); ch != nil {
					t.Fatalf("a minute before: got %v, want nothing", eventTypes(ch))
				}
			}
			h.at(tc.end)
			ch := h.tick()
			if ch == nil {
				t.Fatal("got no change")
			}
			equal(t, "day", *ch.Day, tc.wantDay)
			equal(t, "events", eventTypes(ch), []hallq.EventType{
				hallq.EventTicketNoShow, hallq.EventTicketFinished, hallq.EventTicketCancelled,
				hallq.EventCounterClosed, hallq.EventCounterClosed, hallq.EventCounterClosed,
			})
			for _, ev := range ch.Events {
				equal(t, string(ev.Type)+" reason", ev.Reason, "day_closed")
				equal(t, string(ev.Type)+" actor", ev.Actor, "system")
			}
			equal(t, "closed counters' officers", []string{ch.Events[3].Officer, ch.Events[4].Officer, ch.Events[5].Officer}, []string{"ann", "bob", "meg"})
			rows := map[string]*hallq.Ticket{}
			for _, tk := range ch.Tickets {
				rows[tk.ID] = tk
			}
			for _, want := range []struct {
				id      string
				state   hallq.TicketState
				flagged bool
			}{
				{waiting.ID, hallq.StateCancelled, false},
				{called.ID, hallq.StateNoShow, false},
				{serving.ID, hallq.StateDone, true},
			} {
				got := rows[want.id]
				if got == nil {
					t.Fatalf("ticket %s: no row in the change", want.id)
				}
				equal(t, want.id, []any{got.State, got.Reason, got.Flagged, *got.FinishedAt}, []any{want.state, "day_closed", want.flagged, tc.end})
			}
			equal(t, "counter rows", len(ch.Counters), 3)
			for _, c := range ch.Counters {
				equal(t, "counter", []any{c.State, c.Officer, c.CurrentID}, []any{hallq.CounterClosed, "", ""})
			}
			if ch := h.tick(); ch != nil {
				t.Errorf("tick again: got %v, want nil (idempotent)", eventTypes(ch))
			}

			_, ch, err := h.e.Issue(h.now, h.req("A", ""))
			h.apply(ch)
			if !tc.newDay || tc.wantDay.ClosedDay == tc.wantDay.Day {
				wantErr(t, err, hallq.EUNAVAILABLE, "outside_hours")
				v := h.e.Hall(h.now)
				equal(t, "hall shows it", []any{v.Services[0].Open, v.Services[0].Closed}, []any{false, "outside_hours"})
				return
			}
			if err != nil {
				t.Fatalf("issue on the new day: %v", err)
			}
			h.restart()
			equal(t, "numbering restarts", h.issue("A", "").Label, "A002")
		})
	}
}

func TestNewDayForgetsYesterday(t *testing.T) {
	h := newHall(t)
	h.open(1, ann)
	a := h.issue("A", "")
	h.next(1, ann)
	h.finish(1, ann)
	h.apply(mustRate(t, h, 3, "pad1", 1, 0))
	h.at(local(2026, 3, 3, 7, 0))
	ch := h.tick()
	equal(t, "events", eventTypes(ch), []hallq.EventType{hallq.EventCounterClosed})
	equal(t, "interleave count reset", ch.Counters[0].SincePriority, 0)
	if _, err := h.e.Ticket(h.now, a.ID); hallq.ErrorCode(err) != hallq.ENOTFOUND {
		t.Errorf("yesterday's ticket: got %v, want ENOTFOUND", err)
	}
	v := h.e.Hall(h.now)
	equal(t, "recent calls", len(v.Recent), 0)
	equal(t, "last called", v.Services[0].LastCalled, "")
	h.open(1, ann)
	r, _, err := h.e.Rate(h.now, RateRequest{Counter: 1, Score: 2, Device: "pad1", DeviceSeq: 2})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "no ticket of yesterday to rate", r.Unattached, "no_ticket")
}

func mustRate(t *testing.T, h *hall, score int, device string, seq, ageMS int64) *Change {
	t.Helper()
	_, ch, err := h.e.Rate(h.now, RateRequest{Counter: 1, Score: score, Device: device, DeviceSeq: seq, AgeMS: ageMS})
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func TestStaleActiveTicketsClosedOnLoad(t *testing.T) {
	// The server was down over midnight: the store loads yesterday's state.
	h := newHallAt(t, monday(15, 0))
	h.open(1, ann)
	h.issue("A", "")
	h.next(1, ann)
	h.issue("A", "")
	h.at(local(2026, 3, 3, 7, 30))
	h.restart()
	ch := h.tick()
	equal(t, "events", eventTypes(ch), []hallq.EventType{hallq.EventTicketNoShow, hallq.EventTicketCancelled, hallq.EventCounterClosed})
	equal(t, "nothing waits", len(h.e.Waiting(h.now, nil)), 0)
	equal(t, "fresh numbers", h.issue("A", "").Label, "A001")
}
