// Package forecast predicts a hall's arrivals: for a coming day, the
// expected number of citizens per service and per hour, with a band that
// holds the actual count four times in five, learnt from the hall's own
// history. It is pure: days of counts in, numbers out.
//
// The model, chosen by backtest (docs/FORECAST.md): each service's daily
// total is a Poisson regression on the weekday, the first and last working
// days of the month, the two working days before and after a public
// holiday, and a linear trend, fitted with exponentially decaying weights
// (recent weeks count most) and a small ridge penalty (an effect seen on
// few days stays near none). The day's total is spread over its hours by
// the service's recent hour-of-day shape for that weekday. The band comes
// from the spread the fit leaves (a negative binomial with the dispersion
// measured on the history, widened by the fit's own uncertainty).
package forecast

import (
	"fmt"
	"slices"
	"time"
)

// Counts are arrivals in each hour of a day (index = local hour).
type Counts [24]float64

// Sum is the day's total.
func (c *Counts) Sum() float64 {
	var s float64
	for _, v := range c {
		s += v
	}
	return s
}

// Day is one day of history: the citizens who took a ticket, per service
// and per local hour of issue.
type Day struct {
	// Date is the local date, as midnight UTC (see Date).
	Date  time.Time
	Hours map[string]*Counts
}

// Total is the day's arrivals over every service.
func (d *Day) Total() float64 {
	var s float64
	for _, c := range d.Hours {
		s += c.Sum()
	}
	return s
}

// Service is the day's arrivals of one service (0 for none).
func (d *Day) Service(code string) float64 {
	if c := d.Hours[code]; c != nil {
		return c.Sum()
	}
	return 0
}

// Hour is the day's arrivals in hour over every service.
func (d *Day) Hour(h int) float64 {
	var s float64
	for _, c := range d.Hours {
		s += c[h]
	}
	return s
}

// Add counts n arrivals of service in hour.
func (d *Day) Add(service string, hour int, n float64) {
	if d.Hours == nil {
		d.Hours = map[string]*Counts{}
	}
	c := d.Hours[service]
	if c == nil {
		c = new(Counts)
		d.Hours[service] = c
	}
	c[hour] += n
}

// Date is a calendar date as the package keeps it: midnight UTC.
func Date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// DateOf is t's calendar date in t's own location.
func DateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return Date(y, m, d)
}

// ParseDate reads YYYY-MM-DD.
func ParseDate(s string) (time.Time, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("forecast: %q is not a date (YYYY-MM-DD)", s)
	}
	return t, nil
}

// History is a hall's past days. A date with no Day, or a Day with no
// arrivals at all, is a day the hall was closed.
type History struct {
	days []Day // sorted by date, one per date, open days only
}

// NewHistory gathers days (any order). Two days with the same date are
// merged.
func NewHistory(days []Day) *History {
	byDate := map[time.Time]*Day{}
	for i := range days {
		d := days[i]
		if d.Total() <= 0 {
			continue
		}
		date := DateOf(d.Date)
		if m := byDate[date]; m != nil {
			for s, c := range d.Hours {
				for h, v := range c {
					m.Add(s, h, v)
				}
			}
			continue
		}
		cp := Day{Date: date, Hours: map[string]*Counts{}}
		for s, c := range d.Hours {
			cc := *c
			cp.Hours[s] = &cc
		}
		byDate[date] = &cp
	}
	h := &History{}
	for _, d := range byDate {
		h.days = append(h.days, *d)
	}
	slices.SortFunc(h.days, func(a, b Day) int { return a.Date.Compare(b.Date) })
	return h
}

// Days are the open days, oldest first. They must not be modified.
func (h *History) Days() []Day { return h.days }

// Before is the history of the days before date.
func (h *History) Before(date time.Time) *History {
	i, _ := slices.BinarySearchFunc(h.days, DateOf(date), func(d Day, t time.Time) int { return d.Date.Compare(t) })
	return &History{days: h.days[:i]}
}

// On is the day at date, or nil if the hall was closed or it is not in
// the history.
func (h *History) On(date time.Time) *Day {
	i, ok := slices.BinarySearchFunc(h.days, DateOf(date), func(d Day, t time.Time) int { return d.Date.Compare(t) })
	if !ok {
		return nil
	}
	return &h.days[i]
}

// Services are the service codes seen in the history, sorted.
func (h *History) Services() []string {
	seen := map[string]bool{}
	for _, d := range h.days {
		for s := range d.Hours {
			seen[s] = true
		}
	}
	out := make([]string, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// Calendar is what the forecast knows of the hall's dates beyond its
// history: the public holidays it is closed on.
type Calendar struct {
	holidays map[time.Time]bool
}

// NewCalendar is a calendar with these holidays.
func NewCalendar(holidays []time.Time) Calendar {
	c := Calendar{holidays: map[time.Time]bool{}}
	for _, d := range holidays {
		c.holidays[DateOf(d)] = true
	}
	return c
}

// ParseHolidays reads holiday dates (YYYY-MM-DD), as a hall's settings
// list them.
func ParseHolidays(dates []string) (Calendar, error) {
	var ds []time.Time
	for _, s := range dates {
		d, err := ParseDate(s)
		if err != nil {
			return Calendar{}, err
		}
		ds = append(ds, d)
	}
	return NewCalendar(ds), nil
}

// Holiday reports whether date is a public holiday of the hall.
func (c Calendar) Holiday(date time.Time) bool { return c.holidays[DateOf(date)] }
