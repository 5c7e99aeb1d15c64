package queue

import (
	"testing"
	"time"

	"github.com/hallq/hallq"
)

func TestIssueLabels(t *testing.T) {
	h := newHall(t)
	tests := []struct {
		name      string
		service   string
		wantLabel string
		wantNum   int
	}{
		{"prefix first", "A", "A001", 1},
		{"prefix second", "A", "A002", 2},
		{"other service has its own numbering", "B", "B001", 1},
		{"range first", "C", "1001", 1001},
		{"range second", "C", "1002", 1002},
		{"range last", "C", "1003", 1003},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h.t = t
			tk := h.issue(tc.service, "")
			equal(t, "label", tk.Label, tc.wantLabel)
			equal(t, "number", tk.Number, tc.wantNum)
			equal(t, "day", tk.Day, "2026-03-02")
			equal(t, "state", tk.State, hallq.StateWaiting)
		})
	}
	t.Run("range exhausted", func(t *testing.T) {
		_, ch, err := h.e.Issue(h.now, h.req("C", ""))
		wantErr(t, err, hallq.EUNAVAILABLE, "daily_cap")
		if ch != nil {
			t.Errorf("got change %v, want nil", ch)
		}
	})
}

func TestIssueTicket(t *testing.T) {
	h := newHall(t)
	h.at(time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)) // 09:00 local
	req := h.req("A", "elderly")
	req.Device = "kiosk1"
	tk, ch, err := h.e.Issue(h.now, req)
	h.ticket(tk, ch, err)
	equal(t, "issued_at", tk.IssuedAt, monday(9, 0))
	equal(t, "issued_at zone", tk.IssuedAt.Location(), hcm)
	equal(t, "id", tk.ID, req.ID)
	equal(t, "secret", tk.Secret, req.Secret)
	equal(t, "priority", tk.Priority, "elderly")
	equal(t, "device", tk.Device, "kiosk1")
	equal(t, "events", eventTypes(ch), []hallq.EventType{hallq.EventTicketIssued})
	equal(t, "event actor", ch.Events[0].Actor, "device:kiosk1")
	equal(t, "numbers", ch.Numbers, []Number{{Day: "2026-03-02", Service: "A", Last: 1}})
	equal(t, "change tickets", len(ch.Tickets), 1)
	equal(t, "row", *ch.Tickets[0], *tk)

	staff := h.req("A", "")
	_, ch, err = h.e.Issue(h.now, staff)
	h.apply(ch)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "staff issue actor", ch.Events[0].Actor, "system")

	named := h.req("A", "")
	named.Device, named.IdempotencyKey = "user:ann", "k"
	_, ch, err = h.e.Issue(h.now, named)
	h.apply(ch)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "issuer already in actor form", ch.Events[0].Actor, "user:ann")
}

func TestIssueRefused(t *testing.T) {
	mornings := []hallq.OpeningHours{{Days: []time.Weekday{time.Monday, time.Tuesday}, Open: "07:30", Close: "11:30"}}
	tests := []struct {
		name       string
		now        time.Time
		service    hallq.Service
		before     int // tickets issued first
		priority   string
		wantCode   string
		wantReason string
	}{
		{"before opening", monday(7, 29), hallq.Service{Hours: mornings}, 0, "", hallq.EUNAVAILABLE, "outside_hours"},
		{"at opening", monday(7, 30), hallq.Service{Hours: mornings}, 0, "", "", ""},
		{"just before closing", monday(11, 29), hallq.Service{Hours: mornings}, 0, "", "", ""},
		{"at closing", monday(11, 30), hallq.Service{Hours: mornings}, 0, "", hallq.EUNAVAILABLE, "outside_hours"},
		{"other weekday", local(2026, 3, 4, 9, 0), hallq.Service{Hours: mornings}, 0, "", hallq.EUNAVAILABLE, "outside_hours"},
		{"under the cap", monday(9, 0), hallq.Service{DailyCap: 2}, 1, "", "", ""},
		{"cap reached", monday(9, 0), hallq.Service{DailyCap: 2}, 2, "", hallq.EUNAVAILABLE, "daily_cap"},
		{"range of 1 used", monday(9, 0), hallq.Service{Prefix: "-", RangeFrom: 5, RangeTo: 5}, 1, "", hallq.EUNAVAILABLE, "daily_cap"},
		{"unknown priority", monday(9, 0), hallq.Service{}, 0, "vip", hallq.EINVALID, ""},
		{"known priority", monday(9, 0), hallq.Service{}, 0, "pregnant", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.service
			s.Code, s.NameVI = "D", "Xây dựng"
			if s.Prefix == "-" {
				s.Prefix = ""
			} else {
				s.Prefix = "D"
			}
			h := newHallAt(t, tc.now, func(st *State) { st.Services = append(st.Services, s) })
			for range tc.before {
				h.issue("D", "")
			}
			before := h.snapshot()
			tk, ch, err := h.e.Issue(h.now, h.req("D", tc.priority))
			if tc.wantCode == "" {
				h.ticket(tk, ch, err)
				return
			}
			wantErr(t, err, tc.wantCode, tc.wantReason)
			if tk != nil || ch != nil {
				t.Errorf("got ticket %v and change %v, want nil", tk, ch)
			}
			equal(t, "state after error", h.snapshot(), before)
		})
	}
}

func TestIssueIdempotent(t *testing.T) {
	h := newHall(t)
	req := h.req("A", "")
	req.Device, req.IdempotencyKey = "kiosk1", "k1"
	first := h.ticket(h.e.Issue(h.now, req))
	h.minutes(1)

	again := req
	again.ID, again.Secret = "other", "other"
	got, ch, err := h.e.Issue(h.now, again)
	if err != nil {
		t.Fatal(err)
	}
	if ch != nil {
		t.Errorf("got change with %d events, want nil", len(ch.Events))
	}
	equal(t, "same ticket id", got.ID, first.ID)
	equal(t, "same label", got.Label, "A001")

	other := req
	other.Device, other.ID, other.Secret = "kiosk2", "t-k2", "s"
	tk := h.ticket(h.e.Issue(h.now, other))
	equal(t, "same key on another device gets a new ticket", tk.Label, "A002")

	h.restart()
	got, ch, err = h.e.Issue(h.now, again)
	if err != nil || ch != nil {
		t.Fatalf("after restart: got change %v, error %v; want neither", ch, err)
	}
	equal(t, "same ticket after restart", got.ID, first.ID)
}

func TestIssueNeedsIDAndDay(t *testing.T) {
	h := newHall(t)
	h.issue("A", "")
	tests := []struct {
		name     string
		req      IssueRequest
		wantCode string
	}{
		{"no id", IssueRequest{Service: "A", Secret: "s"}, hallq.EINVALID},
		{"no secret", IssueRequest{Service: "A", ID: "new"}, hallq.EINVALID},
		{"taken id", IssueRequest{Service: "A", ID: "t1", Secret: "s"}, hallq.ECONFLICT},
		{"unknown service", IssueRequest{Service: "Z", ID: "new", Secret: "s"}, hallq.ENOTFOUND},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := h.e.Issue(h.now, tc.req)
			wantErr(t, err, tc.wantCode, "")
		})
	}
	t.Run("no Tick yet", func(t *testing.T) {
		e, err := New(testState())
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = e.Issue(h.now, IssueRequest{Service: "A", ID: "a", Secret: "b"})
		wantErr(t, err, hallq.EINTERNAL, "")
	})
}

func TestNumberingRestartsOnLocalDay(t *testing.T) {
	// 16:59 UTC is 23:59 in Hà Nội / Hồ Chí Minh; 17:00 UTC is midnight.
	h := newHallAt(t, time.Date(2026, 3, 2, 16, 58, 0, 0, time.UTC))
	h.issue("A", "")
	h.at(time.Date(2026, 3, 2, 16, 59, 0, 0, time.UTC))
	if ch := h.tick(); ch != nil {
		t.Fatalf("23:59 local: got a change %+v, want none", ch)
	}
	last := h.issue("A", "")
	equal(t, "23:59 label", last.Label, "A002")
	equal(t, "23:59 day", last.Day, "2026-03-02")

	h.at(time.Date(2026, 3, 2, 17, 0, 0, 0, time.UTC))
	ch := h.tick()
	if ch == nil || ch.Day == nil {
		t.Fatalf("midnight local: got change %+v, want a new day", ch)
	}
	equal(t, "day state", *ch.Day, DayState{Day: "2026-03-03", ClosedDay: "2026-03-02"})
	first := h.issue("A", "")
	equal(t, "00:00 label", first.Label, "A001")
	equal(t, "00:00 day", first.Day, "2026-03-03")
	equal(t, "engine day", h.e.Day(), "2026-03-03")
	if _, err := h.e.Ticket(h.now, last.ID); hallq.ErrorCode(err) != hallq.ENOTFOUND {
		t.Errorf("yesterday's ticket: got %v, want ENOTFOUND (dropped from memory)", err)
	}
}

func TestNumberingContinuesAfterRestart(t *testing.T) {
	h := newHall(t)
	for range 3 {
		h.issue("A", "")
	}
	h.issue("C", "")
	h.restart()
	equal(t, "after restart", h.issue("A", "").Label, "A004")
	equal(t, "range after restart", h.issue("C", "").Label, "1002")

	// The last numbers alone (say the day's tickets were not loaded) are
	// enough; and the tickets alone are too.
	st := h.store.state()
	onlyNumbers := st
	onlyNumbers.Tickets = nil
	h.build(onlyNumbers)
	equal(t, "from LastNumbers", h.issue("A", "").Label, "A005")

	st = h.store.state()
	st.LastNumbers = nil
	h.build(st)
	equal(t, "from tickets", h.issue("A", "").Label, "A006")
}

func TestRequeueAndCancel(t *testing.T) {
	h := newHall(t)
	h.open(1, ann)
	a1 := h.issue("A", "")
	a2 := h.issue("A", "")
	h.minutes(5)
	h.next(1, ann)
	h.minutes(2)
	ns := h.ticket(h.e.NoShow(h.now, 1, ann))
	equal(t, "no-show state", ns.State, hallq.StateNoShow)
	equal(t, "no-show finished", *ns.FinishedAt, h.now)

	h.minutes(10)
	rq := h.ticket(h.e.Requeue(h.now, a1.ID, ann))
	equal(t, "requeued state", rq.State, hallq.StateWaiting)
	equal(t, "requeued keeps issue time", rq.IssuedAt, a1.IssuedAt)
	equal(t, "requeued keeps first call", *rq.CalledAt, monday(9, 5))
	equal(t, "requeued counter", rq.Counter, 0)
	equal(t, "requeued finished", rq.FinishedAt, (*time.Time)(nil))
	equal(t, "requeued is first again", rq.WaitingAhead, 0)

	again := h.next(1, ann)
	equal(t, "requeued called again first (oldest)", again.ID, a1.ID)
	equal(t, "first call kept", *again.CalledAt, monday(9, 5))
	equal(t, "wait is first call - issue", again.WaitSeconds(), 300)
	h.finish(1, ann)

	c := h.ticket(h.e.Cancel(h.now, a2.ID, "print_failed", Actor{Device: "kiosk1"}))
	equal(t, "cancelled state", c.State, hallq.StateCancelled)
	equal(t, "cancel reason", c.Reason, "print_failed")
	equal(t, "waiting after cancel", len(h.e.Waiting(h.now, nil)), 0)
	if got := h.next(1, ann); got != nil {
		t.Errorf("next after cancel: got %s, want nobody", got.Label)
	}
}

func TestMarkPriority(t *testing.T) {
	h := newHall(t)
	h.issue("A", "")
	h.minutes(1)
	a2 := h.issue("A", "")
	tk, ch, err := h.e.MarkPriority(h.now, a2.ID, "", ann)
	h.ticket(tk, ch, err)
	equal(t, "kind defaults to the first", tk.Priority, "elderly")
	equal(t, "events", eventTypes(ch), []hallq.EventType{hallq.EventTicketPriority})
	equal(t, "now first in line", tk.WaitingAhead, 0)

	tk, ch, err = h.e.MarkPriority(h.now, a2.ID, "elderly", ann)
	if err != nil || ch != nil {
		t.Errorf("same kind again: got change %v, error %v; want neither", ch, err)
	}
	tk = h.ticket(h.e.MarkPriority(h.now, a2.ID, "disabled", ann))
	equal(t, "kind changed", tk.Priority, "disabled")

	h.open(1, ann)
	equal(t, "called first", h.next(1, ann).ID, a2.ID)

	t.Run("no kinds configured", func(t *testing.T) {
		h := newHall(t, func(st *State) { st.Settings.PriorityKinds = nil })
		a := h.issue("A", "")
		_, _, err := h.e.MarkPriority(h.now, a.ID, "", ann)
		wantErr(t, err, hallq.EINVALID, "")
	})
}
