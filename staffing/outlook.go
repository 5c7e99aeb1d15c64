package staffing

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/forecast"
	"github.com/hallq/hallq/report"
	"github.com/hallq/hallq/server/queue"
)

// Source is what outlooks read of a hall: its tickets (the report store)
// and the times its counters opened, paused and closed.
type Source interface {
	DayTickets(ctx context.Context, from, to string, fn func(*report.Ticket) error) error
	// CounterEvents are the counter.opened, counter.paused and
	// counter.closed events from from (inclusive) to to, in order.
	CounterEvents(ctx context.Context, from, to time.Time) ([]hallq.Event, error)
}

// Outlook is a day as the manager's forecast page shows it: the forecast,
// the plan made from it, and, for a day that has begun, what happened.
type Outlook struct {
	Date     time.Time // the local date, midnight UTC (forecast.Date)
	Forecast *forecast.DayForecast
	Plan     *Plan
	// HistoryFrom and HistoryTo are the first and last days the forecast
	// learnt from; HistoryDays how many of them the hall was open.
	HistoryFrom, HistoryTo time.Time
	HistoryDays            int
	// Begun says the day has begun (today or a past day): Actual are its
	// arrivals so far, and Open the counters open in each hour (the
	// average over the hour; up to now for today).
	Begun  bool
	Actual forecast.Day
	Open   [24]float64
}

// Outlooks makes days' outlooks for a hall and keeps the forecast and
// plan of each, as they take seconds: a day's are made once per day of
// history (the history grows at midnight). Safe for concurrent use; a
// second request for a day being made waits for the first.
type Outlooks struct {
	src  Source
	opt  Options
	fopt forecast.Options

	// work lets one forecast and plan be made at a time: the hall server
	// that makes them must go on issuing tickets at once.
	work chan struct{}

	mu      sync.Mutex
	today   time.Time // the day the kept history and outlooks are for
	history *Record
	made    map[time.Time]*making
}

// making is a day's forecast and plan, being made or made.
type making struct {
	done chan struct{}
	f    *forecast.DayForecast
	plan *Plan
	err  error
}

// LookBack is how far back an outlook can be asked for: the days a
// manager compares with their forecast.
const LookBack = 60

// LookAhead is how far ahead an outlook can be asked for.
const LookAhead = 366

// ErrOutOfRange is returned for a date too far back or ahead.
var ErrOutOfRange = errors.New("staffing: date out of range")

// NewOutlooks makes outlooks from src with plan options opt.
func NewOutlooks(src Source, opt Options, fopt forecast.Options) *Outlooks {
	return &Outlooks{src: src, opt: opt, fopt: fopt, made: map[time.Time]*making{}, work: make(chan struct{}, 1)}
}

// Get is date's outlook in the hall st (settings, services, counters) at
// now. Dates from LookBack days before today to LookAhead days after.
func (o *Outlooks) Get(ctx context.Context, st queue.State, now time.Time, date time.Time) (*Outlook, error) {
	loc, err := st.Settings.Location()
	if err != nil {
		return nil, err
	}
	today := forecast.DateOf(now.In(loc))
	date = forecast.DateOf(date)
	if date.Before(today.AddDate(0, 0, -LookBack)) || date.After(today.AddDate(0, 0, LookAhead)) {
		return nil, fmt.Errorf("%w: %s (from %s to %s)", ErrOutOfRange, date.Format(time.DateOnly),
			today.AddDate(0, 0, -LookBack).Format(time.DateOnly), today.AddDate(0, 0, LookAhead).Format(time.DateOnly))
	}
	m, hist, err := o.make(ctx, st, loc, today, date)
	if err != nil {
		return nil, err
	}
	out := &Outlook{Date: date, Forecast: m.f, Plan: m.plan, Actual: forecast.Day{Date: date}}
	if days := hist.Before(minTime(date, today)).Days(); len(days) > 0 {
		out.HistoryFrom, out.HistoryTo, out.HistoryDays = days[0].Date, days[len(days)-1].Date, len(days)
	}
	if date.After(today) {
		return out, nil
	}
	out.Begun = true
	if err := o.actual(ctx, loc, now, out); err != nil {
		return nil, err
	}
	return out, nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// make returns date's forecast and plan, made or being made.
func (o *Outlooks) make(ctx context.Context, st queue.State, loc *time.Location, today, date time.Time) (*making, *forecast.History, error) {
	o.mu.Lock()
	if !o.today.Equal(today) || o.history == nil {
		// A new day: the history has one more day; what was made is stale.
		rec := NewRecord(loc, today.AddDate(0, 0, -LookBack-behaviourDays))
		yesterday := today.AddDate(0, 0, -1).Format(time.DateOnly)
		if err := o.src.DayTickets(ctx, "0001-01-01", yesterday, func(t *report.Ticket) error { rec.Add(t); return nil }); err != nil {
			o.mu.Unlock()
			return nil, nil, err
		}
		o.today, o.history, o.made = today, rec, map[time.Time]*making{}
	}
	rec := o.history
	m := o.made[date]
	first := m == nil
	if first {
		m = &making{done: make(chan struct{})}
		o.made[date] = m
	}
	o.mu.Unlock()
	hist := rec.History()
	if first {
		// Made apart from the request that asked first: another may be
		// waiting for it, and a plan is worth keeping.
		go func() {
			defer close(m.done)
			o.work <- struct{}{}
			defer func() { <-o.work }()
			mctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			m.f, m.plan, m.err = o.forecastAndPlan(mctx, st, rec, hist, today, date)
			if m.err != nil {
				o.mu.Lock()
				if o.made[date] == m {
					delete(o.made, date) // try again next time
				}
				o.mu.Unlock()
			}
		}()
	}
	select {
	case <-m.done:
		return m, hist, m.err
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
}

func (o *Outlooks) forecastAndPlan(ctx context.Context, st queue.State, rec *Record, hist *forecast.History, today, date time.Time) (*forecast.DayForecast, *Plan, error) {
	cal, err := forecast.ParseHolidays(st.Settings.Holidays)
	if err != nil {
		return nil, nil, err
	}
	// A day that has begun is forecast as it was the evening before.
	asOf := minTime(date, today)
	model, err := forecast.Fit(hist.Before(asOf), cal, asOf, o.fopt)
	if err != nil {
		return nil, nil, err
	}
	f, err := model.Forecast(date)
	if err != nil {
		return nil, nil, err
	}
	plan, err := Make(ctx, st, f, rec.Behaviour(asOf), o.opt)
	if err != nil {
		return nil, nil, err
	}
	return f, plan, nil
}

// actual fills a begun day's arrivals and open counters (so far).
func (o *Outlooks) actual(ctx context.Context, loc *time.Location, now time.Time, out *Outlook) error {
	day := out.Date.Format(time.DateOnly)
	err := o.src.DayTickets(ctx, day, day, func(t *report.Ticket) error {
		if t.Original() {
			out.Actual.Add(t.Service, time.UnixMilli(t.Issued).In(loc).Hour(), 1)
		}
		return nil
	})
	if err != nil {
		return err
	}
	y, m, d := out.Date.Date()
	from := time.Date(y, m, d, 0, 0, 0, 0, loc)
	to := minTime(from.AddDate(0, 0, 1), now)
	evs, err := o.src.CounterEvents(ctx, from, to)
	if err != nil {
		return err
	}
	out.Open = OpenPerHour(evs, from, to)
	return nil
}

// OpenPerHour is the average number of counters open in each hour of the
// day starting at midnight, up to end, from that day's counter events
// (opened, paused, closed; a day starts with every counter closed). A
// paused counter serves nobody: it counts as not open.
func OpenPerHour(evs []hallq.Event, midnight, end time.Time) [24]float64 {
	var out [24]float64
	open := map[int]bool{}
	at := midnight
	n := 0
	// add counts n counters open from at to t.
	add := func(t time.Time) {
		for at.Before(t) {
			h := int(at.Sub(midnight) / time.Hour)
			if h >= 24 {
				return
			}
			next := minTime(midnight.Add(time.Duration(h+1)*time.Hour), t)
			out[h] += float64(n) * next.Sub(at).Hours()
			at = next
		}
	}
	for _, e := range evs {
		if e.At.Before(midnight) {
			continue
		}
		add(minTime(e.At, end))
		switch e.Type {
		case hallq.EventCounterOpened:
			open[e.Counter] = true
		case hallq.EventCounterPaused, hallq.EventCounterClosed:
			delete(open, e.Counter)
		}
		n = len(open)
	}
	add(end)
	// An hour still running is averaged over the part that has passed.
	if h := int(end.Sub(midnight) / time.Hour); h < 24 {
		if part := end.Sub(midnight.Add(time.Duration(h) * time.Hour)).Hours(); part > 0 {
			out[h] /= part
		}
	}
	return out
}
