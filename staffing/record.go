package staffing

import (
	"slices"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/forecast"
	"github.com/hallq/hallq/report"
	"github.com/hallq/hallq/simday"
)

// Record is what a hall's past tickets say for planning: the arrivals per
// day, service and hour (the forecast's history), how long each service
// takes and how often citizens do not come or are sent on (what a planned
// day is played with), and each day's citizens as they came (to replay a
// plan against what happened).
type Record struct {
	loc *time.Location
	// keepFrom: tickets of days before it are only counted.
	keepFrom time.Time
	days     map[time.Time]*dayRecord
}

type dayRecord struct {
	counts  forecast.Day
	tickets []report.Ticket
}

// NewRecord is an empty record of a hall in zone loc. Tickets of days from
// keepFrom on are kept for Behaviour and Visitors; earlier ones only
// counted (a year of tickets need not stay in memory to forecast).
func NewRecord(loc *time.Location, keepFrom time.Time) *Record {
	return &Record{loc: loc, keepFrom: forecast.DateOf(keepFrom), days: map[time.Time]*dayRecord{}}
}

// Add records a ticket (as the report store reads them).
func (r *Record) Add(t *report.Ticket) {
	issued := time.UnixMilli(t.Issued).In(r.loc)
	date := forecast.DateOf(issued)
	d := r.days[date]
	if d == nil {
		d = &dayRecord{counts: forecast.Day{Date: date}}
		r.days[date] = d
	}
	if t.Original() {
		d.counts.Add(t.Service, issued.Hour(), 1)
	}
	if !date.Before(r.keepFrom) {
		d.tickets = append(d.tickets, *t)
	}
}

// History is the arrivals of every day recorded.
func (r *Record) History() *forecast.History {
	days := make([]forecast.Day, 0, len(r.days))
	for _, d := range r.days {
		days = append(days, d.counts)
	}
	return forecast.NewHistory(days)
}

// Behaviour is how citizens and officers behaved in a hall: what a
// planned day is played with.
type Behaviour struct {
	// ServiceTimes are recent service times per service, oldest first.
	ServiceTimes map[string][]time.Duration
	// NoShow, Priority and Transfer are shares of the citizens who took a
	// ticket: gone when called, priority, sent on to another service.
	NoShow, Priority, Transfer float64
	// PriorityKind is the most common priority kind.
	PriorityKind string
	// TransferTo gives, per service, where its transfers went (counts).
	TransferTo map[string]map[string]int
	// Quarters are, for each hour of the day, how its arrivals fell in its
	// four quarters (counts): citizens come in clumps — after lunch, at a
	// quarter past the opening — and a plan must meet them as they come.
	Quarters [24][4]float64
}

// behaviourDays is how far back Behaviour looks.
const behaviourDays = 56

// Behaviour is the hall's behaviour over the eight weeks before asOf.
func (r *Record) Behaviour(asOf time.Time) *Behaviour {
	asOf = forecast.DateOf(asOf)
	b := &Behaviour{ServiceTimes: map[string][]time.Duration{}, TransferTo: map[string]map[string]int{}}
	var dates []time.Time
	for date := range r.days {
		if date.Before(asOf) && !date.Before(asOf.AddDate(0, 0, -behaviourDays)) {
			dates = append(dates, date)
		}
	}
	slices.SortFunc(dates, time.Time.Compare)
	var originals, noShows, priority, transfers int
	kinds := map[string]int{}
	for _, date := range dates {
		byID := map[string]*report.Ticket{}
		ts := r.days[date].tickets
		for i := range ts {
			byID[ts[i].ID] = &ts[i]
		}
		for i := range ts {
			t := &ts[i]
			if d := serviceTime(t); d > 0 && (t.State == hallq.StateDone || t.State == hallq.StateTransferred) {
				b.ServiceTimes[t.Service] = append(b.ServiceTimes[t.Service], d)
			}
			if !t.Original() {
				continue
			}
			originals++
			at := time.UnixMilli(t.Issued).In(r.loc)
			b.Quarters[at.Hour()][at.Minute()/15]++
			if t.State == hallq.StateNoShow {
				noShows++
			}
			if t.Priority != "" {
				priority++
				kinds[t.Priority]++
			}
			if to := byID[t.TransferredTo]; to != nil {
				transfers++
				if b.TransferTo[t.Service] == nil {
					b.TransferTo[t.Service] = map[string]int{}
				}
				b.TransferTo[t.Service][to.Service]++
			}
		}
	}
	if originals > 0 {
		n := float64(originals)
		b.NoShow, b.Priority, b.Transfer = float64(noShows)/n, float64(priority)/n, float64(transfers)/n
	}
	for k, n := range kinds {
		if n > kinds[b.PriorityKind] || (n == kinds[b.PriorityKind] && k < b.PriorityKind) {
			b.PriorityKind = k
		}
	}
	return b
}

// serviceTime is how long a ticket was at the counter: finish (or the
// transfer) − start, or − the call when start was not pressed; 0 if
// unknown.
func serviceTime(t *report.Ticket) time.Duration {
	if t.Finished == 0 || t.Called == 0 || t.Flagged {
		return 0
	}
	from := t.Called
	if t.Started != 0 {
		from = t.Started
	}
	if t.Finished < from {
		return 0
	}
	return time.Duration(t.Finished-from) * time.Millisecond
}

// Visitors are the citizens of date as they came: when, for what, how long
// they took, whether they were gone when called or sent on. Tickets that
// were never served take their service's median time. It needs a record
// that kept date's tickets.
func (r *Record) Visitors(date time.Time, b *Behaviour) []simday.Visitor {
	d := r.days[forecast.DateOf(date)]
	if d == nil {
		return nil
	}
	byID := map[string]*report.Ticket{}
	for i := range d.tickets {
		byID[d.tickets[i].ID] = &d.tickets[i]
	}
	midnight := simday.LocalMidnight(date, r.loc)
	median := func(service string) time.Duration {
		ts := slices.Clone(b.ServiceTimes[service])
		if len(ts) == 0 {
			return 6 * time.Minute
		}
		slices.Sort(ts)
		return ts[len(ts)/2]
	}
	var out []simday.Visitor
	for i := range d.tickets {
		t := &d.tickets[i]
		if !t.Original() {
			continue
		}
		v := simday.Visitor{
			N:        len(out) + 1,
			At:       time.UnixMilli(t.Issued).Sub(midnight),
			Service:  t.Service,
			Priority: t.Priority,
			NoShow:   t.State == hallq.StateNoShow || t.State == hallq.StateCancelled,
		}
		if v.ServiceTime = serviceTime(t); v.ServiceTime <= 0 {
			v.ServiceTime = median(t.Service)
		}
		if to := byID[t.TransferredTo]; to != nil {
			v.TransferTo = to.Service
			if v.ServiceTime2 = serviceTime(to); v.ServiceTime2 <= 0 {
				v.ServiceTime2 = median(to.Service)
			}
		}
		out = append(out, v)
	}
	slices.SortStableFunc(out, func(a, b simday.Visitor) int { return int(a.At - b.At) })
	for i := range out {
		out[i].N = i + 1
	}
	return out
}

// WithinTarget is the share of date's citizens who were called within
// their service's target (1 when none had a target).
func (r *Record) WithinTarget(date time.Time, services []hallq.Service) float64 {
	d := r.days[forecast.DateOf(date)]
	if d == nil {
		return 1
	}
	targets := map[string]int64{}
	for _, s := range services {
		targets[s.Code] = int64(s.TargetWaitMin) * 60_000
	}
	n, within := 0, 0
	for i := range d.tickets {
		t := &d.tickets[i]
		if !t.Original() || targets[t.Service] <= 0 {
			continue
		}
		n++
		if w := t.WaitMS(); w >= 0 && w <= targets[t.Service] {
			within++
		}
	}
	if n == 0 {
		return 1
	}
	return float64(within) / float64(n)
}
