package queue

import (
	"testing"

	"github.com/hallq/hallq"
)

func TestPutService(t *testing.T) {
	cases := []struct {
		name    string
		svc     func(s *hallq.Service)
		code    string // error code, "" for success
		changed bool
	}{
		{"same definition", func(s *hallq.Service) {}, "", false},
		{"new target wait", func(s *hallq.Service) { s.TargetWaitMin = 25 }, "", true},
		{"daily cap", func(s *hallq.Service) { s.DailyCap = 2 }, "", true},
		{"hours", func(s *hallq.Service) { s.Hours = []hallq.OpeningHours{{Open: "07:30", Close: "11:30"}} }, "", true},
		{"new service", func(s *hallq.Service) { s.Code, s.Prefix, s.NameVI = "D", "D", "Xây dựng" }, "", true},
		{"empty name", func(s *hallq.Service) { s.NameVI = "" }, hallq.EINVALID, false},
		{"prefix and range", func(s *hallq.Service) { s.RangeFrom, s.RangeTo = 1, 9 }, hallq.EINVALID, false},
		{"bad hours", func(s *hallq.Service) { s.Hours = []hallq.OpeningHours{{Open: "11:00", Close: "10:00"}} }, hallq.EINVALID, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHall(t)
			h.issue("A", "")
			s := testServices()[1] // A
			tc.svc(&s)
			seq := h.e.LastSeq()
			got, ch, err := h.e.PutService(h.now, s, root)
			if !h.configured(seq, ch, err, tc.code, tc.changed) {
				return
			}
			equal(t, "returned", got.Code, s.Code)
			if ch != nil {
				equal(t, "event", ch.Events[0].Type, EventHallConfigured)
				equal(t, "service row", ch.Services[0].Code, s.Code)
			}
			// A restart from the store sees the new definition.
			h.restart()
			var found *hallq.Service
			for _, x := range h.e.Services() {
				if x.Code == s.Code {
					found = &x
				}
			}
			if found == nil || !sameService(*found, s) {
				t.Fatalf("after restart: got %+v, want %+v", found, s)
			}
		})
	}
}

func TestPutServiceLive(t *testing.T) {
	h := newHall(t)
	a := testServices()[1]
	a.DailyCap = 1
	h.issue("A", "")
	_, ch, err := h.e.PutService(h.now, a, root)
	if err != nil {
		t.Fatal(err)
	}
	h.apply(ch)
	if _, _, err := h.e.Issue(h.now, h.req("A", "")); hallq.ErrorReason(err) != "daily_cap" {
		t.Errorf("issue after the cap was lowered: got %v, want daily_cap", err)
	}
	equal(t, "waiting ticket stays", len(h.e.Waiting(h.now, []string{"A"})), 1)
}

func TestPutCounter(t *testing.T) {
	cases := []struct {
		name    string
		def     CounterDef
		code    string
		changed bool
	}{
		{"same", CounterDef{ID: 1, Name: "Quầy 1", Services: []string{"A", "B"}}, "", false},
		{"reorder", CounterDef{ID: 1, Name: "Quầy 1", Services: []string{"B", "A"}}, "", true},
		{"rename", CounterDef{ID: 1, Name: "Quầy một", Services: []string{"A", "B"}}, "", true},
		{"new counter", CounterDef{ID: 9, Name: "Quầy 9", Services: []string{"C"}}, "", true},
		{"zero id", CounterDef{ID: 0, Name: "x", Services: []string{"A"}}, hallq.EINVALID, false},
		{"no name", CounterDef{ID: 1, Services: []string{"A"}}, hallq.EINVALID, false},
		{"no services", CounterDef{ID: 1, Name: "x"}, hallq.EINVALID, false},
		{"unknown service", CounterDef{ID: 1, Name: "x", Services: []string{"Z"}}, hallq.ENOTFOUND, false},
		{"twice", CounterDef{ID: 1, Name: "x", Services: []string{"A", "A"}}, hallq.EINVALID, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHall(t)
			h.open(1, ann)
			h.issue("A", "")
			h.next(1, ann)
			seq := h.e.LastSeq()
			got, ch, err := h.e.PutCounter(h.now, tc.def, root)
			if !h.configured(seq, ch, err, tc.code, tc.changed) {
				return
			}
			equal(t, "services", got.Services, tc.def.Services)
			if tc.def.ID == 1 {
				equal(t, "state and officer stay", []any{got.State, got.Officer, got.Current != nil}, []any{hallq.CounterOpen, "ann", true})
			} else {
				equal(t, "a new counter is closed", got.State, hallq.CounterClosed)
			}
			h.restart()
			c, err := h.e.Counter(tc.def.ID)
			if err != nil {
				t.Fatal(err)
			}
			equal(t, "after restart", []any{c.Name, c.Services}, []any{tc.def.Name, tc.def.Services})
		})
	}
}

func TestPutCounterChangesCalling(t *testing.T) {
	h := newHall(t)
	h.open(1, ann)
	h.issue("A", "")
	b := h.issue("B", "")
	h.apply(must(h.e.PutCounter(h.now, CounterDef{ID: 1, Name: "Quầy 1", Services: []string{"B", "A"}}, root)))
	equal(t, "next follows the new order", h.next(1, ann).ID, b.ID)
}

func must[T any](_ *T, ch *Change, err error) *Change {
	if err != nil {
		panic(err)
	}
	return ch
}

func TestPutSettings(t *testing.T) {
	cases := []struct {
		name    string
		set     func(s *hallq.Settings)
		code    string
		changed bool
	}{
		{"same", func(s *hallq.Settings) {}, "", false},
		{"name", func(s *hallq.Settings) { s.Name = "Trung tâm Phục vụ hành chính công" }, "", true},
		{"policy", func(s *hallq.Settings) { s.PriorityPolicy = hallq.PolicyInterleave; s.InterleaveN = 2 }, "", true},
		{"public display off", func(s *hallq.Settings) { s.PublicDisplay = false }, "", true},
		{"two-level scale", func(s *hallq.Settings) {
			s.RatingScale = []hallq.RatingLevel{{Score: 2, NameVI: "Hài lòng"}, {Score: 1, NameVI: "Không hài lòng"}}
		}, "", true},
		{"notice is not changed here", func(s *hallq.Settings) { s.Notice = "x" }, "", false},
		{"announcement voice alone", func(s *hallq.Settings) { s.AnnounceVoice = "vi-VN-x-south" }, "", true},
		{"bad policy", func(s *hallq.Settings) { s.PriorityPolicy = "random" }, hallq.EINVALID, false},
		{"one-level scale", func(s *hallq.Settings) { s.RatingScale = s.RatingScale[:1] }, hallq.EINVALID, false},
		{"time zone", func(s *hallq.Settings) { s.TimeZone = "UTC" }, hallq.EINVALID, false},
		{"closing time", func(s *hallq.Settings) { s.ClosingTime = "25:00" }, hallq.EINVALID, false},
		{"holidays", func(s *hallq.Settings) { s.Holidays = []string{"2026-09-01", "2026-09-02"} }, "", true},
		{"holiday not a date", func(s *hallq.Settings) { s.Holidays = []string{"02/09/2026"} }, hallq.EINVALID, false},
		{"holidays out of order", func(s *hallq.Settings) { s.Holidays = []string{"2026-09-02", "2026-09-01"} }, hallq.EINVALID, false},
		{"holiday twice", func(s *hallq.Settings) { s.Holidays = []string{"2026-09-02", "2026-09-02"} }, hallq.EINVALID, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHall(t)
			s := h.e.Settings()
			tc.set(&s)
			seq := h.e.LastSeq()
			got, ch, err := h.e.PutSettings(h.now, s, root)
			if !h.configured(seq, ch, err, tc.code, tc.changed) {
				return
			}
			s.Notice = h.e.Settings().Notice
			equal(t, "returned", sameSettings(*got, s), true)
			h.restart()
			equal(t, "after restart", sameSettings(h.e.Settings(), s), true)
		})
	}
}

func TestPutSettingsClosingTime(t *testing.T) {
	h := newHall(t) // 09:00
	s := h.e.Settings()
	s.ClosingTime = "09:30"
	h.apply(must(h.e.PutSettings(h.now, s, root)))
	h.issue("A", "")
	h.minutes(31)
	h.tick()
	if _, _, err := h.e.Issue(h.now, h.req("A", "")); hallq.ErrorReason(err) != "outside_hours" {
		t.Errorf("issue after the new closing time: got %v, want outside_hours", err)
	}
}

func TestNoShows(t *testing.T) {
	h := newHall(t)
	h.open(1, ann)
	a1 := h.issue("A", "")
	a2 := h.issue("A", "")
	h.issue("B", "")
	h.next(1, ann)
	h.ticket(h.e.NoShow(h.now, 1, ann))
	h.minutes(1)
	h.next(1, ann)
	h.ticket(h.e.NoShow(h.now, 1, ann))
	ids := func(ts []*hallq.Ticket) []string {
		var out []string
		for _, t := range ts {
			out = append(out, t.ID)
		}
		return out
	}
	equal(t, "most recent first", ids(h.e.NoShows(h.now, nil)), []string{a2.ID, a1.ID})
	equal(t, "of B", ids(h.e.NoShows(h.now, []string{"B"})), []string(nil))
	h.ticket(h.e.Requeue(h.now, a1.ID, ann))
	equal(t, "after requeue", ids(h.e.NoShows(h.now, []string{"A"})), []string{a2.ID})
}

// configured checks the outcome of a configuration change made when the
// log ended at seq: the error code wanted, and on an error no change and
// no event; else it applies the change and checks whether there was one.
// It says whether the change was accepted.
func (h *hall) configured(seq int64, ch *Change, err error, code string, changed bool) bool {
	h.t.Helper()
	equal(h.t, "error code", hallq.ErrorCode(err), code)
	if err != nil {
		equal(h.t, "change on error", ch, (*Change)(nil))
		equal(h.t, "seq on error", h.e.LastSeq(), seq)
		return false
	}
	h.apply(ch)
	equal(h.t, "changed", ch != nil, changed)
	return true
}
