package report_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/report"
	"github.com/hallq/hallq/server/queue"
	"github.com/hallq/hallq/server/sqlite"
)

var hcm = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		panic(err)
	}
	return loc
}()

// testHall is a hall whose log the tests write by hand: the real queue
// engine in virtual time, every change written by the real SQLite store,
// as the hall server does.
type testHall struct {
	t   *testing.T
	e   *queue.Engine
	db  *sqlite.DB
	now time.Time
	ids int
	pad map[int]int64
}

// officers at the hall's counters.
func officer(counter int) queue.Actor {
	return queue.Actor{User: fmt.Sprintf("canbo%d", counter), Role: hallq.RoleOfficer}
}

var admin = queue.Actor{User: "admin", Role: hallq.RoleAdmin}

// testServices: A (15 min) and B (5 min); counters 1 and 2 serve both.
func testServices() []hallq.Service {
	return []hallq.Service{
		{Code: "A", NameVI: "Hộ tịch", Prefix: "A", TargetWaitMin: 15, Order: 1},
		{Code: "B", NameVI: "Chứng thực", Prefix: "B", TargetWaitMin: 5, Order: 2},
	}
}

func newTestHall(t *testing.T, start time.Time, set func(*hallq.Settings)) *testHall {
	t.Helper()
	ctx := t.Context()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hall.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s := hallq.DefaultSettings()
	s.RatingWindowMin = 15
	if set != nil {
		set(&s)
	}
	counters := []hallq.Counter{
		{ID: 1, Name: "Quầy 1", Services: []string{"A", "B"}},
		{ID: 2, Name: "Quầy 2", Services: []string{"B", "A"}},
		{ID: 3, Name: "Quầy 3", Services: []string{"A", "B"}},
	}
	if err := db.Seed(ctx, s, testServices(), counters); err != nil {
		t.Fatal(err)
	}
	st, err := db.LoadState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	e, err := queue.New(st)
	if err != nil {
		t.Fatal(err)
	}
	h := &testHall{t: t, e: e, db: db, pad: map[int]int64{}}
	e.NewID = func() (string, string) { h.ids++; return fmt.Sprintf("x%03d", h.ids), "s" }
	h.at(start)
	return h
}

// at moves the hall's clock to t and applies the calendar.
func (h *testHall) at(t time.Time) {
	h.t.Helper()
	h.now = t
	h.apply(h.e.Tick(t))
}

// clock moves to a time of the current day, "08:15".
func (h *testHall) clock(hhmm string) {
	h.t.Helper()
	d, _ := time.ParseInLocation(time.DateOnly+" 15:04", h.e.Day()+" "+hhmm, hcm)
	h.at(d)
}

func (h *testHall) apply(ch *queue.Change) {
	h.t.Helper()
	if ch == nil {
		return
	}
	if err := h.db.Apply(context.Background(), []*queue.Change{ch}); err != nil {
		h.t.Fatal(err)
	}
}

func (h *testHall) ticket(t *hallq.Ticket, ch *queue.Change, err error) string {
	h.t.Helper()
	if err != nil {
		h.t.Fatal(err)
	}
	h.apply(ch)
	if t == nil {
		return ""
	}
	return t.ID
}

func (h *testHall) issue(service string) string {
	h.t.Helper()
	h.ids++
	return h.ticket(h.e.Issue(h.now, queue.IssueRequest{Service: service, ID: fmt.Sprintf("t%03d", h.ids), Secret: "s"}))
}

func (h *testHall) open(counter int) {
	h.t.Helper()
	_, ch, err := h.e.Open(h.now, counter, officer(counter))
	if err != nil {
		h.t.Fatal(err)
	}
	h.apply(ch)
}

func (h *testHall) next(counter int) string {
	h.t.Helper()
	return h.ticket(h.e.Next(h.now, counter, officer(counter)))
}

func (h *testHall) call(counter int, id string) string {
	h.t.Helper()
	return h.ticket(h.e.Call(h.now, counter, id, officer(counter)))
}

func (h *testHall) act(fn func(time.Time, int, queue.Actor) (*hallq.Ticket, *queue.Change, error), counter int) {
	h.t.Helper()
	h.ticket(fn(h.now, counter, officer(counter)))
}

func (h *testHall) start(c int)  { h.t.Helper(); h.act(h.e.Start, c) }
func (h *testHall) finish(c int) { h.t.Helper(); h.act(h.e.Finish, c) }
func (h *testHall) recall(c int) { h.t.Helper(); h.act(h.e.Recall, c) }
func (h *testHall) noShow(c int) { h.t.Helper(); h.act(h.e.NoShow, c) }

func (h *testHall) transfer(counter int, service string) string {
	h.t.Helper()
	return h.ticket(h.e.Transfer(h.now, counter, service, officer(counter)))
}

func (h *testHall) requeue(id string) {
	h.t.Helper()
	h.ticket(h.e.Requeue(h.now, id, officer(1)))
}

// rate presses counter's pad; it returns the rating as recorded.
func (h *testHall) rate(counter, score int) *hallq.Rating {
	h.t.Helper()
	h.pad[counter]++
	r, ch, err := h.e.Rate(h.now, queue.RateRequest{Counter: counter, Score: score, Device: fmt.Sprintf("pad%d", counter), DeviceSeq: h.pad[counter]})
	if err != nil {
		h.t.Fatal(err)
	}
	h.apply(ch)
	return r
}

// setTarget changes a service's target wait, as an administrator does.
func (h *testHall) setTarget(service string, minutes int) {
	h.t.Helper()
	for _, sv := range h.e.Services() {
		if sv.Code == service {
			sv.TargetWaitMin = minutes
			_, ch, err := h.e.PutService(h.now, sv, admin)
			if err != nil {
				h.t.Fatal(err)
			}
			h.apply(ch)
			return
		}
	}
	h.t.Fatalf("no service %s", service)
}

// query asks for [from, to] grouped by by, as the hall would answer now,
// with today as given ("" for the engine's day).
func (h *testHall) query(from, to string, by report.Dim, today string) report.Query {
	if today == "" {
		today = h.e.Day()
	}
	set := h.e.Settings()
	return report.Query{From: from, To: to, By: by, Today: today, Now: h.now, Loc: hcm, Default: set.Targets(h.e.Services())}
}

// figures summarises and returns each group's figures as the API's JSON
// shows them, by key, the total as "total".
func (h *testHall) figures(q report.Query) map[string]map[string]any {
	h.t.Helper()
	res, err := report.Summarize(h.t.Context(), h.db.Reports(), q)
	if err != nil {
		h.t.Fatal(err)
	}
	out := map[string]map[string]any{"total": asJSON(h.t, report.Compute("", "", &res.Total, res.Targets))}
	for _, g := range res.Groups {
		key := g.Key
		if g.Day != "" {
			key = g.Day + "/" + key
		}
		out[key] = asJSON(h.t, report.Row(q.By, g.Key, "", &g.Acc, res.Targets))
	}
	return out
}

func asJSON(t *testing.T, f report.Figures) map[string]any {
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}
