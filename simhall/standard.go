package simhall

import (
	"context"
	"time"

	"github.com/hallq/hallq/server/config"
	"github.com/hallq/hallq/server/queue"
)

// StandardDate is the date the standard day is played on: a Tuesday.
var StandardDate = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// DemoState is the demo hall (five services, six counters) with no history.
func DemoState() queue.State {
	d := config.Demo()
	return queue.State{Settings: d.Settings, Services: d.Services, Counters: d.Counters}
}

// DemoCounters are the demo hall's counters.
func DemoCounters() []Counter {
	var out []Counter
	for _, c := range config.Demo().Counters {
		out = append(out, Counter{ID: c.ID, Services: c.Services})
	}
	return out
}

// LocalMidnight is date's midnight in the hall's zone.
func LocalMidnight(date time.Time, loc *time.Location) time.Time {
	y, m, d := date.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// RunVirtual plays a day of profile p in the demo hall on the engine in
// virtual time and measures the estimated wait.
func RunVirtual(ctx context.Context, p Profile, date time.Time) (Accuracy, *Result, error) {
	st := DemoState()
	loc, err := st.Settings.Location()
	if err != nil {
		return Accuracy{}, nil, err
	}
	h, err := NewEngineHall(st, p.Seed)
	if err != nil {
		return Accuracy{}, nil, err
	}
	day := &Day{Hall: h, Profile: &p, Counters: DemoCounters(), Date: LocalMidnight(date, loc)}
	res, err := day.Run(ctx)
	if err != nil {
		return Accuracy{}, res, err
	}
	return MeasureAccuracy(h.Tickets()), res, nil
}
