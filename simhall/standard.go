// Package simhall is hallsim's simulated hall: the standard day and its
// estimated-wait figures, history seeding, simulated days against a live
// hall server (APIHall, RunLive) with the real kiosk daemon and display
// clients, and the fault runs. The day itself (visitors, officers, the
// engine in virtual time) is package simday.
package simhall

import (
	"context"
	"time"

	"github.com/hallq/hallq/server/config"
	"github.com/hallq/hallq/server/queue"
	"github.com/hallq/hallq/simday"
)

// StandardDate is the date the standard day is played on: a Tuesday.
var StandardDate = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// DemoState is the demo hall (five services, six counters) with no history.
func DemoState() queue.State {
	d := config.Demo()
	return queue.State{Settings: d.Settings, Services: d.Services, Counters: d.Counters}
}

// DemoCounters are the demo hall's counters.
func DemoCounters() []simday.Counter {
	var out []simday.Counter
	for _, c := range config.Demo().Counters {
		out = append(out, simday.Counter{ID: c.ID, Services: c.Services})
	}
	return out
}

// RunVirtual plays a day of profile p in the demo hall on the engine in
// virtual time and measures the estimated wait.
func RunVirtual(ctx context.Context, p simday.Profile, date time.Time) (Accuracy, *simday.Result, error) {
	st := DemoState()
	loc, err := st.Settings.Location()
	if err != nil {
		return Accuracy{}, nil, err
	}
	h, err := simday.NewEngineHall(st, p.Seed)
	if err != nil {
		return Accuracy{}, nil, err
	}
	day := &simday.Day{Hall: h, Profile: &p, Counters: DemoCounters(), Date: simday.LocalMidnight(date, loc)}
	res, err := day.Run(ctx)
	if err != nil {
		return Accuracy{}, res, err
	}
	return MeasureAccuracy(h.Tickets()), res, nil
}
