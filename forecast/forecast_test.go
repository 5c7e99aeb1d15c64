package forecast

import (
	"errors"
	"math"
	"slices"
	"testing"
	"time"
)

// build makes a history from from to to (exclusive): perDay gives each
// date's arrivals of each service (nothing: closed), spread evenly over
// the hours in hours.
func build(from, to time.Time, hours []int, perDay func(d time.Time) map[string]float64) *History {
	var days []Day
	for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
		day := Day{Date: d}
		for s, n := range perDay(d) {
			for _, h := range hours {
				day.Add(s, h, n/float64(len(hours)))
			}
		}
		days = append(days, day)
	}
	return NewHistory(days)
}

var morning = []int{8, 9, 10, 11}

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s: got %.3f, want %.3f ± %.3f", what, got, want, tol)
	}
}

func mustFit(t *testing.T, h *History, asOf time.Time, cal Calendar, opt Options) *Model {
	t.Helper()
	m, err := Fit(h, cal, asOf, opt)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func mustForecast(t *testing.T, m *Model, d time.Time) *DayForecast {
	t.Helper()
	f, err := m.Forecast(d)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// A constant hall: 40 a day, Monday to Saturday, 10 an hour from 08:00 to
// 12:00. The forecast is the same, closed on Sunday, and the band is the
// Poisson spread (the history itself does not vary).
func TestConstant(t *testing.T) {
	start, end := Date(2026, 1, 5), Date(2026, 7, 6) // Mondays
	h := build(start, end, morning, func(d time.Time) map[string]float64 {
		if d.Weekday() == time.Sunday {
			return nil
		}
		return map[string]float64{"A": 40}
	})
	for _, method := range Methods {
		m := mustFit(t, h, end, Calendar{}, Options{Method: method})
		if !m.AsOf().Equal(end) {
			t.Fatalf("as of %v, want %v", m.AsOf(), end)
		}
		f := mustForecast(t, m, end) // Monday
		a := f.Service("A")
		near(t, string(method)+": Monday", a.Day.Mean, 40, 0.4)
		for hr := range 24 {
			want := 0.0
			if hr >= 8 && hr < 12 {
				want = 10
			}
			near(t, string(method)+": hour", a.Hours[hr].Mean, want, 0.15)
		}
		// Poisson(40): 10th percentile 32, 90th 48; the fit's own
		// uncertainty may add a count.
		if a.Day.Low < 31 || a.Day.Low > 32 || a.Day.High < 48 || a.Day.High > 49 {
			t.Errorf("%s: band %v–%v, want Poisson's 32–48", method, a.Day.Low, a.Day.High)
		}
		if a.Day.Median != 40 || a.Hours[9].Median != 10 {
			t.Errorf("%s: medians %v and %v, want Poisson's 40 and 10", method, a.Day.Median, a.Hours[9].Median)
		}
		if f.Total.Day.Mean != a.Day.Mean {
			t.Errorf("%s: total %v, want A's %v", method, f.Total.Day.Mean, a.Day.Mean)
		}
		if sun := mustForecast(t, m, end.AddDate(0, 0, 6)); sun.Closed != ClosedWeekday || sun.Total.Day.Mean != 0 {
			t.Errorf("%s: Sunday is %q with %v, want closed with none", method, sun.Closed, sun.Total.Day.Mean)
		}
	}
}

// A weekly hall: Monday 60 down to Saturday 10, and a second service at a
// quarter of the first. Every weekday is forecast at its own level.
func TestWeekly(t *testing.T) {
	level := [7]float64{0, 60, 50, 45, 40, 30, 10}
	start, end := Date(2026, 1, 5), Date(2026, 7, 6)
	h := build(start, end, morning, func(d time.Time) map[string]float64 {
		if d.Weekday() == time.Sunday {
			return nil
		}
		n := level[d.Weekday()]
		return map[string]float64{"A": n, "B": n / 4}
	})
	m := mustFit(t, h, end, Calendar{}, Options{})
	for i := range 6 {
		d := end.AddDate(0, 0, i)
		f := mustForecast(t, m, d)
		want := level[d.Weekday()]
		near(t, d.Weekday().String()+" A", f.Service("A").Day.Mean, want, 0.02*want)
		near(t, d.Weekday().String()+" B", f.Service("B").Day.Mean, want/4, 0.02*want/4+0.05)
		near(t, d.Weekday().String()+" total", f.Total.Day.Mean, 1.25*want, 0.02*1.25*want)
	}
}

// Holidays close the hall; the working days on either side are busier.
// The model learns the effects from the holidays of the history and
// applies them around the coming one.
func TestHoliday(t *testing.T) {
	var hols []time.Time
	for _, d := range []string{"2025-01-01", "2025-04-07", "2025-04-30", "2025-05-01", "2025-05-02", "2025-09-01", "2025-09-02",
		"2026-01-01", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20", "2026-04-27", "2026-04-30", "2026-05-01",
		"2026-09-01", "2026-09-02"} {
		hd, err := ParseDate(d)
		if err != nil {
			t.Fatal(err)
		}
		hols = append(hols, hd)
	}
	cal := NewCalendar(hols)
	work := workdays{open: [7]bool{false, true, true, true, true, true, false}, cal: cal}
	effect := func(d time.Time) float64 {
		f := work.features(d)
		switch {
		case f[calBefore1] == 1:
			return 1.5
		case f[calAfter1] == 1:
			return 1.8
		}
		return 1
	}
	start, end := Date(2025, 1, 6), Date(2026, 8, 24) // Mondays
	h := build(start, end, morning, func(d time.Time) map[string]float64 {
		if !work.working(d) {
			return nil
		}
		return map[string]float64{"A": 100 * effect(d)}
	})
	m := mustFit(t, h, end, cal, Options{})
	// Monday 31 August 2026 is the last working day before Quốc khánh
	// (1–2 September), Thursday 3 September the first after it.
	before := mustForecast(t, m, Date(2026, 8, 31))
	after := mustForecast(t, m, Date(2026, 9, 3))
	plain := mustForecast(t, m, Date(2026, 8, 25))
	hol := mustForecast(t, m, Date(2026, 9, 1))
	near(t, "plain Tuesday", plain.Total.Day.Mean, 100, 3)
	near(t, "before the holiday", before.Total.Day.Mean, 150, 10)
	near(t, "after the holiday", after.Total.Day.Mean, 180, 12)
	if hol.Closed != ClosedHoliday || hol.Total.Day.Mean != 0 {
		t.Errorf("1 September is %q with %v, want a closed holiday", hol.Closed, hol.Total.Day.Mean)
	}
	if !slices.Equal(before.Notes, []string{NoteMonthEnd, NoteBeforeHoliday}) || !slices.Equal(after.Notes, []string{NoteMonthStart, NoteAfterHoliday}) {
		t.Errorf("notes %v and %v, want [month_end before_holiday] and [month_start after_holiday]", before.Notes, after.Notes)
	}
	// The seasonal average knows nothing of holidays.
	mw := mustFit(t, h, end, cal, Options{Method: WeekdayOnly})
	if f := mustForecast(t, mw, Date(2026, 8, 31)); f.Total.Day.Mean > 115 {
		t.Errorf("weekday-only forecast %v before the holiday, want about the usual 100–110", f.Total.Day.Mean)
	}
}

// Month ends are busier: the last working day twice the usual, the two
// before it half as much again.
func TestMonthEnd(t *testing.T) {
	work := workdays{open: [7]bool{false, true, true, true, true, true, true}}
	start, end := Date(2025, 6, 2), Date(2026, 6, 1)
	h := build(start, end, morning, func(d time.Time) map[string]float64 {
		if !work.working(d) {
			return nil
		}
		f := work.features(d)
		n := 50.0
		switch {
		case f[calMonthEnd1] == 1:
			n = 100
		case f[calMonthEnd2] == 1:
			n = 75
		}
		return map[string]float64{"A": n}
	})
	m := mustFit(t, h, end, Calendar{}, Options{})
	near(t, "a plain Monday", mustForecast(t, m, Date(2026, 6, 8)).Total.Day.Mean, 50, 1.5)
	near(t, "Tuesday 30 June", mustForecast(t, m, Date(2026, 6, 30)).Total.Day.Mean, 100, 4)
	near(t, "Saturday 27 June", mustForecast(t, m, Date(2026, 6, 27)).Total.Day.Mean, 75, 3)
}

// A hall growing 30 % a year: the forecast follows the trend where the
// seasonal average lags behind it.
func TestTrend(t *testing.T) {
	start, end := Date(2025, 1, 6), Date(2026, 1, 5)
	growth := func(d time.Time) float64 { return 100 * math.Pow(1.3, end.Sub(d).Hours()/24/-365.25) }
	h := build(start, end, morning, func(d time.Time) map[string]float64 {
		if d.Weekday() == time.Sunday {
			return nil
		}
		return map[string]float64{"A": growth(d)}
	})
	want := growth(end)
	full := mustForecast(t, mustFit(t, h, end, Calendar{}, Options{}), end).Total.Day.Mean
	flat := mustForecast(t, mustFit(t, h, end, Calendar{}, Options{Method: NoTrend}), end).Total.Day.Mean
	near(t, "with the trend", full, want, 0.02*want)
	if math.Abs(flat-want) < 2*math.Abs(full-want) {
		t.Errorf("without the trend %.1f, with it %.1f, want the trend to bring it much nearer %.1f", flat, full, want)
	}
}

// Saturday mornings only: Saturday's hours are the morning's, whatever
// the rest of the week does.
func TestSaturdayHours(t *testing.T) {
	start, end := Date(2026, 1, 5), Date(2026, 4, 6)
	var days []Day
	for d := start; d.Before(end); d = d.AddDate(0, 0, 1) {
		day := Day{Date: d}
		switch d.Weekday() {
		case time.Sunday:
		case time.Saturday:
			for _, hr := range []int{8, 9, 10} {
				day.Add("A", hr, 6)
			}
		default:
			for hr := 8; hr < 17; hr++ {
				day.Add("A", hr, 6)
			}
		}
		days = append(days, day)
	}
	m := mustFit(t, NewHistory(days), end, Calendar{}, Options{})
	sat := mustForecast(t, m, Date(2026, 4, 11)).Service("A")
	near(t, "Saturday", sat.Day.Mean, 18, 0.5)
	for hr := 11; hr < 24; hr++ {
		if sat.Hours[hr].Mean != 0 {
			t.Errorf("Saturday %d:00 forecast %v, want 0 (closed)", hr, sat.Hours[hr].Mean)
		}
	}
	mon := mustForecast(t, m, Date(2026, 4, 6))
	near(t, "Monday 16:00", mon.Service("A").Hours[16].Mean, 6, 0.3)
	// What is still to come at 14:30 on Monday: half of 14:00, 15:00, 16:00.
	near(t, "remaining at 14:30", mon.Remaining("A", 14*time.Hour+30*time.Minute), 15, 0.5)
	near(t, "remaining of the total", mon.Remaining("", 14*time.Hour+30*time.Minute), 15, 0.5)
	if mon.Remaining("Z", 0) != 0 {
		t.Errorf("an unknown service has arrivals to come")
	}
}

func TestShortHistory(t *testing.T) {
	h := build(Date(2026, 1, 5), Date(2026, 1, 12), morning, func(time.Time) map[string]float64 { return map[string]float64{"A": 5} })
	if _, err := Fit(h, Calendar{}, time.Time{}, Options{}); !errors.Is(err, ErrShortHistory) {
		t.Errorf("got %v, want ErrShortHistory", err)
	}
	m := mustFit(t, build(Date(2026, 1, 5), Date(2026, 2, 2), morning, func(time.Time) map[string]float64 { return map[string]float64{"A": 5} }), time.Time{}, Calendar{}, Options{})
	if _, err := m.Forecast(Date(2026, 1, 20)); err == nil {
		t.Errorf("a forecast of a day inside the history was made")
	}
}

func TestNBQuantile(t *testing.T) {
	for _, c := range []struct{ mu, alpha, q, want float64 }{
		{3, 0, 0.1, 1}, {3, 0, 0.9, 5}, // Poisson(3): P(≤0) = .050, P(≤1) = .199, P(≤4) = .815, P(≤5) = .916
		{3, 1, 0.1, 0}, {3, 1, 0.9, 8}, // geometric with p = 1/4: P(≤7) = 1 − .75⁸ = .8999
		{0, 0.3, 0.9, 0},
		{0.6, 0, 0.5, 0}, {0.7, 0, 0.5, 1}, // P(0) = e^−0.6 = .549, e^−0.7 = .497
		{1000, 0, 0.9, 1041}, // normal: 1000 + 1.2816·√1000
	} {
		if got := nbQuantile(c.mu, c.alpha, c.q); got != c.want {
			t.Errorf("nbQuantile(%v, %v, %v) = %v, want %v", c.mu, c.alpha, c.q, got, c.want)
		}
	}
	near(t, "Φ⁻¹(0.9)", normalQuantile(0.9), 1.2815516, 1e-6)
	near(t, "Φ⁻¹(0.01)", normalQuantile(0.01), -2.3263479, 1e-6)
}
