package queue

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/hallq/hallq"
)

// hourly is a day's forecast of one service: n arrivals in each listed hour.
func hourly(n float64, hours ...int) [24]float64 {
	var out [24]float64
	for _, h := range hours {
		out[h] = n
	}
	return out
}

func TestDayCurve(t *testing.T) {
	var c dayCurve
	for h, n := range hourly(12, 9, 10) {
		c[h+1] = c[h] + n
	}
	equal(t, "by 09:00", c.at(9*time.Hour), 0.0)
	equal(t, "by 09:30", c.at(9*time.Hour+30*time.Minute), 6.0)
	equal(t, "by 11:00", c.at(11*time.Hour), 24.0)
	equal(t, "by the next day", c.at(30*time.Hour), 24.0)
	equal(t, "the first ½", c.when(0.5), 9*time.Hour+150*time.Second)
	equal(t, "the 13th", c.when(13), 10*time.Hour+5*time.Minute)
	for _, d := range []time.Duration{9*time.Hour + time.Minute, 9*time.Hour + 59*time.Minute, 10*time.Hour + 17*time.Minute} {
		if got := c.when(c.at(d)); (got - d).Abs() > time.Microsecond {
			t.Errorf("when(at(%v)) = %v", d, got)
		}
	}
}

func TestArrivalForecastRefusesBadInput(t *testing.T) {
	h := newHall(t)
	h.open(1, ann)
	before := h.issue("A", "").IssueEstimateS
	for _, tc := range []struct {
		f    ArrivalForecast
		want string
	}{
		{ArrivalForecast{Day: "2026-13-01"}, `day "2026-13-01" is not a date`},
		{ArrivalForecast{Day: "2026-03-02", Hours: map[string][24]float64{"A": hourly(-1, 9)}}, "service A hour 9: -1 arrivals"},
		{ArrivalForecast{Day: "2026-03-02", Hours: map[string][24]float64{"B": hourly(math.NaN(), 10)}}, "service B hour 10: NaN arrivals"},
	} {
		err := h.e.SetArrivalForecast(tc.f)
		if hallq.ErrorCode(err) != hallq.EINVALID || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want EINVALID saying %q", err, tc.want)
		}
	}
	for _, u := range []map[string]time.Duration{{"A": -time.Minute}, {"B": 0}, {"C": 25 * time.Hour}} {
		if err := h.e.SetUsualOccupancy(u); hallq.ErrorCode(err) != hallq.EINVALID {
			t.Errorf("SetUsualOccupancy(%v): got %v, want EINVALID", u, err)
		}
	}
	equal(t, "nothing changed", h.e.estimateNew(h.now, "A"), before+300)
}

func TestEstimateExpectsForecastArrivals(t *testing.T) {
	// Counter 1 serves A before B. Its A ticket, called at 09:00, keeps
	// it 5 min (nothing measured yet). A B ticket issued then waits for
	// every A visitor the forecast expects before the counter catches up.
	run := func(a [24]float64) int {
		h := newHall(t)
		if err := h.e.SetArrivalForecast(ArrivalForecast{Day: "2026-03-02", Hours: map[string][24]float64{"A": a, "B": hourly(0)}}); err != nil {
			t.Fatal(err)
		}
		h.open(1, ann)
		h.issue("A", "")
		h.next(1, ann)
		return h.issue("B", "").IssueEstimateS
	}
	equal(t, "no A expected before 10:00", run(hourly(30, 10)), 300)
	// 12 A expected from 09:00 to 10:00; the day so far (one A against
	// none expected) raises that by (1 + 30) ÷ (0 + 30); the hall's
	// priority share so far (none of 2, with the prior 1 in 10) drawn
	// towards by 20 tickets makes 7.9 % of A's priority: 11.4 normal A
	// visitors, the k-th at (k − ½) × 5.26 min, and one priority at
	// 30.5 min. The counter takes A every 5 min: the normal ones at 5,
	// 10 … 30 min, the priority one at 35, the others at 40 … 60 min; at
	// 65 min A is empty and it takes B.
	equal(t, "12 A expected in the hour", run(hourly(12, 9)), 3900)
}

func TestEstimateForecastFollowsTheDaysLevel(t *testing.T) {
	// The forecast expects 15 A an hour until noon, and A tickets usually
	// keep counter 1 for 3 min (20 an hour). By 10:00, 15 came in one
	// hall and 45 in the other (each served in a minute); two more wait.
	// A B ticket issued then expects the rest of the morning's A visitors
	// at the day's level: at (15 + 30) ÷ (15 + 30) of the forecast, the
	// counter soon catches up with A; at (45 + 30) ÷ (15 + 30), 25 an hour
	// come, more than it serves, and B waits until noon at least.
	run := func(came int) int {
		h := newHallAt(t, monday(9, 0))
		if err := h.e.SetArrivalForecast(ArrivalForecast{Day: "2026-03-02", Hours: map[string][24]float64{"A": hourly(15, 9, 10, 11)}}); err != nil {
			t.Fatal(err)
		}
		if err := h.e.SetUsualOccupancy(map[string]time.Duration{"A": 3 * time.Minute}); err != nil {
			t.Fatal(err)
		}
		h.open(1, ann)
		for i := range came {
			h.at(monday(9, 0).Add(time.Duration(i) * time.Hour / time.Duration(came)))
			h.issue("A", "")
			h.serveOne(1, ann, time.Minute)
		}
		h.at(monday(10, 0))
		h.tick()
		h.issue("A", "")
		h.issue("A", "")
		h.next(1, ann)
		return h.issue("B", "").IssueEstimateS
	}
	if quiet := run(15); quiet > 1800 {
		t.Errorf("after the forecast's hour: got %d s, want at most 30 min", quiet)
	}
	if busy := run(45); busy < 7200 {
		t.Errorf("after a busy hour: got %d s, want 2 h at least", busy)
	}
}

func TestEstimateUsesUsualOccupancy(t *testing.T) {
	// Three A wait for idle counter 1. With nothing measured today, a new
	// A ticket waits 3 × 5 min; told that A tickets usually keep a
	// counter 8 min, 3 × 8 min; today's tickets then weigh in by their
	// number against usualWeight.
	h := newHall(t)
	h.open(1, ann)
	for range 3 {
		h.issue("A", "")
	}
	equal(t, "nothing known", h.e.estimateNew(h.now, "A"), 900)
	if err := h.e.SetUsualOccupancy(map[string]time.Duration{"A": 8 * time.Minute}); err != nil {
		t.Fatal(err)
	}
	equal(t, "usually 8 min", h.e.estimateNew(h.now, "A"), 1440)
	h.serveOne(1, ann, 2*time.Minute)
	// (2 + 300 × 8) ÷ 301 min, no pause measured (the counter was not
	// called again), two ahead.
	equal(t, "one of 2 min today", h.e.meanOccupancy("A"), (2*time.Minute+usualWeight*8*time.Minute)/(1+usualWeight))
	equal(t, "B unchanged", h.e.meanOccupancy("B"), 2*time.Minute)
}

func TestUsualOccupancy(t *testing.T) {
	at := monday(9, 0)
	var ts []hallq.Ticket
	add := func(service string, n int, d time.Duration, state hallq.TicketState) {
		for range n {
			called, done := at, at.Add(d)
			ts = append(ts, hallq.Ticket{Service: service, State: state, CalledAt: &called, FinishedAt: &done})
		}
	}
	add("A", 15, 6*time.Minute, hallq.StateDone)
	add("A", 5, 2*time.Minute, hallq.StateNoShow)
	add("B", 19, 4*time.Minute, hallq.StateDone)
	add("C", 30, 9*time.Minute, hallq.StateCancelled)
	got := UsualOccupancy(ts)
	equal(t, "A: no-shows count", got["A"], 5*time.Minute)
	if _, ok := got["B"]; ok {
		t.Errorf("B from %d tickets: got %v, want none (fewer than %d)", 19, got["B"], minUsual)
	}
	if _, ok := got["C"]; ok {
		t.Errorf("C: cancelled tickets kept no counter, got %v", got["C"])
	}
}
