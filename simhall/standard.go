// Package simhall is hallsim's simulated hall: the standard day and its
// estimated-wait figures, history seeding, simulated days against a live
// hall server (APIHall, RunLive) with the real kiosk daemon and display
// clients, and the fault runs. The day itself (visitors, officers, the
// engine in virtual time) is package simday.
package simhall

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/server/config"
	"github.com/hallq/hallq/server/queue"
	"github.com/hallq/hallq/simday"
)

// StandardDate is the date the standard day is played on: a Tuesday.
var StandardDate = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// DemoState is the demo hall (five services, six counters) with no history.
func DemoState() queue.State {
	d := config.Demo()
	// A simulated day books citizens of every service (Profile.BookedShare).
	for i := range d.Services {
		if d.Services[i].Booking == nil {
			d.Services[i].Booking = new(hallq.DefaultBookingSettings())
		}
	}
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

// Foresight is what a virtual hall's engine is told before the day, as a
// hall server is told from its own history (docs/FORECAST.md).
type Foresight struct {
	// Arrivals: the day's expected arrivals per service and hour
	// (ExpectedArrivals).
	Arrivals bool
	// HistoryDays past days of the same profile (other seeds) are played
	// first, and each service's usual occupancy is learnt from them.
	HistoryDays int
}

// DefaultForesight is what RunVirtual tells the engine: the day's
// expected arrivals and three past days' occupancies.
var DefaultForesight = Foresight{Arrivals: true, HistoryDays: 3}

// RunVirtual plays a day of profile p in the demo hall on the engine in
// virtual time and measures the estimated wait, with DefaultForesight.
func RunVirtual(ctx context.Context, p simday.Profile, date time.Time) (Accuracy, *simday.Result, error) {
	return RunVirtualWith(ctx, p, date, DefaultForesight)
}

// RunVirtualWith is RunVirtual with the given foresight.
func RunVirtualWith(ctx context.Context, p simday.Profile, date time.Time, fs Foresight) (Accuracy, *simday.Result, error) {
	h, midnight, err := newVirtualHall(ctx, p, date, fs)
	if err != nil {
		return Accuracy{}, nil, err
	}
	day := &simday.Day{Hall: h, Profile: &p, Counters: DemoCounters(), Date: midnight}
	res, err := day.Run(ctx)
	if err != nil {
		return Accuracy{}, res, err
	}
	return MeasureAccuracy(h.Tickets()), res, nil
}

// newVirtualHall is the demo hall on the engine for a day of profile p on
// date, told fs; with the day's local midnight.
func newVirtualHall(ctx context.Context, p simday.Profile, date time.Time, fs Foresight) (*simday.EngineHall, time.Time, error) {
	st := DemoState()
	loc, err := st.Settings.Location()
	if err != nil {
		return nil, time.Time{}, err
	}
	midnight := simday.LocalMidnight(date, loc)
	h, err := simday.NewEngineHall(st, p.Seed)
	if err != nil {
		return nil, time.Time{}, err
	}
	if fs.Arrivals {
		if err := h.Engine.SetArrivalForecast(ExpectedArrivals(p, midnight)); err != nil {
			return nil, time.Time{}, err
		}
	}
	if fs.HistoryDays > 0 {
		usual, err := usualOccupancy(ctx, p, midnight, fs.HistoryDays)
		if err != nil {
			return nil, time.Time{}, err
		}
		if err := h.Engine.SetUsualOccupancy(usual); err != nil {
			return nil, time.Time{}, err
		}
	}
	return h, midnight, nil
}

// usualOccupancy plays n days of profile p before midnight (each with a
// seed of its own, none a day measured) and learns each service's usual
// occupancy from them. The same past serves every seed of a profile, so
// it is played once.
func usualOccupancy(ctx context.Context, p simday.Profile, midnight time.Time, n int) (map[string]time.Duration, error) {
	p.Seed = 0
	key := fmt.Sprintf("%+v %v %d", p, midnight, n)
	if u, ok := pasts.Load(key); ok {
		return u.(map[string]time.Duration), nil
	}
	var tickets []hallq.Ticket
	for i := range n {
		past := p
		past.Seed = 1<<40 + uint64(i)
		h, err := simday.NewEngineHall(DemoState(), past.Seed)
		if err != nil {
			return nil, err
		}
		day := &simday.Day{Hall: h, Profile: &past, Counters: DemoCounters(), Date: midnight.AddDate(0, 0, -1-i)}
		if _, err := day.Run(ctx); err != nil {
			return nil, err
		}
		tickets = append(tickets, h.Tickets()...)
	}
	u := queue.UsualOccupancy(tickets)
	pasts.Store(key, u)
	return u, nil
}

var pasts sync.Map // usualOccupancy's answers

// ExpectedArrivals is the arrival forecast of a day of profile p: its
// expected visitors per service and hour, what a forecast from a history
// of such days converges to (the draw of the day itself is not in it).
func ExpectedArrivals(p simday.Profile, midnight time.Time) queue.ArrivalForecast {
	f := queue.ArrivalForecast{Day: midnight.Format(time.DateOnly), Hours: map[string][24]float64{}}
	var total float64
	for _, s := range p.Services {
		total += s.Share
	}
	hours := p.HourShares()
	for _, s := range p.Services {
		n := float64(p.Arrivals) * s.Share / total
		if p.Counts != nil {
			n = float64(p.Counts[s.Service])
		}
		var h [24]float64
		for i := range h {
			h[i] = n * hours[i]
		}
		f.Hours[s.Service] = h
	}
	return f
}
