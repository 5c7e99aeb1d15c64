// Package report computes the hall's reports: tickets issued and served,
// no-shows, waiting and service times (mean, exact median and 90th
// percentile), the share served within each service's target wait,
// satisfaction, and the error of the estimated wait, grouped by service,
// counter, officer, day or hour.
//
// Closed days are rolled up once into one accumulator per (day, grouping,
// key), each holding per-second histograms of the waiting and service
// times; figures for a range of days merge those, so medians and
// percentiles stay exact at one-second resolution whatever the range.
// Days from the hall's current day on are computed live from their
// tickets. A closed day never changes again: the end of day finishes every
// ticket of it, and a no-show can only be re-queued on its own day.
//
// The package reads tickets and roll-ups through Store, which the hall's
// SQLite store and the central PostgreSQL store both satisfy: a hall's
// figures are the same whichever serves them. It imports nothing of the
// project but the domain (package hallq).
//
// Definitions (see Acc): waiting time = first call − issue of tickets
// issued at a kiosk (a transfer's new ticket keeps the original issue time
// and is not counted again); service time = finish − start (or − first
// call); the median of an even count is the mean of the two middle values;
// the 90th percentile is the nearest-rank one; shares are in percent,
// rounded to a tenth.
package report

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// Dim is a grouping of a report.
type Dim string

// Groupings.
const (
	ByService Dim = "service"
	ByCounter Dim = "counter"
	ByOfficer Dim = "officer"
	ByDay     Dim = "day"
	ByHour    Dim = "hour"
)

// Dims are every grouping, in the order roll-ups are stored.
var Dims = []Dim{ByService, ByCounter, ByOfficer, ByDay, ByHour}

// ParseDim checks a grouping name.
func ParseDim(s string) (Dim, bool) {
	d := Dim(s)
	return d, slices.Contains(Dims, d)
}

// Store is where reports read tickets and keep daily roll-ups.
type Store interface {
	// RolledDays returns which days in [from, to] (YYYY-MM-DD) have a roll-up.
	RolledDays(ctx context.Context, from, to string) (map[string]bool, error)
	// DayTickets calls fn for every ticket whose day is in [from, to].
	DayTickets(ctx context.Context, from, to string, fn func(*Ticket) error) error
	// PutRollup stores a day's roll-up (replacing any), all groupings at
	// once, atomically.
	PutRollup(ctx context.Context, day string, groups []Rollup) error
	// Rollups calls fn for each stored roll-up group of dim in [from, to].
	Rollups(ctx context.Context, from, to string, dim Dim, fn func(day, key string, data []byte) error) error
}

// Rollup is one stored group of a day.
type Rollup struct {
	Dim  Dim
	Key  string
	Data []byte
}

// Query asks for a summary.
type Query struct {
	From, To string // local days, inclusive
	By       Dim
	// Today is the hall's current day: days from it on are computed live
	// and never rolled up.
	Today string
	// Now is the time of the query, for tickets still waiting.
	Now time.Time
	Loc *time.Location
	// TargetWaitS is each service's target wait in seconds.
	TargetWaitS map[string]int
}

// Group is one group of a summary.
type Group struct {
	Key string
	Acc Acc
}

// Result is a summary: its groups in key order and their total.
type Result struct {
	Groups []Group
	Total  Acc
}

// Days lists the days from from to to, inclusive. EINVALID-worthy input
// gives an error.
func Days(from, to string) ([]string, error) {
	f, err := time.Parse(time.DateOnly, from)
	if err != nil {
		return nil, fmt.Errorf("report: from %q is not a date (YYYY-MM-DD)", from)
	}
	t, err := time.Parse(time.DateOnly, to)
	if err != nil {
		return nil, fmt.Errorf("report: to %q is not a date (YYYY-MM-DD)", to)
	}
	if t.Before(f) {
		return nil, fmt.Errorf("report: to %s is before from %s", to, from)
	}
	if t.Sub(f) > 3*366*24*time.Hour {
		return nil, fmt.Errorf("report: a range of more than three years")
	}
	var out []string
	for d := f; !d.After(t); d = d.AddDate(0, 0, 1) {
		out = append(out, d.Format(time.DateOnly))
	}
	return out, nil
}

// Summarize computes a summary: closed days from their roll-ups (rolling
// up any that are missing), days from Today on from their tickets.
func Summarize(ctx context.Context, st Store, q Query) (*Result, error) {
	days, err := Days(q.From, q.To)
	if err != nil {
		return nil, err
	}
	groups := map[string]*Acc{}
	closedTo := ""
	for _, d := range days {
		if d < q.Today {
			closedTo = d
		}
	}
	if closedTo != "" {
		if err := EnsureRollups(ctx, st, q.From, closedTo, q); err != nil {
			return nil, err
		}
		err := st.Rollups(ctx, q.From, closedTo, q.By, func(day, key string, data []byte) error {
			a := groups[key]
			if a == nil {
				a = &Acc{}
				groups[key] = a
			}
			if err := a.MergeBinary(data); err != nil {
				return fmt.Errorf("report: roll-up of %s %s %s: %w", day, q.By, key, err)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	liveFrom := max(q.From, q.Today)
	if liveFrom <= q.To {
		nowMS := q.Now.UnixMilli()
		err := st.DayTickets(ctx, liveFrom, q.To, func(t *Ticket) error {
			add(groups, q.By, t, q.Loc, q.TargetWaitS[t.Service], nowMS)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if q.By == ByDay {
		for _, d := range days {
			if d <= max(q.Today, closedTo) && groups[d] == nil {
				groups[d] = &Acc{} // an empty day is a row of zeros
			}
		}
	}
	res := &Result{}
	for _, k := range sortedKeys(groups, q.By) {
		res.Groups = append(res.Groups, Group{Key: k, Acc: *groups[k]})
		res.Total.Merge(groups[k])
	}
	return res, nil
}

// EnsureRollups rolls up every day in [from, to] that has no roll-up yet.
// The caller makes sure these days are closed.
func EnsureRollups(ctx context.Context, st Store, from, to string, q Query) error {
	have, err := st.RolledDays(ctx, from, to)
	if err != nil {
		return err
	}
	days, err := Days(from, to)
	if err != nil {
		return err
	}
	var missing []string
	for _, d := range days {
		if !have[d] {
			missing = append(missing, d)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	// One read over the span of the missing days, split by day.
	byDay := map[string]map[Dim]map[string]*Acc{}
	for _, d := range missing {
		byDay[d] = map[Dim]map[string]*Acc{}
		for _, dim := range Dims {
			byDay[d][dim] = map[string]*Acc{}
		}
	}
	err = st.DayTickets(ctx, missing[0], missing[len(missing)-1], func(t *Ticket) error {
		dims := byDay[t.Day]
		if dims == nil {
			return nil // rolled up already
		}
		for _, dim := range Dims {
			add(dims[dim], dim, t, q.Loc, q.TargetWaitS[t.Service], 0)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, d := range missing {
		var rows []Rollup
		for _, dim := range Dims {
			for _, k := range sortedKeys(byDay[d][dim], dim) {
				data, _ := byDay[d][dim][k].AppendBinary(nil)
				rows = append(rows, Rollup{Dim: dim, Key: k, Data: data})
			}
		}
		if err := st.PutRollup(ctx, d, rows); err != nil {
			return err
		}
	}
	return nil
}

// add counts t in its group of dim. By hour, a ticket counts in the hour
// it was issued, and its call in the hour it was called.
func add(groups map[string]*Acc, dim Dim, t *Ticket, loc *time.Location, targetS int, nowMS int64) {
	get := func(k string) *Acc {
		a := groups[k]
		if a == nil {
			a = &Acc{}
			groups[k] = a
		}
		return a
	}
	if dim == ByHour {
		get(hourKey(t.Issued, loc)).AddTicket(t, targetS, nowMS)
		if t.Called != 0 {
			get(hourKey(t.Called, loc)).AddCall(t)
		}
		return
	}
	a := get(KeyOf(dim, t))
	a.AddTicket(t, targetS, nowMS)
	a.AddCall(t)
}

// KeyOf is t's group key under dim (not ByHour): the service code, the
// counter number ("0": never called), the officer ("": never called) or
// the day.
func KeyOf(dim Dim, t *Ticket) string {
	switch dim {
	case ByService:
		return t.Service
	case ByCounter:
		return strconv.Itoa(t.Counter)
	case ByOfficer:
		return t.Officer
	}
	return t.Day
}

func hourKey(ms int64, loc *time.Location) string {
	return fmt.Sprintf("%02d", time.UnixMilli(ms).In(loc).Hour())
}

// sortedKeys orders group keys: counters by number, the rest as text.
func sortedKeys(groups map[string]*Acc, dim Dim) []string {
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if dim == ByCounter {
			x, _ := strconv.Atoi(a)
			y, _ := strconv.Atoi(b)
			return x - y
		}
		switch {
		case a < b:
			return -1
		case a > b:
			return 1
		}
		return 0
	})
	return keys
}
