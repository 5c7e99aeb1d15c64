package server_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/server/reports"
	"github.com/hallq/hallq/server/servertest"
	"github.com/hallq/hallq/server/sqlite"
	"github.com/hallq/hallq/simhall"
	"github.com/hallq/hallq/staffing"
)

// seededHall is the demo hall with four weeks of realistic history
// before Tuesday 17 November 2026, its clock at 09:30 that morning, and
// its plans made on few simulated days (quick, and as real).
func seededHall(t *testing.T) (*servertest.Hall, *servertest.Clock) {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	clock := servertest.NewClock(time.Date(2026, 11, 17, 9, 30, 0, 0, loc))
	h := servertest.Start(t, servertest.Options{Now: clock.Now, Plan: &staffing.Options{Replications: 3},
		Setup: func(db *sqlite.DB) error {
			dm := simhall.RealisticDemand(60)
			_, err := simhall.Seed(context.Background(), db, simhall.SeedConfig{Days: 28, End: clock.Now(), Seed: 5, Demand: &dm})
			return err
		}})
	return h, clock
}

// The forecast API on a seeded hall: tomorrow by default, hours that add
// up to the day, a plan that opens the hall's own counters, the CSV for
// Excel in the reader's language, today's arrivals and open counters so
// far, and bad input refused with its cause.
func TestForecastAPI(t *testing.T) {
	h, clock := seededHall(t)
	mgr := h.Login("quanly")

	var f reports.ForecastResponse
	if code := h.Do("GET", "/api/v1/forecast", mgr, nil, &f); code != 200 {
		t.Fatalf("GET /api/v1/forecast: %d", code)
	}
	if f.Date != "2026-11-18" || f.Closed != "" || f.Begun {
		t.Errorf("date %s closed %q begun %v; want tomorrow, 2026-11-18, open, not begun", f.Date, f.Closed, f.Begun)
	}
	if f.History.To != "2026-11-16" || f.History.Days < 20 || f.BandPct != 80 {
		t.Errorf("history %+v, band %d %%; want up to 2026-11-16, 20+ open days, 80 %%", f.History, f.BandPct)
	}
	if !(f.Total.Low <= f.Total.Mean && f.Total.Mean <= f.Total.High) || f.Total.Mean < 30 || f.Total.Mean > 120 {
		t.Errorf("the day: %+v; want a mean inside its band, near the seeded 60 a day", f.Total)
	}
	if len(f.Services) != 5 || f.Services[0].Code != "A" || f.Services[0].Name != "Hộ tịch" {
		t.Errorf("services %+v; want the demo's five, A Hộ tịch first", f.Services)
	}
	var sum float64
	for _, hr := range f.Hours {
		sum += hr.Total.Mean
		var svc float64
		for _, b := range hr.Services {
			svc += b.Mean
		}
		if math.Abs(svc-hr.Total.Mean) > 0.05*float64(len(hr.Services))+1e-9 {
			t.Errorf("%d h: services add up to %.2f, the hour says %.2f", hr.Hour, svc, hr.Total.Mean)
		}
		for _, c := range hr.Counters {
			if c < 1 || c > 6 {
				t.Errorf("%d h: counter %d is not one of the hall's six", hr.Hour, c)
			}
		}
		if hr.Actual != nil || hr.Open != nil {
			t.Errorf("%d h of a coming day has actual %v, open %v", hr.Hour, hr.Actual, hr.Open)
		}
	}
	if math.Abs(sum-f.Total.Mean) > 0.02*f.Total.Mean+0.05*float64(len(f.Hours)) {
		t.Errorf("the hours add up to %.1f, the day is %.1f", sum, f.Total.Mean)
	}
	if len(f.Hours) == 0 || f.Hours[0].Hour < 6 || f.Hours[len(f.Hours)-1].Hour > 18 {
		t.Fatalf("hours %v; want the hall's day", f.Hours)
	}
	if f.Plan == nil || f.Plan.GoalPct != 90 || f.Plan.Simulations == 0 {
		t.Fatalf("plan %+v; want one, made by simulation, for 90 %%", f.Plan)
	}
	planned := 0
	for _, hr := range f.Hours {
		if hr.WithinPct != nil {
			planned++
			if len(hr.Counters) == 0 {
				t.Errorf("%d h is planned with no counter", hr.Hour)
			}
		}
	}
	if planned == 0 {
		t.Error("no hour has a plan")
	}

	// The CSV, as Excel opens it.
	for _, c := range []struct{ lang, hour, day string }{{"", "Giờ", "Cả ngày"}, {"en", "Hour", "Whole day"}} {
		code, data := h.Raw("GET", "/api/v1/forecast?format=csv&date=2026-11-18&lang="+c.lang, mgr, nil)
		if code != 200 || !strings.HasPrefix(string(data), "\ufeff") {
			t.Fatalf("CSV %q: %d %.60q; want 200 with a UTF-8 BOM", c.lang, code, data)
		}
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(data), "\ufeff"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != len(f.Hours)+2 || rows[0][0] != c.hour || rows[len(rows)-1][0] != c.day || rows[0][4] != "A — "+map[string]string{"": "Hộ tịch", "en": "Civil status"}[c.lang] {
			t.Errorf("CSV %q: %d rows, header %q, last %q; want %d rows, %s … A's name, %s last", c.lang, len(rows), rows[0], rows[len(rows)-1], len(f.Hours)+2, c.hour, c.day)
		}
		if want := fmt.Sprintf("%02d:00–%02d:00", f.Hours[0].Hour, f.Hours[0].Hour+1); rows[1][0] != want {
			t.Errorf("CSV %q: first hour %q, want %q", c.lang, rows[1][0], want)
		}
	}

	// Today: what has come so far, and the counters open.
	for _, s := range []string{"A", "A", "C"} {
		if code := h.Do("POST", "/api/v1/tickets", servertest.KioskToken, map[string]any{"service": s}, nil); code != 201 {
			t.Fatalf("issue: %d", code)
		}
	}
	if code := h.Do("POST", "/api/v1/counters/1/open", h.Login("canbo1"), nil, nil); code != 200 {
		t.Fatalf("open counter 1: %d", code)
	}
	clock.Set(clock.Now().Add(45 * time.Minute)) // 10:15
	var today reports.ForecastResponse
	if code := h.Do("GET", "/api/v1/forecast?date=2026-11-17", mgr, nil, &today); code != 200 {
		t.Fatalf("today: %d", code)
	}
	if !today.Begun || today.Actual == nil || *today.Actual != 3 || today.History.To != "2026-11-16" {
		t.Fatalf("today: begun %v, actual %v, history %+v; want begun, 3 so far, learnt up to yesterday", today.Begun, today.Actual, today.History)
	}
	for _, hr := range today.Hours {
		if hr.Hour > 10 {
			if hr.Actual != nil || hr.Open != nil {
				t.Errorf("today %d h, still to come: actual %v, open %v; want none", hr.Hour, hr.Actual, hr.Open)
			}
			continue
		}
		want := map[int][2]float64{9: {3, 0.5}, 10: {0, 1}}[hr.Hour]
		if hr.Actual == nil || hr.Open == nil || float64(*hr.Actual) != want[0] || *hr.Open != want[1] {
			t.Errorf("today %d h: actual %v, open %v; want %v", hr.Hour, hr.Actual, hr.Open, want)
		}
	}

	// The wait estimate printed on tickets expects the same arrivals
	// today, and starts from the services' usual occupancies; so does the
	// hall after a restart.
	checkForesight(t, h, today)
	h = h.Restart()
	checkForesight(t, h, today)

	// Bad input changes nothing and says what is wrong.
	for _, c := range []struct{ query, code, reason, says string }{
		{"?date=18/11/2026", "invalid", "", "YYYY-MM-DD"},
		{"?date=2030-01-01", "invalid", "out_of_range", "2030-01-01"},
		{"?date=2026-08-01", "invalid", "out_of_range", "2026-09-18"},
		{"?format=xlsx", "invalid", "", "json or csv"},
	} {
		var e hallq.ErrorBody
		if code := h.Do("GET", "/api/v1/forecast"+c.query, mgr, nil, &e); code != 400 || e.Error.Code != c.code || e.Error.Reason != c.reason || !strings.Contains(e.Error.Message, c.says) {
			t.Errorf("%s: %d %+v; want 400 %s %q saying %q", c.query, code, e.Error, c.code, c.reason, c.says)
		}
	}
	var e hallq.ErrorBody
	if code := h.Do("GET", "/api/v1/forecast", h.Login("canbo1"), nil, &e); code != 403 {
		t.Errorf("an officer asks for the forecast: %d %+v; want 403", code, e)
	}
}

// A hall with too little history says so, by its reason.
func TestForecastShortHistory(t *testing.T) {
	h := servertest.Start(t, servertest.Options{})
	var e hallq.ErrorBody
	if code := h.Do("GET", "/api/v1/forecast", h.Login("quanly"), nil, &e); code != 409 || e.Error.Reason != "short_history" || !strings.Contains(e.Error.Message, "at least 10") {
		t.Errorf("a new hall: %d %+v; want 409 short_history saying it needs at least 10 days", code, e.Error)
	}
}
