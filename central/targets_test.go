package central_test

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/report"
	"github.com/hallq/hallq/server/queue"
)

// TestTargetChangeKeepsReports: a hall works two days and ships them;
// both days are rolled up, on the hall and on the central store; then the
// hall changes service A's target wait and works a third day. The first
// two days read the same as before the change — from the roll-ups, and
// freshly computed from the tickets after the roll-ups are dropped — on
// both sides; the third day judges its tickets by the new target; the
// central store gives every figure the hall gives, and names the change.
func TestTargetChangeKeepsReports(t *testing.T) {
	city := newCity(t)
	ctx := context.Background()
	clk := &clock{t: day1}
	a := city.startHall("hall-a", clk)
	rng := rand.New(rand.NewPCG(11, 12))
	for d := range 2 {
		clk.Set(day1.AddDate(0, 0, d))
		a.drive(rng, 300)
	}
	clk.Set(day1.AddDate(0, 0, 2))
	a.do(func(e *queue.Engine, now time.Time) (any, *queue.Change, error) { return nil, e.Tick(now), nil })
	a.waitShipped()

	cdb := city.open(city.cityServer()) // the city server's role
	first, second, third := day1.Format(time.DateOnly), day1.AddDate(0, 0, 1).Format(time.DateOnly), day1.AddDate(0, 0, 2).Format(time.DateOnly)

	// Figures of [from, to], all groupings, from the hall and the central store.
	type both struct{ hall, central string }
	figures := func(from, to string) map[report.Dim]both {
		out := map[report.Dim]both{}
		var set hallq.Settings
		var services []hallq.Service
		var today string
		a.hl.View(func(e *queue.Engine, _ time.Time) { set, services, today = e.Settings(), e.Services(), e.Day() })
		halls, err := cdb.Halls(ctx)
		if err != nil || len(halls) != 1 {
			t.Fatalf("central halls: %v %v", halls, err)
		}
		for _, by := range report.Dims {
			q := report.Query{From: from, To: to, By: by, Today: today, Now: clk.Now(), Loc: hcm, Default: set.Targets(services)}
			local, err := report.Summarize(ctx, a.db.Reports(), q)
			if err != nil {
				t.Fatal(err)
			}
			cent, err := cdb.Summarize(ctx, halls, q)
			if err != nil {
				t.Fatal(err)
			}
			out[by] = both{summaryJSON(t, by, local), summaryJSON(t, by, cent)}
		}
		return out
	}
	before := figures(first, second)
	for by, f := range before {
		if f.hall != f.central {
			t.Errorf("before the change, by %s: the central store differs from the hall:\n hall    %s\n central %s", by, f.hall, f.central)
		}
	}

	// A's target wait goes from 15 to 1 minute; the hall works a third day.
	err := a.do(func(e *queue.Engine, now time.Time) (any, *queue.Change, error) {
		for _, sv := range e.Services() {
			if sv.Code == "A" {
				sv.TargetWaitMin = 1
				return res(e.PutService(now, sv, queue.Actor{User: "admin", Role: hallq.RoleAdmin}))
			}
		}
		t.Fatal("no service A")
		return nil, nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	a.drive(rng, 300)
	a.waitShipped()

	after := figures(first, second)
	dropRollups(t, a, city.o.DSN)
	fresh := figures(first, second)
	for _, by := range report.Dims {
		for what, got := range map[string]both{"after the change": after[by], "computed afresh": fresh[by]} {
			if got.hall != before[by].hall {
				t.Errorf("by %s, %s, the hall's figures of the days before changed:\n before %s\n now    %s", by, what, before[by].hall, got.hall)
			}
			if got.central != before[by].central {
				t.Errorf("by %s, %s, the central figures of the days before changed:\n before %s\n now    %s", by, what, before[by].central, got.central)
			}
		}
	}
	all := figures(first, third)
	for by, f := range all {
		if f.hall != f.central {
			t.Errorf("with the third day, by %s: the central store differs from the hall:\n hall    %s\n central %s", by, f.hall, f.central)
		}
	}

	// The third day's A tickets are held against 1 minute, the first two
	// days' against 15; and the change is named.
	halls, _ := cdb.Halls(ctx)
	var set hallq.Settings
	var services []hallq.Service
	a.hl.View(func(e *queue.Engine, _ time.Time) { set, services = e.Settings(), e.Services() })
	q := report.Query{From: first, To: third, By: report.ByService, Today: third, Now: clk.Now(), Loc: hcm, Default: set.Targets(services)}
	res, err := cdb.Summarize(ctx, halls, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Changes) != 1 || res.Changes[0].Targets.WaitMin["A"] != 1 || res.Targets.WaitMin["A"] != 1 {
		t.Errorf("changes in the range: got %+v (targets at its end %+v), want A's to 1 minute", res.Changes, res.Targets.WaitMin)
	}
	var tickets []report.Ticket
	a.db.Reports().DayTickets(ctx, first, third, func(tk *report.Ticket) error {
		if tk.Service == "A" {
			tickets = append(tickets, *tk)
		}
		return nil
	})
	for _, tk := range tickets {
		want := 15 * 60
		if tk.Day == third && tk.Queued >= res.Changes[0].At {
			want = 60
		}
		if tk.TargetWaitS != want {
			t.Errorf("ticket %s of %s (joined %s): target %d s, want %d", tk.ID, tk.Day, time.UnixMilli(tk.Queued).In(hcm), tk.TargetWaitS, want)
		}
	}
}

// summaryJSON is a result's figures, the way a person reads them.
func summaryJSON(t *testing.T, by report.Dim, res *report.Result) string {
	t.Helper()
	var rows []report.Figures
	for _, g := range res.Groups {
		rows = append(rows, report.Row(by, g.Key, "", &g.Acc, res.Targets))
	}
	rows = append(rows, report.Compute("total", "", &res.Total, res.Targets))
	b, err := json.Marshal(rows)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// dropRollups forgets every roll-up of the hall, on the hall and on the
// central store, so that the next report computes every day afresh.
func dropRollups(t *testing.T, h *testHall, dsn string) {
	t.Helper()
	ctx := context.Background()
	if err := h.db.DropRollups(ctx, "2000-01-01", "2100-01-01"); err != nil {
		t.Fatal(err)
	}
	conn := pgConn(t, dsn)
	defer conn.Close(ctx)
	for _, table := range []string{"report_groups", "report_days"} {
		if _, err := conn.Exec(ctx, `DELETE FROM `+table+` WHERE hall_id = $1`, h.id); err != nil {
			t.Fatal(err)
		}
	}
}
