package simhall

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/hallq/hallq/forecast"
	"github.com/hallq/hallq/server/queue"
	"github.com/hallq/hallq/simday"
)

// Store is what seeding needs of the hall's database (*sqlite.DB).
type Store interface {
	simday.Applier
	LoadState(ctx context.Context) (queue.State, error)
}

// SeedConfig sets up a history.
type SeedConfig struct {
	// Days of history, ending the day before End (default: yesterday).
	Days int
	End  time.Time
	// TicketsPerDay on a weekday; Saturdays get half, Sundays none (the
	// desks are closed). Ignored with Demand.
	TicketsPerDay int
	// Demand, if set, draws each day's arrivals with a real hall's
	// variation (RealisticDemand); the hall's holidays are closed.
	Demand *Demand
	// Profile is the day's shape (simday.StandardDay by default); its Arrivals
	// and Seed are set per day.
	Profile *simday.Profile
	Seed    uint64
	// Progress, if set, receives a line per month.
	Progress io.Writer
}

// SeedReport says what was written.
type SeedReport struct {
	Days, Tickets, Ratings, Events int
	From, To                       string
	Took                           time.Duration
	// Expected are, with Demand, the arrivals each day was drawn around
	// (per service and hour, before the noise): what a perfect forecast
	// would say.
	Expected []forecast.Day
}

// ErrHasHistory is returned when the database already holds tickets or
// events: seeding never mixes with a real history.
var ErrHasHistory = fmt.Errorf("simhall: the database already has history (tickets or events); seed an empty hall")

// Seed fills a hall's database with days of simulated history, through
// the queue engine and the store's own Apply, exactly as a hall server
// would have written them: tickets, events (with their gap-free
// sequence), ratings, numbers and the calendar. The hall must be set up
// (services and counters) and hold no history; its counters' officers are
// "canboN" as in the demo hall.
func Seed(ctx context.Context, store Store, cfg SeedConfig) (*SeedReport, error) {
	began := time.Now()
	st, err := store.LoadState(ctx)
	if err != nil {
		return nil, err
	}
	if st.LastSeq > 0 || len(st.Tickets) > 0 {
		return nil, ErrHasHistory
	}
	// A server may have started on the hall (and set its day) without
	// any ticket: the history begins before that day.
	st.Day, st.ClosedDay = "", ""
	if cfg.Days <= 0 || cfg.TicketsPerDay < 0 {
		return nil, fmt.Errorf("simhall: seed %d days of %d tickets", cfg.Days, cfg.TicketsPerDay)
	}
	p := simday.StandardDay()
	if cfg.Profile != nil {
		p = *cfg.Profile
	}
	p.Services = sharesFor(st, p.Services)
	var counters []simday.Counter
	for _, c := range st.Counters {
		counters = append(counters, simday.Counter{ID: c.ID, Services: c.Services})
	}
	loc, err := st.Settings.Location()
	if err != nil {
		return nil, err
	}
	end := cfg.End
	if end.IsZero() {
		end = time.Now()
	}
	last := simday.LocalMidnight(end.In(loc), loc)
	first := last.AddDate(0, 0, -cfg.Days)
	h, err := simday.NewEngineHall(st, cfg.Seed)
	if err != nil {
		return nil, err
	}
	h.Store = store
	rep := &SeedReport{From: first.Format(time.DateOnly)}
	dm, cal := seedDemand(st, cfg)
	noise := rand.New(rand.NewPCG(cfg.Seed, 0xde3a4d))
	for i := range cfg.Days {
		date := first.AddDate(0, 0, i)
		dp := p
		dp.Seed = cfg.Seed*100_003 + uint64(i)
		n := cfg.TicketsPerDay
		switch {
		case cfg.Demand != nil:
			n = dm.profile(&dp, cal, date, last.Sub(date).Hours()/24/365.25, noise, rep)
		case date.Weekday() == time.Sunday:
			n = 0
		case date.Weekday() == time.Saturday:
			n /= 2
		}
		dp.Arrivals = n
		if err := seedDay(ctx, h, &dp, counters, date, rep); err != nil {
			return rep, err
		}
		rep.To = date.Format(time.DateOnly)
		if cfg.Progress != nil && (date.Day() == 1 || i == cfg.Days-1) {
			fmt.Fprintf(cfg.Progress, "%s: %d tickets so far\n", rep.To, rep.Tickets)
		}
	}
	rep.Events = int(h.Engine.LastSeq())
	rep.Took = time.Since(began)
	return rep, nil
}

// seedDemand is cfg.Demand for the hall's services, with the calendar of
// its weekdays and the hall's holidays (none without cfg.Demand).
func seedDemand(st queue.State, cfg SeedConfig) (Demand, *holidayCalendar) {
	var dm Demand
	cal := &holidayCalendar{holidays: map[string]bool{}}
	if cfg.Demand == nil {
		return dm, cal
	}
	var codes []string
	for _, s := range st.Services {
		codes = append(codes, s.Code)
	}
	dm = cfg.Demand.forServices(codes)
	cal.weekday = dm.Weekday
	for _, d := range st.Settings.Holidays {
		cal.holidays[d] = true
	}
	return dm, cal
}

// seedDay plays date's citizens (if p has any) through the hall, then
// closes the day at the next midnight, as the server's calendar would,
// writes it and forgets its tickets.
func seedDay(ctx context.Context, h *simday.EngineHall, p *simday.Profile, counters []simday.Counter, date time.Time, rep *SeedReport) error {
	if p.Arrivals > 0 {
		// Counters close at the end of each day (the calendar does it
		// at midnight): the day opens them again in the morning.
		res, err := (&simday.Day{Hall: h, Profile: p, Counters: counters, Date: date}).Run(ctx)
		if err != nil {
			return err
		}
		if res.ErrorCount() > 0 {
			return fmt.Errorf("simhall: seeding %s: %v", date.Format(time.DateOnly), res.FirstError)
		}
		rep.Tickets += res.Issued
		rep.Ratings += res.Rated
		rep.Days++
	}
	if err := h.Advance(ctx, date.AddDate(0, 0, 1)); err != nil {
		return err
	}
	if err := h.Flush(ctx); err != nil {
		return err
	}
	h.ForgetTickets()
	return nil
}

// sharesFor keeps the profile's service shares for the hall's services
// that it names, and gives any other service of the hall an equal share.
func sharesFor(st queue.State, shares []simday.Share) []simday.Share {
	known := map[string]float64{}
	for _, s := range shares {
		known[s.Service] = s.Share
	}
	var out []simday.Share
	for _, s := range st.Services {
		share, ok := known[s.Code]
		if !ok {
			share = 1.0 / float64(len(st.Services))
		}
		out = append(out, simday.Share{Service: s.Code, Share: share})
	}
	return out
}
