package simhall

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/hallq/hallq/forecast"
	"github.com/hallq/hallq/simday"
)

// Demand is how many citizens come to a seeded hall each day and for
// what: the variation a real one-stop desk sees, so that the forecast has
// something to learn and the backtest something to miss. Every effect
// multiplies the day's expected arrivals; then noise, then Poisson counts.
// The effects are written here from the calendar, not from the forecast's
// own features, so that the forecast must approximate them as it would a
// real hall's (docs/FORECAST.md lists them).
type Demand struct {
	// PerDay is the mean arrivals of a weekday (the Monday–Friday average)
	// at the end of the history.
	PerDay float64
	// Weekday multiplies PerDay, Sunday first; 0 closes the hall.
	Weekday [7]float64
	// MorningOnly weekdays close at noon (Saturday mornings): arrivals run
	// from the profile's First to MorningLast (minutes after midnight).
	MorningOnly [7]bool
	MorningLast int
	// MorningShare is each weekday's share of arrivals before noon.
	MorningShare [7]float64
	// Services are the services' shares and their own month effects.
	Services []ServiceDemand
	// ServiceTimes are the services' own service times (the profile's
	// otherwise).
	ServiceTimes map[string]simday.ServiceTime
	// MonthEnd is the extra share of arrivals on the last calendar day of
	// the month, falling linearly to none five days before; MonthStart
	// the extra on the first three calendar days.
	MonthEnd, MonthStart float64
	// BeforeHoliday and AfterHoliday are the extra arrivals on the working
	// days next to a closure for public holidays, nearest first; a closure
	// of four working days or more (Tết) has half as much again.
	BeforeHoliday, AfterHoliday []float64
	// Trend is the growth per year.
	Trend float64
	// DayNoise and ServiceNoise are the standard deviations of the day's
	// log-normal factor (whole hall) and of each service's own.
	DayNoise, ServiceNoise float64
	// Events is the chance of a day with an unannounced surge (a campaign,
	// a deadline); EventSize its extra arrivals.
	EventChance, EventSize float64
}

// ServiceDemand is a service's share of the arrivals and how much more it
// feels the month's end and start than the hall as a whole.
type ServiceDemand struct {
	Service              string
	Share                float64
	MonthEnd, MonthStart float64 // multiply the hall's extra (1: the same)
}

// RealisticDemand is the demo hall's seeded demand: perDay citizens on an
// average weekday, Mondays busiest and Fridays quietest, Saturday mornings,
// Sundays closed; month ends busier (land and business registration most),
// the first days of a month a little; the working days around public
// holidays much busier; 8 % growth a year; day-to-day noise of about 10 %
// and an unannounced surge on one day in fifty.
func RealisticDemand(perDay float64) Demand {
	return Demand{
		PerDay:       perDay,
		Weekday:      [7]float64{0, 1.20, 1.05, 1.00, 0.95, 0.80, 0.45},
		MorningOnly:  [7]bool{time.Saturday: true},
		MorningLast:  simday.Clock("11:30"),
		MorningShare: [7]float64{0.60, 0.66, 0.60, 0.60, 0.60, 0.55, 1},
		Services: []ServiceDemand{
			{"A", 2.0 / 6, 0.6, 1}, {"B", 1.0 / 6, 1, 1}, {"C", 1.0 / 6, 1.6, 0.8}, {"D", 1.0 / 6, 1, 0.8}, {"E", 1.0 / 6, 1.6, 1.6},
		},
		// Copies are quick to certify, land files slow.
		ServiceTimes: map[string]simday.ServiceTime{
			"A": {Mean: 6 * time.Minute, SD: 4 * time.Minute},
			"B": {Mean: 4 * time.Minute, SD: 2*time.Minute + 30*time.Second},
			"C": {Mean: 10 * time.Minute, SD: 6 * time.Minute},
			"D": {Mean: 8 * time.Minute, SD: 5 * time.Minute},
			"E": {Mean: 7 * time.Minute, SD: 4 * time.Minute},
		},
		MonthEnd:      0.25,
		MonthStart:    0.10,
		BeforeHoliday: []float64{0.30, 0.12},
		AfterHoliday:  []float64{0.40, 0.20, 0.08},
		Trend:         0.08,
		DayNoise:      0.10,
		ServiceNoise:  0.08,
		EventChance:   0.02,
		EventSize:     0.35,
	}
}

// forServices keeps the demand of the services named, and gives any other
// an equal share of the hall with no month effects of its own.
func (dm Demand) forServices(codes []string) Demand {
	known := map[string]ServiceDemand{}
	for _, s := range dm.Services {
		known[s.Service] = s
	}
	dm.Services = nil
	for _, c := range codes {
		s, ok := known[c]
		if !ok {
			s = ServiceDemand{Service: c, Share: 1 / float64(len(codes)), MonthEnd: 1, MonthStart: 1}
		}
		dm.Services = append(dm.Services, s)
	}
	return dm
}

// demandDay is a day of demand: the expected arrivals per service before
// noise, and how the day's arrivals spread.
type demandDay struct {
	open     bool
	expected map[string]float64
	last     int // minutes after midnight
	morning  float64
}

// holidayCalendar answers the demand's questions about dates.
type holidayCalendar struct {
	holidays map[string]bool
	weekday  [7]float64
}

func (c *holidayCalendar) holiday(d time.Time) bool { return c.holidays[d.Format(time.DateOnly)] }
func (c *holidayCalendar) working(d time.Time) bool {
	return c.weekday[d.Weekday()] > 0 && !c.holiday(d)
}

// closure walks from d (exclusive) in direction step over working days and
// reports, for the n-th working day reached (1-based), whether a public
// holiday closure lies between d and it, and how many working days that
// closure took.
func (c *holidayCalendar) holidayWithin(d time.Time, step, n int) (bool, int) {
	reached, lost := 0, 0
	seen := false
	for i := 1; i <= 40 && reached < n; i++ {
		x := d.AddDate(0, 0, step*i)
		switch {
		case c.holiday(x):
			seen = true
			if c.weekday[x.Weekday()] > 0 {
				lost++
			}
		case c.working(x):
			reached++
		}
	}
	return seen, lost
}

// expectedFactor is the mean of the noise: the expected arrivals of a day
// are its demand times this.
func (dm *Demand) expectedFactor() float64 { return 1 + dm.EventChance*dm.EventSize }

// day is the demand of date (midnight) at years before the history's end.
func (dm *Demand) day(cal *holidayCalendar, date time.Time, yearsBeforeEnd float64, profile *simday.Profile) demandDay {
	wd := date.Weekday()
	if !cal.working(date) {
		return demandDay{}
	}
	base := dm.PerDay * dm.Weekday[wd] * math.Pow(1+dm.Trend, -yearsBeforeEnd)
	// Month end: the last five calendar days, rising to the last.
	last := time.Date(date.Year(), date.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
	toEnd := last - date.Day() // 0 on the last day
	monthEnd := 0.0
	if toEnd < 5 {
		monthEnd = dm.MonthEnd * float64(5-toEnd) / 5
	}
	monthStart := 0.0
	if date.Day() <= 3 {
		monthStart = dm.MonthStart
	}
	// Holidays: the nearest working days on either side of a closure.
	holiday := 1.0
	for i, extra := range dm.BeforeHoliday {
		if seen, lost := cal.holidayWithin(date, 1, i+1); seen && !closureBetween(cal, date, 1, i) {
			holiday *= 1 + extra*size(lost)
			break
		}
	}
	for i, extra := range dm.AfterHoliday {
		if seen, lost := cal.holidayWithin(date, -1, i+1); seen && !closureBetween(cal, date, -1, i) {
			holiday *= 1 + extra*size(lost)
			break
		}
	}
	out := demandDay{open: true, expected: map[string]float64{}, last: profile.Last, morning: dm.MorningShare[wd]}
	if dm.MorningOnly[wd] {
		out.last = dm.MorningLast
	}
	for _, s := range dm.Services {
		out.expected[s.Service] = base * s.Share * (1 + monthEnd*s.MonthEnd) * (1 + monthStart*s.MonthStart) * holiday
	}
	return out
}

// closureBetween reports whether a holiday lies within the first n working
// days from d in direction step: the effect belongs to the nearer day.
func closureBetween(cal *holidayCalendar, d time.Time, step, n int) bool {
	if n == 0 {
		return false
	}
	seen, _ := cal.holidayWithin(d, step, n)
	return seen
}

// size scales a holiday effect by the closure's length: long closures
// (Tết) bring more.
func size(lost int) float64 {
	if lost >= 4 {
		return 1.5
	}
	return 1
}

// draw is the day's arrivals: the expected ones times the noise, then
// Poisson counts per service.
func (dm *Demand) draw(rng *rand.Rand, dd demandDay) map[string]int {
	factor := lognormal(rng, dm.DayNoise)
	if rng.Float64() < dm.EventChance {
		factor *= 1 + dm.EventSize
	}
	out := map[string]int{}
	for _, s := range dm.Services {
		out[s.Service] = simday.Poisson(rng, dd.expected[s.Service]*factor*lognormal(rng, dm.ServiceNoise))
	}
	return out
}

// lognormal is a factor with mean 1 and log standard deviation sd.
func lognormal(rng *rand.Rand, sd float64) float64 {
	return math.Exp(sd*rng.NormFloat64() - sd*sd/2)
}

// profile sets up dp for date's demand and returns its arrivals; the
// expected ones go into rep.
func (dm *Demand) profile(dp *simday.Profile, cal *holidayCalendar, date time.Time, yearsBeforeEnd float64, rng *rand.Rand, rep *SeedReport) int {
	dd := dm.day(cal, date, yearsBeforeEnd, dp)
	if !dd.open {
		return 0
	}
	dp.Last, dp.MorningShare, dp.PerService = dd.last, dd.morning, dm.ServiceTimes
	dp.Counts = dm.draw(rng, dd)
	shares := dp.HourShares()
	exp := forecast.Day{Date: forecast.DateOf(date)}
	for code, mean := range dd.expected {
		for h, sh := range shares {
			if sh > 0 {
				exp.Add(code, h, mean*dm.expectedFactor()*sh)
			}
		}
	}
	rep.Expected = append(rep.Expected, exp)
	n := 0
	for _, c := range dp.Counts {
		n += c
	}
	return n
}
