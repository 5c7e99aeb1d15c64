package staffing_test

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/forecast"
	"github.com/hallq/hallq/report"
	"github.com/hallq/hallq/server"
	"github.com/hallq/hallq/server/sqlite"
	"github.com/hallq/hallq/simhall"
	"github.com/hallq/hallq/staffing"
)

func TestOpenPerHour(t *testing.T) {
	loc := time.FixedZone("ICT", 7*3600)
	midnight := time.Date(2026, 12, 1, 0, 0, 0, 0, loc)
	at := func(hm string) time.Time {
		c, _ := time.ParseInLocation("15:04", hm, loc)
		return midnight.Add(time.Duration(c.Hour())*time.Hour + time.Duration(c.Minute())*time.Minute)
	}
	ev := func(hm string, typ hallq.EventType, counter int) hallq.Event {
		return hallq.Event{At: at(hm), Type: typ, Counter: counter}
	}
	evs := []hallq.Event{
		ev("07:00", hallq.EventCounterOpened, 1), ev("07:30", hallq.EventCounterOpened, 2),
		ev("09:00", hallq.EventCounterPaused, 2), ev("09:15", hallq.EventCounterOpened, 2),
		ev("11:00", hallq.EventCounterClosed, 1), ev("12:00", hallq.EventCounterClosed, 2),
	}
	got := staffing.OpenPerHour(evs, midnight, midnight.AddDate(0, 0, 1))
	want := map[int]float64{6: 0, 7: 1.5, 8: 2, 9: 1.75, 10: 2, 11: 1, 12: 0}
	for h, w := range want {
		if math.Abs(got[h]-w) > 1e-9 {
			t.Errorf("hour %d: %v counters open, want %v", h, got[h], w)
		}
	}
	// At 09:30 the running hour is averaged over its half hour: counter 1
	// all of it, counter 2 its last quarter hour.
	now := staffing.OpenPerHour(evs, midnight, at("09:30"))
	if math.Abs(now[9]-1.5) > 1e-9 || now[10] != 0 || now[8] != 2 {
		t.Errorf("at 09:30: %v, %v, %v open at 08, 09, 10; want 2, 1.5, 0", now[8], now[9], now[10])
	}
}

// Outlooks on a seeded hall's real database: tomorrow's forecast and
// plan, a past day with what happened (its arrivals and the counters the
// seeded officers opened at 07:15), dates out of range refused, and a
// day asked twice made once.
func TestOutlooks(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hall.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := server.SeedDemo(ctx, db); err != nil {
		t.Fatal(err)
	}
	dm := simhall.RealisticDemand(60)
	now := time.Date(2026, 11, 18, 10, 0, 0, 0, time.UTC) // 17:00 in the hall, a Wednesday
	if _, err := simhall.Seed(ctx, db, simhall.SeedConfig{Days: 28, End: now, Seed: 4, Demand: &dm}); err != nil {
		t.Fatal(err)
	}
	st, err := db.LoadState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	o := staffing.NewOutlooks(source{db}, staffing.Options{Replications: 4}, forecast.Options{})

	tomorrow, err := o.Get(ctx, st, now, forecast.Date(2026, 11, 19))
	if err != nil {
		t.Fatal(err)
	}
	if tomorrow.Begun || tomorrow.Forecast.Closed != "" || tomorrow.Forecast.Total.Day.Mean < 30 || len(tomorrow.Plan.Hours) == 0 {
		t.Fatalf("tomorrow: begun %v, closed %q, %v expected, %d planned hours", tomorrow.Begun, tomorrow.Forecast.Closed,
			tomorrow.Forecast.Total.Day.Mean, len(tomorrow.Plan.Hours))
	}
	if tomorrow.HistoryDays < 20 || !tomorrow.HistoryTo.Equal(forecast.Date(2026, 11, 17)) {
		t.Errorf("history of %d days to %v, want 20 or more to 17/11 (yesterday)", tomorrow.HistoryDays, tomorrow.HistoryTo)
	}
	again, err := o.Get(ctx, st, now, forecast.Date(2026, 11, 19))
	if err != nil || again.Plan != tomorrow.Plan {
		t.Errorf("asked again: %v, the plan made again", err)
	}

	past, err := o.Get(ctx, st, now, forecast.Date(2026, 11, 16))
	if err != nil {
		t.Fatal(err)
	}
	var tickets int
	if err := db.Reports().DayTickets(ctx, "2026-11-16", "2026-11-16", func(tk *report.Ticket) error {
		if tk.Original() {
			tickets++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !past.Begun || past.Actual.Total() != float64(tickets) || tickets == 0 {
		t.Errorf("16/11: begun %v with %v arrivals, want %d", past.Begun, past.Actual.Total(), tickets)
	}
	if past.Open[8] != 6 || math.Abs(past.Open[7]-4.5) > 1e-9 || past.Open[3] != 0 {
		t.Errorf("16/11: %v, %v, %v counters open at 03, 07, 08; want 0, 4.5 (from 07:15), 6", past.Open[3], past.Open[7], past.Open[8])
	}
	if !past.HistoryTo.Before(forecast.Date(2026, 11, 16)) {
		t.Errorf("the past day was forecast from history up to %v", past.HistoryTo)
	}

	for _, d := range []time.Time{forecast.Date(2026, 9, 1), forecast.Date(2028, 1, 1)} {
		if _, err := o.Get(ctx, st, now, d); !errors.Is(err, staffing.ErrOutOfRange) {
			t.Errorf("%v: got %v, want out of range", d, err)
		}
	}
}

// source is the hall's database as outlooks read it.
type source struct{ db *sqlite.DB }

func (s source) DayTickets(ctx context.Context, from, to string, fn func(*report.Ticket) error) error {
	return s.db.Reports().DayTickets(ctx, from, to, fn)
}

func (s source) CounterEvents(ctx context.Context, from, to time.Time) ([]hallq.Event, error) {
	return s.db.CounterEvents(ctx, from, to)
}
