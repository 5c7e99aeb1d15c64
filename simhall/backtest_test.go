package simhall

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hallq/hallq/staffing"
)

// The backtest on a small history: six weeks of a realistic hall, the
// last two forecast day by day from the weeks before. It completes, the
// forecast beats "same weekday last week" on daily and hourly arrivals,
// and the last day's plan replays. (The full eight weeks after a year are
// in docs/BENCHMARKS.md: hallsim forecast-backtest.)
func TestBacktestSmall(t *testing.T) {
	ctx := context.Background()
	db := demoDB(t)
	dm := RealisticDemand(80)
	end := time.Date(2026, 11, 3, 12, 0, 0, 0, time.UTC) // a Tuesday: two weeks around the month's end
	seed, err := Seed(ctx, db, SeedConfig{Days: 42, End: end, Seed: 2, Demand: &dm})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Backtest(ctx, db, BacktestConfig{Weeks: 2, Plan: true, PlanDays: 1,
		PlanOptions: staffing.Options{Replications: 4}, Expected: seed.Expected})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	rep.Print(&out, 0.9)
	t.Log("\n" + out.String())
	if rep.Days != 14 || rep.OpenDays != 12 || len(rep.Plans) != 1 {
		t.Errorf("%d days (%d open), %d plans; want 14 (12), 1", rep.Days, rep.OpenDays, len(rep.Plans))
	}
	naive, full := rep.Methods[0], rep.Methods[1]
	if naive.Name != Naive || full.Name != "full" || rep.Methods[len(rep.Methods)-1].Name != Oracle {
		t.Fatalf("methods %v %v …, want naive, full, …, oracle", naive.Name, full.Name)
	}
	for _, hourly := range []bool{false, true} {
		if f, n := full.WAPE("", hourly), naive.WAPE("", hourly); !(f < n) {
			t.Errorf("hourly %v: the forecast's WAPE %.3f does not beat the naive %.3f", hourly, f, n)
		}
	}
	for _, p := range rep.Plans {
		if p.Citizens == 0 || p.CounterHours == 0 || p.Replayed <= 0 {
			t.Errorf("plan of %s: %+v", p.Date, p)
		}
	}
}
