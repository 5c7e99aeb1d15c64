package sqlite_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/report"
	"github.com/hallq/hallq/server/sqlite"
)

// The year of a busy hall for the report benchmarks: 1,000,000 tickets
// over 365 days (about 2,740 a day) in 5 services at 10 counters,
// generated straight into SQLite. Built once per process in a temporary
// directory (about 20 s).
const (
	benchTickets = 1_000_000
	benchDays    = 365
	benchFirst   = "2026-01-01"
)

var (
	benchOnce sync.Once
	benchDB   *sqlite.DB
	benchDir  string
	benchErr  error
	benchLoc  = mustZone("Asia/Ho_Chi_Minh")
)

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func benchStore(b *testing.B) *sqlite.DB {
	b.Helper()
	benchOnce.Do(func() {
		start := time.Now()
		benchDir, benchErr = os.MkdirTemp("", "hallq-bench-")
		if benchErr != nil {
			return
		}
		benchDB, benchErr = sqlite.Open(context.Background(), filepath.Join(benchDir, "hall.db"))
		if benchErr != nil {
			return
		}
		benchErr = generateYear(benchDB)
		b.Logf("generated %d tickets in %v", benchTickets, time.Since(start).Round(time.Second))
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchDB
}

// TestMain removes the benchmark database.
func TestMain(m *testing.M) {
	code := m.Run()
	if benchDB != nil {
		benchDB.Close()
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

func generateYear(db *sqlite.DB) error {
	rng := rand.New(rand.NewPCG(1, 2))
	first, _ := time.ParseInLocation(time.DateOnly, benchFirst, benchLoc)
	services := []string{"A", "B", "C", "D", "E"}
	perDay := benchTickets / benchDays
	n := 0
	return db.BulkTickets(context.Background(), func(insert func(*hallq.Ticket) error) error {
		for d := 0; d < benchDays && n < benchTickets; d++ {
			day := first.AddDate(0, 0, d)
			dayStr := day.Format(time.DateOnly)
			count := perDay
			if d == benchDays-1 {
				count = benchTickets - n
			}
			for i := 0; i < count && n < benchTickets; i++ {
				svc := services[rng.IntN(len(services))]
				issued := day.Add(7*time.Hour + 30*time.Minute + time.Duration(rng.IntN(9*3600))*time.Second)
				wait := time.Duration(rng.ExpFloat64()*900) * time.Second
				called := issued.Add(wait)
				svcTime := time.Duration(60+rng.IntN(1200)) * time.Second
				finished := called.Add(svcTime)
				counter := 1 + rng.IntN(10)
				t := &hallq.Ticket{
					ID: fmt.Sprintf("t%07d", n), Day: dayStr, Service: svc, Number: i + 1, Label: fmt.Sprintf("%s%04d", svc, i+1),
					State: hallq.StateDone, IssuedAt: issued, CalledAt: &called, FinishedAt: &finished,
					QueuedAt: &issued, LastCalledAt: &called, WaitedMS: wait.Milliseconds(), TargetWaitS: new(benchTargets[svc] * 60),
					Counter: counter, Officer: fmt.Sprintf("canbo%d", counter), IssueEstimateS: rng.IntN(1800), Secret: "s",
				}
				switch r := rng.IntN(100); {
				case r < 5:
					t.State, t.FinishedAt = hallq.StateNoShow, &called
				case r < 7:
					t.State, t.CalledAt, t.LastCalledAt, t.WaitedMS, t.Counter, t.Officer, t.Reason = hallq.StateCancelled, nil, nil, 0, 0, "", "day_closed"
				default:
					if rng.IntN(100) < 60 {
						t.Rating = 1 + rng.IntN(3)
					}
				}
				if err := insert(t); err != nil {
					return err
				}
				n++
			}
		}
		return nil
	})
}

// benchTargets are the services' target waits, in minutes.
var benchTargets = map[string]int{"A": 15, "B": 10, "C": 20, "D": 20, "E": 15}

func benchQuery(from, to string, by report.Dim) report.Query {
	return report.Query{From: from, To: to, By: by, Today: "2027-01-01", Now: time.Date(2027, 1, 1, 9, 0, 0, 0, benchLoc), Loc: benchLoc,
		Default: hallq.Targets{WaitMin: benchTargets, SatisfiedPct: 80, OverWaitPct: 10, SatisfiedMin: 2, TopScore: 3}}
}

// BenchmarkRollupYear rolls up the whole year from its tickets: what
// the first report after an upgrade costs once (later days are rolled up
// one at a time, as reports reach them).
func BenchmarkRollupYear(b *testing.B) {
	db := benchStore(b)
	ctx := context.Background()
	for b.Loop() {
		if err := db.DropRollups(ctx, "2026-01-01", "2026-12-31"); err != nil {
			b.Fatal(err)
		}
		if err := report.EnsureRollups(ctx, db.Reports(), "2026-01-01", "2026-12-31", benchQuery("2026-01-01", "2026-12-31", report.ByService)); err != nil {
			b.Fatal(err)
		}
	}
}

func benchSummary(b *testing.B, q report.Query) {
	db := benchStore(b)
	ctx := context.Background()
	if err := report.EnsureRollups(ctx, db.Reports(), "2026-01-01", "2026-12-31", q); err != nil {
		b.Fatal(err)
	}
	var res *report.Result
	for b.Loop() {
		var err error
		if res, err = report.Summarize(ctx, db.Reports(), q); err != nil {
			b.Fatal(err)
		}
	}
	f := report.Compute("", "", &res.Total, res.Targets)
	b.ReportMetric(float64(f.Issued), "tickets")
	b.Logf("%d groups, %d tickets, wait median %.1f s, p90 %.0f s", len(res.Groups), f.Issued, *f.WaitMedianS, *f.WaitP90S)
}

// BenchmarkSummaryYearByService: the whole year by service.
func BenchmarkSummaryYearByService(b *testing.B) {
	benchSummary(b, benchQuery("2026-01-01", "2026-12-31", report.ByService))
}

// BenchmarkSummaryMonthByHour: one month by hour.
func BenchmarkSummaryMonthByHour(b *testing.B) {
	benchSummary(b, benchQuery("2026-03-01", "2026-03-31", report.ByHour))
}

// TestRollupsExact checks that figures read from roll-ups equal figures
// computed from the tickets directly, on a generated week.
func TestRollupsExact(t *testing.T) {
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "hall.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rng := rand.New(rand.NewPCG(3, 4))
	first, _ := time.ParseInLocation(time.DateOnly, "2026-05-04", benchLoc)
	err = db.BulkTickets(t.Context(), func(insert func(*hallq.Ticket) error) error {
		for i := range 3000 {
			day := first.AddDate(0, 0, i%7)
			issued := day.Add(8*time.Hour + time.Duration(rng.IntN(8*3600))*time.Second)
			called := issued.Add(time.Duration(rng.IntN(3000)) * time.Second)
			fin := called.Add(time.Duration(60+rng.IntN(900)) * time.Second)
			t := &hallq.Ticket{ID: fmt.Sprint(i), Day: day.Format(time.DateOnly), Service: []string{"A", "B"}[i%2], Number: i, Label: fmt.Sprint(i),
				State: hallq.StateDone, IssuedAt: issued, CalledAt: &called, FinishedAt: &fin, Counter: 1 + i%3, Officer: "x", Rating: rng.IntN(4), Secret: "s"}
			if err := insert(t); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	tg := report.Targets{SatisfiedPct: 80, OverWaitPct: 10, SatisfiedMin: 2, TopScore: 3}
	for _, by := range report.Dims {
		q := report.Query{From: "2026-05-04", To: "2026-05-10", By: by, Now: time.Now(), Loc: benchLoc,
			Default: hallq.Targets{WaitMin: map[string]int{"A": 10, "B": 15}}}
		q.Today = "2026-05-04" // everything live, from the tickets
		live, err := report.Summarize(t.Context(), db.Reports(), q)
		if err != nil {
			t.Fatal(err)
		}
		q.Today = "2026-06-01" // everything closed, from roll-ups
		rolled, err := report.Summarize(t.Context(), db.Reports(), q)
		if err != nil {
			t.Fatal(err)
		}
		if len(live.Groups) != len(rolled.Groups) {
			t.Fatalf("by %s: %d groups live, %d rolled up", by, len(live.Groups), len(rolled.Groups))
		}
		for i := range live.Groups {
			a := report.Compute("", "", &live.Groups[i].Acc, tg)
			b := report.Compute("", "", &rolled.Groups[i].Acc, tg)
			ja, _ := json.Marshal(a)
			jb, _ := json.Marshal(b)
			if string(ja) != string(jb) {
				t.Errorf("by %s group %s:\nlive      %s\nrolled up %s", by, live.Groups[i].Key, ja, jb)
			}
		}
	}
}
