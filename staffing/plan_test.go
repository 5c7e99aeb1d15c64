package staffing

import (
	"context"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/forecast"
	"github.com/hallq/hallq/server/config"
	"github.com/hallq/hallq/server/queue"
	"github.com/hallq/hallq/simday"
)

func TestErlangC(t *testing.T) {
	for _, c := range []struct {
		c    int
		a    float64
		want float64
	}{
		{1, 0.5, 0.5},   // M/M/1: the chance to wait is the load
		{2, 1, 1.0 / 3}, // 2·B/(2 − 1·(1 − B)) with B = 1/5
		{3, 2, 4.0 / 9},
		{3, 3, 1}, // no room: everyone waits
		{4, 0, 0},
	} {
		if got := ErlangC(c.c, c.a); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("ErlangC(%d, %v) = %v, want %v", c.c, c.a, got, c.want)
		}
	}
	// M/M/1 at half load, target one mean service time: 1 − ½·e^(−½).
	if got, want := WithinTarget(1, 0.5, 6, 6), 1-0.5*math.Exp(-0.5); math.Abs(got-want) > 1e-12 {
		t.Errorf("WithinTarget = %v, want %v", got, want)
	}
	// 60 an hour at 6 minutes is 6 Erlangs: the answer is the first count
	// that reaches 90 % within 15 minutes, and the one before it does not.
	c := ErlangCounters(60, 6, 15, 0.9)
	if c <= 6 || WithinTarget(c, 6, 15, 6) < 0.9 || WithinTarget(c-1, 6, 15, 6) >= 0.9 {
		t.Errorf("ErlangCounters(60, 6, 15, 0.9) = %d", c)
	}
	if ErlangCounters(0, 6, 15, 0.9) != 0 {
		t.Errorf("counters for nobody")
	}
}

func demoState() queue.State {
	d := config.Demo()
	return queue.State{Settings: d.Settings, Services: d.Services, Counters: d.Counters}
}

var planDate = forecast.Date(2026, 12, 1) // a Tuesday

// flatForecast expects perHour citizens of each service in each hour from
// 08:00 to 12:00 (no spread).
func flatForecast(perHour map[string]float64) *forecast.DayForecast {
	f := &forecast.DayForecast{Date: planDate, Band: 0.8}
	for _, code := range []string{"A", "B", "C", "D", "E"} {
		sf := forecast.ServiceForecast{Service: code}
		for h := 8; h < 12; h++ {
			sf.Hours[h].Mean = perHour[code]
			f.Total.Hours[h].Mean += perHour[code]
		}
		f.Services = append(f.Services, sf)
	}
	return f
}

// fixed: every service takes d.
func fixed(d time.Duration) *Behaviour {
	b := &Behaviour{ServiceTimes: map[string][]time.Duration{}}
	for _, code := range []string{"A", "B", "C", "D", "E"} {
		b.ServiceTimes[code] = []time.Duration{d}
	}
	return b
}

func mustPlan(t *testing.T, st queue.State, f *forecast.DayForecast, b *Behaviour) *Plan {
	t.Helper()
	p, err := Make(context.Background(), st, f, b, Options{Replications: 8})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// A quiet morning: a couple of citizens an hour for each service. Every
// service needs a counter that calls it, and the demo hall's counters
// (A/B, A/B, B/A, C/D, D/C, E/A) cover all five with three: one for A and
// B, one for C and D, and counter 6 for E.
func TestQuietMorning(t *testing.T) {
	p := mustPlan(t, demoState(), flatForecast(map[string]float64{"A": 2, "B": 2, "C": 2, "D": 2, "E": 2}), fixed(2*time.Minute))
	if !p.Met || p.Beyond != 0 || len(p.Hours) != 4 || p.Hours[0].Hour != 8 {
		t.Fatalf("plan %+v, want four hours from 08:00 that meet the goal", p)
	}
	for _, h := range p.Hours {
		if len(h.Counters) != 3 || !slices.Contains(h.Counters, 6) {
			t.Errorf("%02d:00: counters %v, want three with counter 6", h.Hour, h.Counters)
		}
		if h.Within < 0.9 {
			t.Errorf("%02d:00: %.2f within target", h.Hour, h.Within)
		}
	}
	if p.CounterHours() != 12 || p.Counters(9) != 3 || p.Counters(13) != 0 {
		t.Errorf("%d counter-hours, %d at 09:00, %d at 13:00; want 12, 3, 0", p.CounterHours(), p.Counters(9), p.Counters(13))
	}
}

// More citizens of A than three counters can serve: every counter that
// calls A opens, and the plan says it falls short.
func TestOverwhelmed(t *testing.T) {
	p := mustPlan(t, demoState(), flatForecast(map[string]float64{"A": 60, "B": 1, "C": 1, "D": 1, "E": 1}), fixed(6*time.Minute))
	if p.Met || p.Beyond < 0.5 {
		t.Errorf("60 an hour at 6 minutes on four counters: met %v, %.2f of the days beyond every counter; want not met, most days beyond", p.Met, p.Beyond)
	}
	for _, c := range []int{1, 2, 3, 6} {
		if !slices.Contains(p.Hours[1].Counters, c) {
			t.Errorf("09:00: counters %v, want all that call A (1, 2, 3, 6)", p.Hours[1].Counters)
		}
	}
}

// One service and four equal counters: 30 an hour at 6 minutes is three
// Erlangs, so three counters can never keep up; the plan opens four or
// more at 08:00, and holds on days it was not made on.
func TestOneService(t *testing.T) {
	st := demoState()
	st.Services = st.Services[:1]
	st.Counters = nil
	for i := 1; i <= 5; i++ {
		st.Counters = append(st.Counters, hallq.Counter{ID: i, Name: "Quầy", Services: []string{"A"}, State: hallq.CounterClosed})
	}
	f := &forecast.DayForecast{Date: planDate, Services: []forecast.ServiceForecast{{Service: "A"}}}
	for h := 8; h < 10; h++ {
		f.Services[0].Hours[h].Mean, f.Total.Hours[h].Mean = 30, 30
	}
	b := fixed(6 * time.Minute)
	p := mustPlan(t, st, f, b)
	if !p.Met || len(p.Hours[0].Counters) < 4 {
		t.Fatalf("plan %+v, want at least four counters at 08:00 that meet the goal", p.Hours)
	}
	if p.Hours[0].Erlang < 4 {
		t.Errorf("Erlang's guess %d, want at least 4", p.Hours[0].Erlang)
	}
	within, days, err := Check(context.Background(), st, f, b, p, Options{Replications: 20, Seed: 99})
	if err != nil {
		t.Fatal(err)
	}
	if within < 0.9 || days < 0.8 {
		t.Errorf("on other days: %.3f within target, %.2f of days met; want ≥ 0.9 and most days", within, days)
	}
}

func TestClosedDay(t *testing.T) {
	p := mustPlan(t, demoState(), &forecast.DayForecast{Date: planDate, Closed: forecast.ClosedHoliday}, fixed(time.Minute))
	if !p.Met || len(p.Hours) != 0 || p.CounterHours() != 0 {
		t.Errorf("a closed day's plan: %+v, want none", p)
	}
}

// Replay plays a real day through a plan: four citizens of A at 08:00
// who take ten minutes each, one counter. They are called at 08:00,
// 08:10:20, 08:20:40 and 08:31:00 (20 s between citizens): two within
// the 15-minute target.
func TestReplay(t *testing.T) {
	st := demoState()
	plan := &Plan{Date: planDate, Hours: []Hour{{Hour: 8, Counters: []int{1}}}}
	var vs []simday.Visitor
	for i := range 4 {
		vs = append(vs, simday.Visitor{N: i + 1, At: 8 * time.Hour, Service: "A", ServiceTime: 10 * time.Minute})
	}
	out, err := Replay(context.Background(), st, plan, vs)
	if err != nil {
		t.Fatal(err)
	}
	if out.Count != 4 || out.Within != 2 || out.Share() != 0.5 {
		t.Errorf("got %+v, want 2 of 4 within target", out)
	}
	if _, err := Replay(context.Background(), st, &Plan{Date: planDate}, vs); err == nil {
		t.Errorf("a plan with no counters replayed")
	}
}
