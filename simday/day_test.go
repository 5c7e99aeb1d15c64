package simday

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/server/config"
	"github.com/hallq/hallq/server/queue"
)

// Counters open only in their stretches: counter 1 from 08:00 to 09:00,
// counter 2 from 09:30. Nobody is called in between, counter 1 calls
// nobody after 09:00 and is closed at the end, and everyone is served.
func TestSchedule(t *testing.T) {
	d := config.Demo()
	st := queue.State{Settings: d.Settings, Services: d.Services, Counters: d.Counters}
	h, err := NewEngineHall(st, 1)
	if err != nil {
		t.Fatal(err)
	}
	p := StandardDay()
	p.Arrivals, p.First, p.Last, p.Noon = 60, Clock("08:00"), Clock("10:00"), Clock("12:00")
	p.Services = []Share{{"A", 1}}
	p.TransferShare = 0
	date := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	day := &Day{Hall: h, Profile: &p, Date: date, Counters: []Counter{
		{ID: 1, Services: []string{"A"}, Open: []Span{{8 * time.Hour, 9 * time.Hour}}},
		{ID: 2, Services: []string{"A"}, Open: []Span{{9*time.Hour + 30*time.Minute, 0}}},
	}}
	res, err := day.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.ErrorCount() > 0 {
		t.Fatalf("errors: %v", res.FirstError)
	}
	for _, tk := range h.Tickets() {
		if tk.CalledAt == nil {
			t.Errorf("ticket %s never called", tk.Label)
			continue
		}
		at := tk.CalledAt.Sub(date)
		switch {
		case tk.Counter == 1 && at >= 9*time.Hour:
			t.Errorf("counter 1 called %s at %v, after its stretch", tk.Label, at)
		case tk.Counter == 2 && at < 9*time.Hour+30*time.Minute:
			t.Errorf("counter 2 called %s at %v, before its stretch", tk.Label, at)
		}
	}
	for _, c := range h.Engine.Hall(h.Now()).Counters {
		if c.ID == 1 && c.State != hallq.CounterClosed {
			t.Errorf("counter 1 is %s at the end, want closed", c.State)
		}
	}
	if res.Issued != 60 || res.Served+res.NoShows != 60 {
		t.Errorf("got %v, want 60 issued and served or no-shows", res)
	}
}

func TestHourShares(t *testing.T) {
	p := StandardDay()
	sh := p.HourShares()
	var sum, morning float64
	for h, v := range sh {
		sum += v
		if h < 12 {
			morning += v
		}
		if (h < 7 || h > 16) && v != 0 {
			t.Errorf("hour %d has share %v, outside 07:30–16:30", h, v)
		}
	}
	if math.Abs(sum-1) > 1e-9 || math.Abs(morning-p.MorningShare) > 1e-9 {
		t.Errorf("shares sum to %v with %v before noon, want 1 and %v", sum, morning, p.MorningShare)
	}
	// The 08:00–10:00 peak weighs 4 against 1 for 07:30–08:00.
	if r := sh[8] / sh[7]; math.Abs(r-8) > 1e-9 {
		t.Errorf("08:00 over 07:00 is %v, want 8 (4× the weight, twice the minutes)", r)
	}
}
