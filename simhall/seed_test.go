package simhall

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/hallq/hallq/report"
	"github.com/hallq/hallq/server"
	"github.com/hallq/hallq/server/queue"
	"github.com/hallq/hallq/server/sqlite"
	"github.com/hallq/hallq/simday"
)

// demoDB is a new demo hall's database, closed when the test ends.
func demoDB(t *testing.T) *sqlite.DB {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hall.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := server.SeedDemo(ctx, db); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestSeed(t *testing.T) {
	ctx := context.Background()
	db := demoDB(t)
	end := time.Date(2026, 11, 16, 12, 0, 0, 0, time.UTC) // a Monday
	rep, err := Seed(ctx, db, SeedConfig{Days: 14, End: end, TicketsPerDay: 40, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	// Two weeks: 10 weekdays of 40, 2 Saturdays of 20, Sundays closed.
	if rep.Days != 12 || rep.Tickets != 440 || rep.From != "2026-11-02" || rep.To != "2026-11-15" {
		t.Errorf("got %+v, want 12 days, 440 tickets, 2026-11-02 to 2026-11-15", rep)
	}
	// The store holds what a server would: the engine resumes from it on
	// the next day with an empty queue and the numbering restarted.
	st, err := db.LoadState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Day != "2026-11-16" || st.LastSeq != int64(rep.Events) || len(st.Tickets) != 0 {
		t.Errorf("got day %s, last seq %d (want %d), %d active tickets; want 2026-11-16 and none", st.Day, st.LastSeq, rep.Events, len(st.Tickets))
	}
	if _, err := queue.New(st); err != nil {
		t.Errorf("the engine cannot resume: %v", err)
	}
	var tickets, ratings, events, gaps int
	raw, err := sql.Open("sqlite", "file:"+db.Path()+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	q := func(query string, v *int) {
		t.Helper()
		if err := raw.QueryRowContext(ctx, query).Scan(v); err != nil {
			t.Fatal(err)
		}
	}
	q(`SELECT COUNT(*) FROM tickets WHERE transferred_from = ''`, &tickets)
	q(`SELECT COUNT(*) FROM ratings`, &ratings)
	q(`SELECT COUNT(*) FROM events`, &events)
	q(`SELECT COUNT(*) FROM events e WHERE seq > 1 AND NOT EXISTS (SELECT 1 FROM events p WHERE p.seq = e.seq - 1)`, &gaps)
	if tickets != rep.Tickets || ratings != rep.Ratings || events != rep.Events || gaps != 0 {
		t.Errorf("got %d tickets, %d ratings, %d events (%d gaps); want %d, %d, %d, 0", tickets, ratings, events, gaps, rep.Tickets, rep.Ratings, rep.Events)
	}
	var rated int
	q(`SELECT COUNT(*) FROM tickets WHERE rating > 0`, &rated)
	if rated == 0 || rated > ratings {
		t.Errorf("got %d rated tickets for %d ratings", rated, ratings)
	}

	// Seeding again is refused, and changes nothing.
	if _, err := Seed(ctx, db, SeedConfig{Days: 3, End: end, TicketsPerDay: 40}); !errors.Is(err, ErrHasHistory) {
		t.Errorf("second seed: got %v, want ErrHasHistory", err)
	}
	var again int
	q(`SELECT COUNT(*) FROM events`, &again)
	if again != events {
		t.Errorf("got %d events after a refused seed, want %d", again, events)
	}
}

// The realistic demand: weekdays, Saturday mornings, closed Sundays and
// holidays, busier month ends and days around holidays, and growth.
func TestRealisticDemand(t *testing.T) {
	dm := RealisticDemand(100).forServices([]string{"A", "B", "C", "D", "E"})
	cal := &holidayCalendar{holidays: map[string]bool{"2026-09-01": true, "2026-09-02": true}, weekday: dm.Weekday}
	p := simday.StandardDay()
	day := func(s string, years float64) demandDay {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return dm.day(cal, d, years, &p)
	}
	total := func(dd demandDay) float64 {
		var s float64
		for _, v := range dd.expected {
			s += v
		}
		return s
	}
	near := func(what string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 0.01*want {
			t.Errorf("%s: %.2f, want %.2f", what, got, want)
		}
	}
	near("a plain Wednesday (12 August)", total(day("2026-08-12", 0)), 100)
	near("a plain Monday (10 August)", total(day("2026-08-10", 0)), 120)
	near("the same Monday a year before", total(day("2026-08-10", 1)), 120/1.08)
	if sat := day("2026-08-15", 0); sat.last != simday.Clock("11:30") || sat.morning != 1 {
		t.Errorf("Saturday until %d with %.2f in the morning, want 11:30 and all of it", sat.last, sat.morning)
	}
	for _, closed := range []string{"2026-08-16", "2026-09-01", "2026-09-02"} {
		if day(closed, 0).open {
			t.Errorf("%s is open, want closed (Sunday or holiday)", closed)
		}
	}
	// Monday 31 August: the month's last day and the last working day
	// before Quốc khánh; Thursday 3 September the first after it.
	mon := day("2026-08-31", 0)
	near("31 August, land (C)", mon.expected["C"], 120.0/6*(1+0.25*1.6)*1.30)
	thu := day("2026-09-03", 0)
	near("3 September, civil status (A)", thu.expected["A"], 95.0/3*1.10*1.40)
	near("Friday 4 September, the second after it", total(day("2026-09-04", 0)), 80*1.20)
}

// A realistic seed closes the holidays and Sundays, keeps Saturdays to
// the morning, and reports the expected arrivals it drew around.
func TestSeedRealistic(t *testing.T) {
	ctx := context.Background()
	db := demoDB(t)
	dm := RealisticDemand(40)
	end := time.Date(2026, 9, 7, 12, 0, 0, 0, time.UTC) // Monday: 31 August – 6 September
	rep, err := Seed(ctx, db, SeedConfig{Days: 7, End: end, Seed: 5, Demand: &dm})
	if err != nil {
		t.Fatal(err)
	}
	// Monday, Thursday, Friday and Saturday: 1 and 2 September are
	// Quốc khánh in the demo's holidays, Sunday is closed.
	if rep.Days != 4 || len(rep.Expected) != 4 {
		t.Fatalf("got %d days with tickets and %d expected, want 4 and 4", rep.Days, len(rep.Expected))
	}
	loc, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	perDay := map[string]int{}
	err = db.Reports().DayTickets(ctx, "2026-08-31", "2026-09-06", func(tk *report.Ticket) error {
		if !tk.Original() {
			return nil
		}
		perDay[tk.Day]++
		if at := time.UnixMilli(tk.Issued).In(loc); at.Weekday() == time.Saturday && at.Hour()*60+at.Minute() >= simday.Clock("11:30") {
			t.Errorf("ticket issued on Saturday at %s, after 11:30", at.Format("15:04"))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"2026-09-01", "2026-09-02", "2026-09-06"} {
		if perDay[d] != 0 {
			t.Errorf("%d tickets on %s, want none (closed)", perDay[d], d)
		}
	}
	var sum float64
	for _, e := range rep.Expected {
		sum += e.Total()
	}
	if got := float64(rep.Tickets); math.Abs(got-sum) > 4*math.Sqrt(sum)+0.2*sum {
		t.Errorf("%v tickets, expected about %.0f", got, sum)
	}
}
