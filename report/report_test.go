package report

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/hallq/hallq"
)

var hcm = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		panic(err)
	}
	return loc
}()

// at is a local time as Unix ms: at("2026-03-02 08:02:00").
func at(s string) int64 {
	t, err := time.ParseInLocation(time.DateTime, s, hcm)
	if err != nil {
		panic(err)
	}
	return t.UnixMilli()
}

// fixture is the hand-computed hall of the tests (see the comments for
// each ticket's waiting and service time and estimate error). Targets:
// A 10 min, B 5 min.
func fixture() []*Ticket {
	ts := fixtureRows()
	finished := map[string]int64{}
	for _, t := range ts {
		finished[t.ID] = t.Finished
	}
	// The times the engine keeps: an original joins its queue at issue, a
	// transfer's ticket at the transfer; each waits until its call.
	for _, t := range ts {
		t.Queued = t.Issued
		if !t.Original() {
			t.Queued = finished[t.TransferredFrom]
		}
		if t.Called != 0 {
			t.WaitedMS, t.LastCalled = t.Called-t.Queued, t.Called
		}
		t.TargetWaitS = map[string]int{"A": 600, "B": 300}[t.Service]
	}
	return ts
}

func fixtureRows() []*Ticket {
	done, ns, canc, tr, wait := hallq.StateDone, hallq.StateNoShow, hallq.StateCancelled, hallq.StateTransferred, hallq.StateWaiting
	d1 := "2026-03-02"
	return []*Ticket{
		// wait 120 s (within), service 420 s (from start), rated 3, estimate error +60
		{ID: "a1", Day: d1, Service: "A", Counter: 1, Officer: "ann", State: done, Issued: at(d1 + " 08:00:00"), Called: at(d1 + " 08:02:00"), Started: at(d1 + " 08:03:00"), Finished: at(d1 + " 08:10:00"), Rating: 3, EstimateS: 60},
		// wait 600 s (exactly the target: within), service 300 s (from call), rated 1, error +300
		{ID: "a2", Day: d1, Service: "A", Counter: 1, Officer: "ann", State: done, Issued: at(d1 + " 08:01:00"), Called: at(d1 + " 08:11:00"), Finished: at(d1 + " 08:16:00"), Rating: 1, EstimateS: 300},
		// wait 930 s (over), no-show, error +330
		{ID: "a3", Day: d1, Service: "A", Counter: 1, Officer: "ann", State: ns, Issued: at(d1 + " 08:05:00"), Called: at(d1 + " 08:20:30"), Finished: at(d1 + " 08:25:00"), EstimateS: 600},
		// wait 60 s (within), service 240 s, unrated, error +60
		{ID: "b1", Day: d1, Service: "B", Counter: 2, Officer: "bob", State: done, Issued: at(d1 + " 08:00:00"), Called: at(d1 + " 08:01:00"), Finished: at(d1 + " 08:05:00"), EstimateS: 0},
		// wait 600 s (over B's 300), transferred to A, error +480
		{ID: "b2", Day: d1, Service: "B", Counter: 2, Officer: "bob", State: tr, Issued: at(d1 + " 08:10:00"), Called: at(d1 + " 08:20:00"), Finished: at(d1 + " 08:22:00"), EstimateS: 120, TransferredTo: "b2x"},
		// b2's new ticket in A: keeps the issue time, not issued again; joined A at 08:22 and waited 2280 s (over); served 600 s, rated 2
		{ID: "b2x", Day: d1, Service: "A", Counter: 1, Officer: "ann", State: done, Issued: at(d1 + " 08:10:00"), Called: at(d1 + " 09:00:00"), Finished: at(d1 + " 09:10:00"), Rating: 2, TransferredFrom: "b2"},
		// never called, closed at end of day while waiting, after 8.5 h: over
		{ID: "a4", Day: d1, Service: "A", State: canc, Issued: at(d1 + " 08:30:00"), Finished: at(d1 + " 17:00:00"), EstimateS: 900, Reason: "day_closed"},
		// never called, cancelled after 2 min (print failed): neither within nor over
		{ID: "b3", Day: d1, Service: "B", State: canc, Issued: at(d1 + " 09:00:00"), Finished: at(d1 + " 09:02:00"), Reason: "print_failed"},
		// 2026-03-03 is an empty day.
		// wait 1200 s (over), service 600 s, rated 3, error +900
		{ID: "a5", Day: "2026-03-04", Service: "A", Counter: 3, Officer: "cam", State: done, Issued: at("2026-03-04 10:00:00"), Called: at("2026-03-04 10:20:00"), Finished: at("2026-03-04 10:30:00"), Rating: 3, EstimateS: 300},
		// Today, live at 11:00: b4 has waited 60 min (over), a6 5 min (neither).
		{ID: "b4", Day: "2026-03-05", Service: "B", State: wait, Issued: at("2026-03-05 10:00:00"), EstimateS: 60},
		{ID: "a6", Day: "2026-03-05", Service: "A", State: wait, Issued: at("2026-03-05 10:55:00")},
	}
}

func query(by Dim) Query {
	return Query{
		From: "2026-03-02", To: "2026-03-05", By: by, Today: "2026-03-05",
		Now: time.UnixMilli(at("2026-03-05 11:00:00")), Loc: hcm,
		Default: targets,
	}
}

var targets = Targets{WaitMin: map[string]int{"A": 10, "B": 5}, SatisfiedPct: 80, OverWaitPct: 10, SatisfiedMin: 2, TopScore: 3}

type memStore struct {
	tickets []*Ticket
	presses []Press
	history []TargetsSince
	rolled  map[string][]Rollup
	puts    []string
}

func (m *memStore) RolledDays(_ context.Context, from, to string) (map[string]bool, error) {
	out := map[string]bool{}
	for d := range m.rolled {
		if d >= from && d <= to {
			out[d] = true
		}
	}
	return out, nil
}

func (m *memStore) DayTickets(_ context.Context, from, to string, fn func(*Ticket) error) error {
	for _, t := range m.tickets {
		if t.Day >= from && t.Day <= to {
			c := *t
			if err := fn(&c); err != nil {
				return err
			}
		}
	}
	return nil
}

func (m *memStore) Presses(_ context.Context, from, to int64, fn func(Press) error) error {
	for _, p := range m.presses {
		if p.At >= from && p.At < to {
			if err := fn(p); err != nil {
				return err
			}
		}
	}
	return nil
}

func (m *memStore) TargetHistory(context.Context) ([]TargetsSince, error) { return m.history, nil }

func (m *memStore) PutRollup(_ context.Context, day string, groups []Rollup) error {
	m.rolled[day] = groups
	m.puts = append(m.puts, day)
	return nil
}

func (m *memStore) Rollups(_ context.Context, from, to string, dim Dim, fn func(day, key string, data []byte) error) error {
	for _, d := range slices.Sorted(maps.Keys(m.rolled)) {
		if d < from || d > to {
			continue
		}
		for _, g := range m.rolled[d] {
			if g.Dim == dim {
				if err := fn(d, g.Key, g.Data); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func newStore() *memStore { return &memStore{tickets: fixture(), rolled: map[string][]Rollup{}} }

// figures summarises and returns the figures by key, with the total as "*".
func figures(t *testing.T, st Store, q Query) map[string]Figures {
	t.Helper()
	res, err := Summarize(context.Background(), st, q)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]Figures{"*": Compute("*", "", &res.Total, targets)}
	for _, g := range res.Groups {
		out[g.Key] = Row(q.By, g.Key, "", &g.Acc, targets)
	}
	return out
}

func f(v float64) *float64 { return &v }

func show(p *float64) string {
	if p == nil {
		return "null"
	}
	return fmt.Sprint(*p)
}

func check(t *testing.T, what string, got, want *float64) {
	t.Helper()
	if show(got) != show(want) {
		t.Errorf("%s: got %s, want %s", what, show(got), show(want))
	}
}

func checkInt(t *testing.T, what string, got, want int) {
	t.Helper()
	if got != want {
		t.Errorf("%s: got %d, want %d", what, got, want)
	}
}

func TestSummaryByServiceOneDay(t *testing.T) {
	q := query(ByService)
	q.To = "2026-03-02"
	g := figures(t, newStore(), q)
	a, b := g["A"], g["B"]
	// A: originals a1 a2 a3 a4; in its group also b2x (served there).
	checkInt(t, "A issued", a.Issued, 4)
	checkInt(t, "A served", a.Served, 3)
	checkInt(t, "A no-shows", a.NoShows, 1)
	checkInt(t, "A cancelled (the end of day's are apart)", a.Cancelled, 0)
	checkInt(t, "A closed at end of day while waiting", a.ClosedWaiting, 1)
	checkInt(t, "A calls", a.Calls, 4)
	check(t, "A no-show %", a.NoShowPct, f(25))
	check(t, "A wait mean", a.WaitMeanS, f(982.5)) // (120+600+930+2280)/4
	check(t, "A wait median", a.WaitMedianS, f(765))
	check(t, "A wait p90", a.WaitP90S, f(2280))        // rank ceil(3.6) = 4
	check(t, "A service mean", a.ServiceMeanS, f(440)) // (420+300+600)/3
	check(t, "A service median", a.ServiceMedianS, f(420))
	check(t, "A within", a.WithinTargetPct, f(40)) // a1 a2 within; a3 a4 b2x over
	check(t, "A over", a.OverTargetPct, f(60))
	checkInt(t, "A rated", a.Rated, 3)
	check(t, "A rated %", a.RatedPct, f(100))
	checkInt(t, "A presses", a.Presses, 3)
	check(t, "A satisfied %", a.SatisfiedPct, f(66.7)) // scores 3, 1, 2 with threshold 2
	check(t, "A very satisfied %", a.VerySatisfiedPct, f(33.3))
	check(t, "A estimate error", a.EstErrMeanS, f(230))
	check(t, "A estimate abs error", a.EstErrMeanAbsS, f(230))
	if !a.SatisfiedMiss || !a.OverTargetMiss {
		t.Errorf("A: targets missed: got satisfied %v over %v, want both", a.SatisfiedMiss, a.OverTargetMiss)
	}
	checkInt(t, "B issued", b.Issued, 3)
	checkInt(t, "B served", b.Served, 1)
	checkInt(t, "B transferred", b.Transferred, 1)
	checkInt(t, "B cancelled", b.Cancelled, 1)
	check(t, "B wait median (even count)", b.WaitMedianS, f(330)) // (60+600)/2
	check(t, "B wait p90", b.WaitP90S, f(600))
	check(t, "B within", b.WithinTargetPct, f(50)) // b3 left before the target: neither
	check(t, "B rated % (unrated)", b.RatedPct, f(0))
	check(t, "B satisfied % (none rated)", b.SatisfiedPct, nil)
	check(t, "B estimate error", b.EstErrMeanS, f(270))
	if b.SatisfiedMiss {
		t.Errorf("B: no ratings cannot miss the satisfaction target")
	}
}

func TestSummaryRangeWithToday(t *testing.T) {
	st := newStore()
	g := figures(t, st, query(ByService))
	a, b, all := g["A"], g["B"], g["*"]
	checkInt(t, "A issued", a.Issued, 6)
	checkInt(t, "A served", a.Served, 4)
	checkInt(t, "A waiting", a.Waiting, 1)
	check(t, "A wait mean", a.WaitMeanS, f(1026))    // (120+600+930+2280+1200)/5
	check(t, "A wait median", a.WaitMedianS, f(930)) // the third of five
	check(t, "A wait p90", a.WaitP90S, f(2280))      // rank ceil(4.5) = 5
	check(t, "A service median", a.ServiceMedianS, f(510))
	check(t, "A over", a.OverTargetPct, f(66.7)) // a3 a4 b2x a5 over, a1 a2 within, a6 not yet
	check(t, "A satisfied %", a.SatisfiedPct, f(75))
	check(t, "A estimate error", a.EstErrMeanS, f(397.5))
	check(t, "A no-show %", a.NoShowPct, f(16.7))
	checkInt(t, "B issued", b.Issued, 4)
	check(t, "B over", b.OverTargetPct, f(66.7)) // b2 and b4 (waiting 60 min) over, b1 within
	checkInt(t, "total issued", all.Issued, 10)
	checkInt(t, "total served", all.Served, 5)
	check(t, "total wait mean", all.WaitMeanS, f(827.1)) // (120+600+930+60+600+2280+1200)/7
	check(t, "total wait median", all.WaitMedianS, f(600))
	check(t, "total wait p90", all.WaitP90S, f(2280))
	// Closed days were rolled up, today was not.
	if got, want := slices.Sorted(maps.Keys(st.rolled)), []string{"2026-03-02", "2026-03-03", "2026-03-04"}; !slices.Equal(got, want) {
		t.Errorf("rolled up: got %v, want %v", got, want)
	}
	// A second run reads the roll-ups: same figures, nothing rolled again.
	puts := len(st.puts)
	again := figures(t, st, query(ByService))
	if len(st.puts) != puts {
		t.Errorf("second run rolled up again: %v", st.puts)
	}
	j1, _ := json.Marshal(g)
	j2, _ := json.Marshal(again)
	if string(j1) != string(j2) {
		t.Errorf("second run differs:\n%s\n%s", j1, j2)
	}
}

func TestSummaryByDayHasEmptyDays(t *testing.T) {
	g := figures(t, newStore(), query(ByDay))
	for _, d := range []string{"2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05"} {
		if _, ok := g[d]; !ok {
			t.Errorf("day %s missing", d)
		}
	}
	checkInt(t, "empty day issued", g["2026-03-03"].Issued, 0)
	check(t, "empty day wait", g["2026-03-03"].WaitMeanS, nil)
	checkInt(t, "first day issued", g["2026-03-02"].Issued, 7)
	checkInt(t, "today issued", g["2026-03-05"].Issued, 2)
}

func TestSummaryByHour(t *testing.T) {
	g := figures(t, newStore(), query(ByHour))
	type ic struct{ issued, calls int }
	got := map[string]ic{}
	for k, v := range g {
		if k != "*" {
			got[k] = ic{v.Issued, v.Calls}
		}
	}
	// Each ticket counts in the hour it was issued, its call too.
	want := map[string]ic{"08": {6, 6}, "09": {1, 0}, "10": {3, 1}}
	if !maps.Equal(got, want) {
		t.Errorf("issued and calls by hour: got %v, want %v", got, want)
	}
}

func TestSummaryByCounterAndOfficer(t *testing.T) {
	c := figures(t, newStore(), query(ByCounter))
	checkInt(t, "never called (counter 0) issued", c["0"].Issued, 4)
	if c["0"].OverTargetMiss {
		t.Errorf("the group of tickets no counter took is flagged as missing its target")
	}
	checkInt(t, "counter 1 served", c["1"].Served, 3)
	checkInt(t, "counter 2 transferred", c["2"].Transferred, 1)
	o := figures(t, newStore(), query(ByOfficer))
	check(t, "ann satisfied", o["ann"].SatisfiedPct, f(66.7))
	check(t, "cam satisfied", o["cam"].SatisfiedPct, f(100))
	check(t, "bob rated %", o["bob"].RatedPct, f(0))
}

func TestHist(t *testing.T) {
	var h Hist
	for _, v := range []int{5, 1, 3, 3, 10, 7, 2, 8, 9, 4} {
		h.Add(v)
	}
	if got := h.Median(); got != 4.5 {
		t.Errorf("median: got %v, want 4.5", got)
	}
	if got := h.Percentile(90); got != 9 {
		t.Errorf("p90: got %d, want 9", got)
	}
	var a Acc
	a.Wait, a.Issued, a.EstSumS = h, 3, -7
	data, _ := a.AppendBinary(nil)
	var b Acc
	if err := b.MergeBinary(data); err != nil {
		t.Fatal(err)
	}
	j1, _ := json.Marshal(a)
	j2, _ := json.Marshal(b)
	if string(j1) != string(j2) {
		t.Errorf("round trip: got %s, want %s", j2, j1)
	}
	if err := b.MergeBinary(data[:len(data)-1]); err == nil {
		t.Errorf("truncated data: no error")
	}
}

// TestVisits: a transfer's legs join their ticket's row, in order, also
// when another ticket has the very same issue time.
func TestVisits(t *testing.T) {
	rows := []*Ticket{
		{ID: "a", Day: "2026-03-02", Issued: 1, TransferredTo: "a2", Service: "A"},
		{ID: "b", Day: "2026-03-02", Issued: 1, Service: "B"},
		{ID: "a3", Day: "2026-03-02", Issued: 1, TransferredFrom: "a2", Service: "C"},
		{ID: "a2", Day: "2026-03-02", Issued: 1, TransferredFrom: "a", TransferredTo: "a3", Service: "B"},
		{ID: "c", Day: "2026-03-02", Issued: 2, Service: "A"},
		{ID: "orphan", Day: "2026-03-03", Issued: 3, TransferredFrom: "gone", Service: "A"},
	}
	var got []string
	vs := NewVisits(func(v *Visit) error {
		got = append(got, fmt.Sprintf("%s:%v", v.Ticket().ID, v.Route()))
		return nil
	})
	for _, r := range rows {
		if err := vs.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := vs.Flush(); err != nil {
		t.Fatal(err)
	}
	want := []string{"a:[A B C]", "b:[B]", "c:[A]", "orphan:[A]"}
	if !slices.Equal(got, want) {
		t.Errorf("visits: got %v, want %v", got, want)
	}
}
