package report_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/report"
)

// day1 is the Monday the hand-built logs happen on.
var day1 = time.Date(2026, 9, 7, 7, 0, 0, 0, hcm)

// figs are expected figures: group ("A", "total", "2026-09-07") → JSON
// field of report.Figures → value (float64 for a number, nil for null).
type figs map[string]map[string]any

// TestHandBuiltLogs: each log is built by hand through the queue engine
// and the SQLite store, as the hall server writes it, and every figure
// the report gives is the one worked out by hand in the comments (the
// definitions of docs/REPORTS.md). Each is checked live (the day computed
// from its tickets) and from the day's roll-up.
func TestHandBuiltLogs(t *testing.T) {
	closing := func(s *hallq.Settings) { s.ClosingTime = "17:00" }
	cases := []struct {
		name     string
		settings func(*hallq.Settings)
		by       report.Dim
		days     int // how many days the log spans (default 1)
		build    func(h *testHall)
		want     figs
	}{{
		name: "requeued no-show", by: report.ByService,
		build: func(h *testHall) {
			h.open(1)
			h.clock("08:00")
			a := h.issue("A")
			h.clock("08:10")
			h.next(1) // first wait 10 min
			h.clock("08:13")
			h.noShow(1)
			h.clock("08:30")
			h.requeue(a)
			h.clock("08:37")
			h.next(1) // second wait 7 min
			h.clock("08:38")
			h.recall(1)
			h.clock("08:42")
			h.finish(1) // served 5 min after the call that led to it
		},
		want: figs{"A": {
			"issued": 1, "calls": 1, "served": 1, "no_shows": 0, "no_show_pct": 0,
			"wait_mean_s": 1020, "wait_max_s": 1020, // 10 + 7 min
			"service_mean_s":    300,                                                   // not 32 min from the first call
			"within_target_pct": 0, "over_target_pct": 100, "over_target_missed": true, // 17 min > 15
		}},
	}, {
		name: "transfer", by: report.ByService,
		build: func(h *testHall) {
			h.open(1)
			h.open(2)
			h.clock("08:00")
			h.issue("A")
			h.clock("08:02")
			h.next(1) // waited 2 min in A
			h.clock("08:08")
			h.transfer(1, "B")
			h.clock("08:15")
			h.next(2) // waited 7 min in B, over its 5
			h.clock("08:16")
			h.start(2)
			h.clock("08:20")
			h.finish(2) // 4 min from the start
		},
		want: figs{
			"A": {"issued": 1, "calls": 1, "transferred": 1, "served": 0, "wait_mean_s": 120, "within_target_pct": 100,
				"service_mean_s": nil},
			"B":     {"issued": 0, "calls": 1, "served": 1, "wait_mean_s": 420, "over_target_pct": 100, "service_mean_s": 240},
			"total": {"issued": 1, "calls": 2, "served": 1, "transferred": 1, "wait_median_s": 270, "over_target_pct": 50},
		},
	}, {
		name: "recall", by: report.ByService,
		build: func(h *testHall) {
			h.open(1)
			h.clock("08:00")
			h.issue("A")
			h.clock("08:05")
			h.next(1)
			h.clock("08:06")
			h.recall(1)
			h.clock("08:07")
			h.recall(1)
			h.clock("08:09")
			h.finish(1)
		},
		want: figs{"A": {"issued": 1, "calls": 1, "served": 1, "wait_mean_s": 300, "service_mean_s": 240, "within_target_pct": 100}},
	}, {
		name: "end of day in each state", by: report.ByService, settings: closing,
		build: func(h *testHall) {
			h.open(1)
			h.open(2)
			h.clock("15:30")
			h.issue("A") // called at closing
			h.clock("15:31")
			h.issue("A") // in service at closing
			h.clock("15:32")
			h.issue("A") // still waiting at closing
			h.clock("15:40")
			h.next(1) // waited 10 min
			h.clock("15:45")
			h.next(2) // waited 14 min
			h.clock("15:46")
			h.start(2)
			h.clock("16:50")
			if r := h.rate(2, 3); r.TicketID == "" {
				t.Fatalf("a press during service took no ticket: %+v", r)
			}
			h.clock("17:00") // closing
		},
		want: figs{"A": {
			"issued": 3, "calls": 2, "served": 0, "no_shows": 0, "no_show_pct": 0, "cancelled": 0,
			"closed_waiting": 1, "closed_called": 1, "closed_serving": 1,
			"wait_mean_s": 720, "service_mean_s": nil,
			// 10 and 14 min within 15; 88 min waiting at closing over
			"within_target_pct": 66.7, "over_target_pct": 33.3,
			// the press made during service counts; no visit was served
			"presses": 1, "satisfied_pct": 100, "rated": 0, "rated_pct": nil,
		}},
	}, {
		name: "target change", by: report.ByService,
		build: func(h *testHall) {
			h.open(1)
			h.clock("08:00")
			h.issue("A") // under 15 min
			h.clock("08:10")
			h.next(1) // 10 min: within 15
			h.clock("08:12")
			h.finish(1)
			h.clock("08:50")
			h.issue("A") // under 15 min
			h.clock("09:00")
			h.setTarget("A", 5)
			h.issue("A") // under 5 min
			h.clock("09:02")
			h.next(1) // the 08:50 ticket, 12 min: within its 15
			h.clock("09:04")
			h.finish(1)
			h.clock("09:10")
			h.next(1) // the 09:00 ticket, 10 min: over its 5
			h.clock("09:12")
			h.finish(1)
		},
		want: figs{"A": {"issued": 3, "served": 3, "within_target_pct": 66.7, "over_target_pct": 33.3}},
	}, {
		name: "rating pressed in each state", by: report.ByService, settings: closing,
		build: func(h *testHall) {
			h.open(1)
			h.clock("08:00")
			h.rate(1, 1) // nothing called yet: no ticket
			h.clock("08:01")
			h.issue("A")
			h.clock("08:02")
			h.next(1)
			h.clock("08:03")
			h.rate(1, 3) // while called: on it
			h.clock("08:05")
			h.noShow(1) // and it stays counted
			h.clock("08:06")
			h.issue("A")
			h.clock("08:07")
			h.next(1)
			h.clock("08:08")
			h.start(1)
			h.clock("08:09")
			h.rate(1, 2) // in service
			h.clock("08:12")
			h.finish(1)
			h.clock("08:13")
			h.issue("A")
			h.clock("08:14")
			h.next(1)
			h.clock("08:18")
			h.finish(1)
			h.clock("08:19")
			h.rate(1, 3) // done
			h.clock("08:20")
			h.rate(1, 1) // again: already rated, no ticket
			h.clock("08:21")
			h.issue("A")
			h.clock("08:22")
			h.next(1)
			h.clock("08:25")
			h.transfer(1, "B")
			h.clock("08:26")
			h.rate(1, 2) // after a transfer: the last served one, rated already
		},
		want: figs{
			// presses 3, 2, 3 on tickets of A
			"A":     {"presses": 3, "unattached_presses": 0, "satisfied_pct": 100, "very_satisfied_pct": 66.7, "served": 2, "rated": 2, "rated_pct": 100},
			"":      {"presses": 3, "unattached_presses": 3, "satisfied_pct": 33.3, "issued": 0},
			"total": {"presses": 6, "unattached_presses": 3, "satisfied_pct": 66.7, "very_satisfied_pct": 33.3, "satisfied_missed": true},
		},
	}, {
		name: "tickets across midnight", by: report.ByDay, days: 2,
		build: func(h *testHall) {
			h.open(1)
			h.clock("23:40")
			h.issue("A")
			h.clock("23:45")
			h.issue("A")
			h.clock("23:50")
			h.next(1) // waited 10 min
			h.clock("23:51")
			h.start(1)
			h.at(time.Date(2026, 9, 8, 0, 0, 0, 0, hcm)) // midnight closes the day
			h.at(time.Date(2026, 9, 8, 0, 2, 0, 0, hcm))
			h.rate(1, 3) // nobody's now: counts the day it arrived
		},
		want: figs{
			"2026-09-07": {"issued": 2, "calls": 1, "closed_serving": 1, "closed_waiting": 1, "presses": 0,
				"wait_mean_s": 600, "within_target_pct": 100, "over_target_pct": 0}, // 15 min waiting at midnight: not over 15
			"2026-09-08": {"issued": 0, "presses": 1, "unattached_presses": 1},
		},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newTestHall(t, day1, c.settings)
			c.build(h)
			days := max(c.days, 1)
			first := day1.Format(time.DateOnly)
			last := day1.AddDate(0, 0, days-1).Format(time.DateOnly)
			h.at(day1.AddDate(0, 0, days)) // the days are closed
			live := h.figures(h.query(first, last, c.by, first))
			rolled := h.figures(h.query(first, last, c.by, ""))
			checkFigs(t, "live", live, c.want)
			checkFigs(t, "rolled up", rolled, c.want)
			if a, b := mustJSON(live), mustJSON(rolled); a != b {
				t.Errorf("live and rolled up differ:\n%s\n%s", a, b)
			}
			for _, g := range rolled {
				if m, x := g["wait_mean_s"], g["wait_max_s"]; m != nil && m.(float64) > x.(float64) {
					t.Errorf("mean wait %v exceeds the max %v", m, x)
				}
			}
		})
	}
}

func checkFigs(t *testing.T, how string, got map[string]map[string]any, want figs) {
	t.Helper()
	for _, key := range slices.Sorted(maps.Keys(want)) {
		g, ok := got[key]
		if !ok {
			t.Errorf("%s: no group %q (have %v)", how, key, slices.Sorted(maps.Keys(got)))
			continue
		}
		for _, field := range slices.Sorted(maps.Keys(want[key])) {
			w := want[key][field]
			if n, ok := w.(int); ok {
				w = float64(n)
			}
			if gv, ok := g[field]; !ok && w != nil {
				t.Errorf("%s: %s has no %s", how, key, field)
			} else if fmt.Sprint(gv) != fmt.Sprint(w) {
				t.Errorf("%s: %s %s: got %v, want %v", how, key, field, gv, w)
			}
		}
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
