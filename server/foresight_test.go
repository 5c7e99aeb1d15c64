package server_test

import (
	"math"
	"testing"
	"time"

	"github.com/hallq/hallq/server/queue"
	"github.com/hallq/hallq/server/reports"
	"github.com/hallq/hallq/server/servertest"
)

// checkForesight waits for the hall's engine to be told what its history
// expects of today (the server asks in the background at start) and
// compares it with today's forecast as the Dự báo page gives it: the same
// expected arrivals per service and hour (the page rounds to 0.1), and a
// usual occupancy for each of the demo's services.
func checkForesight(t *testing.T, h *servertest.Hall, today reports.ForecastResponse) {
	t.Helper()
	var f queue.Foresight
	deadline := time.Now().Add(2 * time.Minute) // only bounds a hang
	for {
		h.Hall.View(func(e *queue.Engine, _ time.Time) { f = e.Foresight() })
		if f.Arrivals.Day != "" || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if f.Arrivals.Day != today.Date {
		t.Fatalf("the engine's arrival forecast is of %q, want today, %s", f.Arrivals.Day, today.Date)
	}
	if len(f.Arrivals.Hours) != len(today.Services) {
		t.Errorf("the engine's forecast has %d services, the page %d", len(f.Arrivals.Hours), len(today.Services))
	}
	for _, hr := range today.Hours {
		for code, b := range hr.Services {
			if got := f.Arrivals.Hours[code][hr.Hour]; math.Abs(got-b.Mean) > 0.05+1e-9 {
				t.Errorf("%s at %d h: the engine expects %.3f, the page %.1f", code, hr.Hour, got, b.Mean)
			}
		}
	}
	for _, s := range today.Services {
		if d := f.Usual[s.Code]; d < time.Minute || d > 30*time.Minute {
			t.Errorf("usual occupancy of %s: %v; want the seeded history's few minutes", s.Code, d)
		}
	}
}
