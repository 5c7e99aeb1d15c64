// Package report computes the hall's reports: tickets issued and served,
// no-shows, tickets closed at end of day, waiting and service times (mean,
// exact median and 90th percentile), the share of waits over their target,
// satisfaction, and the error of the estimated wait, grouped by service,
// counter, officer, day or hour, or by one of those and day.
//
// Every figure is defined in docs/REPORTS.md; Ticket and Acc say the same
// in code. In short: a ticket is judged against the target wait its
// service had when the ticket joined its queue (Ticket.TargetWaitS, or for
// tickets from before that was kept, the targets before the first change
// the hall's log recorded), and a range against the goals in force at its
// end; waiting
// time adds up every wait before a call (a requeued ticket waits twice);
// service time runs from the call that led to the service; tickets the
// end of day finished are closed at end of day, apart from the citizens'
// outcomes; every rating press counts; times are whole seconds, rounded.
//
// Closed days are rolled up once into one accumulator per (day, grouping,
// key), each holding per-second histograms of the waiting and service
// times; figures for a range of days merge those, so medians and
// percentiles stay exact at one-second resolution whatever the range.
// Days from the hall's current day on are computed live from their
// tickets. A closed day never changes again, nor does anything its roll-up
// is computed from: the end of day finishes every ticket of it, a no-show
// can only be requeued on its own day, a press no ticket took counts on the
// day it reached the server, each ticket carries its own target, and the
// targets before the log's first change are the ones the hall had then. So a roll-up always equals a
// fresh computation, whatever the targets are now.
//
// The package reads tickets and roll-ups through Store, which the hall's
// SQLite store and the central PostgreSQL store both satisfy: a hall's
// figures are the same whichever serves them. It imports nothing of the
// project but the domain (package hallq).
package report

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hallq/hallq"
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
	// Presses calls fn for every rating press that reached the server in
	// [fromMS, toMS) and that no ticket took (the others are on their
	// ticket, Ticket.Rating).
	Presses(ctx context.Context, fromMS, toMS int64, fn func(Press) error) error
	// TargetHistory returns the targets the hall's log recorded (events
	// hall.targets), oldest first.
	TargetHistory(ctx context.Context) ([]TargetsSince, error)
	// PutRollup stores a day's roll-up (replacing any), all groupings at
	// once, atomically.
	PutRollup(ctx context.Context, day string, groups []Rollup) error
	// Rollups calls fn for each stored roll-up group of dim in [from, to].
	Rollups(ctx context.Context, from, to string, dim Dim, fn func(day, key string, data []byte) error) error
}

// TargetsSince is a change of targets the log recorded at At (Unix ms):
// Targets in force from then until the next change, Previous until then.
type TargetsSince struct {
	At       int64
	Targets  hallq.Targets
	Previous hallq.Targets
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
	// PerDay groups by By and day: one group per day and key (By is not
	// ByDay).
	PerDay bool
	// Today is the hall's current day: days from it on are computed live
	// and never rolled up.
	Today string
	// Now is the time of the query, for tickets still waiting.
	Now time.Time
	Loc *time.Location
	// Default are the targets when the hall's log has recorded no change
	// of them: the hall's settings and services now.
	Default hallq.Targets
}

// Group is one group of a summary.
type Group struct {
	Day string // with Query.PerDay
	Key string
	Acc Acc
	// Targets, if not nil, are the goals this group is held to instead of
	// the result's: in a report across halls, a hall's row (or one of its
	// counters or officers) is held to the hall's own.
	Targets *Targets
}

// Result is a summary: its groups in key order and their total, and the
// targets they are held against.
type Result struct {
	Groups []Group
	Total  Acc
	// Targets are the targets in force at the end of the range (or now,
	// for a range that has not ended): the goals its figures are held
	// against.
	Targets hallq.Targets
	// Changes are the changes of targets the log recorded during the range.
	Changes []TargetsSince
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

// history is the hall's recorded changes of targets and what a query falls
// back on without any.
type history struct {
	since []TargetsSince
	def   hallq.Targets
}

func loadHistory(ctx context.Context, st Store, q Query) (history, error) {
	h, err := st.TargetHistory(ctx)
	if err != nil {
		return history{}, err
	}
	return history{since: h, def: q.Default}, nil
}

// at is the targets in force at ms: those of the latest change at or
// before it, before the first change the ones that change replaced, and
// without any change the default (the hall's now).
func (h history) at(ms int64) hallq.Targets {
	if len(h.since) == 0 {
		return h.def
	}
	i, _ := slices.BinarySearchFunc(h.since, ms+1, func(t TargetsSince, v int64) int {
		switch {
		case t.At < v:
			return -1
		case t.At > v:
			return 1
		}
		return 0
	})
	if i == 0 {
		return h.since[0].Previous
	}
	return h.since[i-1].Targets
}

// first are the targets in force before the first recorded change, which
// tickets from before the hall kept their own are judged by: without a
// change the hall's targets now, after one the ones it replaced — the
// same targets, so a day rolled up before the first change reads the same
// after it.
func (h history) first() hallq.Targets {
	if len(h.since) == 0 {
		return h.def
	}
	return h.since[0].Previous
}

// target is the target wait, in seconds, t is held against: its own, or
// for a ticket from before the hall kept it, its service's before the
// first recorded change.
func (h history) target(t *Ticket) int {
	if t.TargetWaitS >= 0 {
		return t.TargetWaitS
	}
	return h.first().WaitMin[t.Service] * 60
}

// dayBounds are the Unix ms bounds of local days [from, to].
func dayBounds(from, to string, loc *time.Location) (int64, int64) {
	f, _ := time.ParseInLocation(time.DateOnly, from, loc)
	t, _ := time.ParseInLocation(time.DateOnly, to, loc)
	return f.UnixMilli(), t.AddDate(0, 0, 1).UnixMilli()
}

// gkey identifies a group: its key, and its day with Query.PerDay.
type gkey struct{ day, key string }

// Summarize computes a summary: closed days from their roll-ups (rolling
// up any that are missing), days from Today on from their tickets.
func Summarize(ctx context.Context, st Store, q Query) (*Result, error) {
	days, err := Days(q.From, q.To)
	if err != nil {
		return nil, err
	}
	if q.By == ByDay {
		q.PerDay = false
	}
	hist, err := loadHistory(ctx, st, q)
	if err != nil {
		return nil, err
	}
	groups := map[gkey]*Acc{}
	get := func(day, key string) *Acc {
		k := gkey{key: key}
		if q.PerDay {
			k.day = day
		}
		a := groups[k]
		if a == nil {
			a = &Acc{}
			groups[k] = a
		}
		return a
	}
	closedTo := ""
	for _, d := range days {
		if d < q.Today {
			closedTo = d
		}
	}
	if closedTo != "" {
		if err := ensureRollups(ctx, st, q.From, closedTo, q, hist); err != nil {
			return nil, err
		}
		err := st.Rollups(ctx, q.From, closedTo, q.By, func(day, key string, data []byte) error {
			if err := get(day, key).MergeBinary(data); err != nil {
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
			addTicket(q.By, t, q.Loc, hist.target(t), nowMS, func(key string) *Acc { return get(t.Day, key) })
			return nil
		})
		if err != nil {
			return nil, err
		}
		fromMS, toMS := dayBounds(liveFrom, q.To, q.Loc)
		err = st.Presses(ctx, fromMS, toMS, func(p Press) error {
			day := time.UnixMilli(p.At).In(q.Loc).Format(time.DateOnly)
			get(day, pressKey(q.By, p, day, q.Loc)).AddPress(p)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if q.By == ByDay {
		for _, d := range days {
			if d <= max(q.Today, closedTo) {
				get(d, d) // an empty day is a row of zeros
			}
		}
	}
	res := &Result{}
	for _, k := range sortedKeys(groups, q.By) {
		res.Groups = append(res.Groups, Group{Day: k.day, Key: k.key, Acc: *groups[k]})
		res.Total.Merge(groups[k])
	}
	fromMS, toMS := dayBounds(q.From, q.To, q.Loc)
	res.Targets = hist.at(min(toMS-1, q.Now.UnixMilli()))
	for _, c := range hist.since {
		if c.At >= fromMS && c.At < toMS {
			res.Changes = append(res.Changes, c)
		}
	}
	return res, nil
}

// EnsureRollups rolls up every day in [from, to] that has no roll-up yet.
// The caller makes sure these days are closed.
func EnsureRollups(ctx context.Context, st Store, from, to string, q Query) error {
	hist, err := loadHistory(ctx, st, q)
	if err != nil {
		return err
	}
	return ensureRollups(ctx, st, from, to, q, hist)
}

func ensureRollups(ctx context.Context, st Store, from, to string, q Query, hist history) error {
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
	byDay := map[string]map[Dim]map[gkey]*Acc{}
	for _, d := range missing {
		byDay[d] = map[Dim]map[gkey]*Acc{}
		for _, dim := range Dims {
			byDay[d][dim] = map[gkey]*Acc{}
		}
	}
	acc := func(groups map[gkey]*Acc) func(string) *Acc {
		return func(key string) *Acc {
			a := groups[gkey{key: key}]
			if a == nil {
				a = &Acc{}
				groups[gkey{key: key}] = a
			}
			return a
		}
	}
	first, last := missing[0], missing[len(missing)-1]
	err = st.DayTickets(ctx, first, last, func(t *Ticket) error {
		dims := byDay[t.Day]
		if dims == nil {
			return nil // rolled up already
		}
		target := hist.target(t)
		for _, dim := range Dims {
			addTicket(dim, t, q.Loc, target, 0, acc(dims[dim]))
		}
		return nil
	})
	if err != nil {
		return err
	}
	fromMS, toMS := dayBounds(first, last, q.Loc)
	err = st.Presses(ctx, fromMS, toMS, func(p Press) error {
		day := time.UnixMilli(p.At).In(q.Loc).Format(time.DateOnly)
		dims := byDay[day]
		if dims == nil {
			return nil
		}
		for _, dim := range Dims {
			acc(dims[dim])(pressKey(dim, p, day, q.Loc)).AddPress(p)
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
				rows = append(rows, Rollup{Dim: dim, Key: k.key, Data: data})
			}
		}
		if err := st.PutRollup(ctx, d, rows); err != nil {
			return err
		}
	}
	return nil
}

// addTicket counts t in its group under dim. By hour, a ticket and all
// its figures count in the hour it was issued (a transfer's new ticket in
// its original's).
func addTicket(dim Dim, t *Ticket, loc *time.Location, targetS int, nowMS int64, group func(key string) *Acc) {
	key := KeyOf(dim, t)
	if dim == ByHour {
		key = hourKey(t.Issued, loc)
	}
	group(key).AddTicket(t, targetS, nowMS)
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

// pressKey is the group of a press no ticket took under dim: its counter,
// the day and the hour it reached the server, and no service or officer
// ("", the group of what nobody took).
func pressKey(dim Dim, p Press, day string, loc *time.Location) string {
	switch dim {
	case ByCounter:
		return strconv.Itoa(p.Counter)
	case ByDay:
		return day
	case ByHour:
		return hourKey(p.At, loc)
	}
	return ""
}

func hourKey(ms int64, loc *time.Location) string {
	return fmt.Sprintf("%02d", time.UnixMilli(ms).In(loc).Hour())
}

// sortedKeys orders groups by day, then key: counters by number, the rest
// as text.
func sortedKeys[V any](groups map[gkey]V, dim Dim) []gkey {
	keys := make([]gkey, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b gkey) int {
		if c := strings.Compare(a.day, b.day); c != 0 {
			return c
		}
		return CompareKeys(dim, a.key, b.key)
	})
	return keys
}

// CompareKeys orders two group keys of dim: counters by number, the rest
// as text.
func CompareKeys(dim Dim, a, b string) int {
	if dim == ByCounter {
		x, _ := strconv.Atoi(a)
		y, _ := strconv.Atoi(b)
		return x - y
	}
	return strings.Compare(a, b)
}

// ParseTargetsEvent reads a hall.targets event as the log stores it.
func ParseTargetsEvent(body []byte) (TargetsSince, error) {
	var ev hallq.Event
	if err := json.Unmarshal(body, &ev); err != nil {
		return TargetsSince{}, err
	}
	if ev.Type != hallq.EventHallTargets || ev.Targets == nil || ev.PreviousTargets == nil {
		return TargetsSince{}, fmt.Errorf("report: event %d is not a change of the hall's targets", ev.Seq)
	}
	return TargetsSince{At: ev.At.UnixMilli(), Targets: ev.Targets.Clone(), Previous: ev.PreviousTargets.Clone()}, nil
}
