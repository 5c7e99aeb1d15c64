package queue

import (
	"maps"
	"math"
	"time"

	"github.com/hallq/hallq"
)

// ArrivalForecast is the arrivals a hall expects on one day: for each
// service, the printed tickets expected in each local hour (the arrival
// forecast of package forecast, made from the hall's own history). Given
// one for the engine's day, the wait estimate expects the rest of the
// day's visitors from it instead of from the last hour's pace, so that a
// ticket issued before a busy hour allows for the priority visitors and
// the preferred services' visitors that hour brings.
type ArrivalForecast struct {
	Day   string // YYYY-MM-DD, the hall's local date
	Hours map[string][24]float64
}

// Validate checks that the forecast names a date and holds only finite,
// non-negative counts.
func (f ArrivalForecast) Validate() error {
	if _, err := time.Parse(dayLayout, f.Day); err != nil {
		return hallq.Errorf(hallq.EINVALID, "arrival forecast: day %q is not a date (YYYY-MM-DD)", f.Day)
	}
	for code, hours := range f.Hours {
		for h, n := range hours {
			if math.IsNaN(n) || math.IsInf(n, 0) || n < 0 {
				return hallq.Errorf(hallq.EINVALID, "arrival forecast: service %s hour %d: %v arrivals", code, h, n)
			}
		}
	}
	return nil
}

// SetArrivalForecast gives the estimate the day's expected arrivals (it
// applies while the engine's day is f.Day; a forecast of another day is
// kept until then). It changes no ticket: estimates printed already stay.
func (e *Engine) SetArrivalForecast(f ArrivalForecast) error {
	if err := f.Validate(); err != nil {
		return err
	}
	e.expectedDay = f.Day
	e.given.Arrivals = ArrivalForecast{Day: f.Day, Hours: maps.Clone(f.Hours)}
	e.expected = make(map[string]*dayCurve, len(f.Hours))
	for code, hours := range f.Hours {
		c := new(dayCurve)
		for h, n := range hours {
			c[h+1] = c[h] + n
		}
		e.expected[code] = c
	}
	return nil
}

// dayCurve is the expected arrivals of a service from local midnight to
// each hour: c[h] by h:00, rising evenly within the hour.
type dayCurve [25]float64

// at is the expected arrivals by time of day d.
func (c *dayCurve) at(d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	h := int(d / time.Hour)
	if h >= 24 {
		return c[24]
	}
	frac := float64(d-time.Duration(h)*time.Hour) / float64(time.Hour)
	return c[h] + (c[h+1]-c[h])*frac
}

// when is the first time of day by which y arrivals are expected
// (y ≤ c[24]).
func (c *dayCurve) when(y float64) time.Duration {
	if y <= 0 {
		return 0
	}
	h := 0
	for h < 23 && c[h+1] < y {
		h++
	}
	n := c[h+1] - c[h]
	if n <= 0 {
		return time.Duration(h+1) * time.Hour
	}
	return time.Duration(h)*time.Hour + time.Duration((y-c[h])/n*float64(time.Hour))
}

// Settings of the expected visitors drawn from a forecast.
const (
	// levelWeight is the weight, in expected tickets, of the forecast's
	// level against the day's own: a service that has had n of the E
	// tickets expected so far is expected to go on at (n+w)/(E+w) of the
	// forecast.
	levelWeight = 30
	// priorityWeight is the weight, in tickets, of the hall's priority
	// share in a service's.
	priorityWeight = 20
)

// dayPace is what the expected visitors of a forecast of the day are
// scaled by: the time of day, and the day's printed tickets so far.
type dayPace struct {
	on        bool // the engine has a forecast of its day
	tod       time.Duration
	hallShare float64 // of priority tickets
}

func (f *forecast) dayPace() dayPace {
	e := f.e
	if e.expected == nil || e.expectedDay != e.day {
		return dayPace{}
	}
	local := e.local(f.now)
	y, m, d := local.Date()
	midnight := time.Date(y, m, d, 0, 0, 0, 0, e.loc)
	if midnight.Format(dayLayout) != e.day {
		return dayPace{}
	}
	allP, all := 0, 0
	for k, n := range e.pace.day {
		if k.booked {
			continue
		}
		all += n
		if k.priority {
			allP += n
		}
	}
	return dayPace{on: true, tod: local.Sub(midnight), hallShare: (float64(allP) + 1) / (float64(all) + 10)}
}

// curveArrivals are the walk-ins of a service and kind the day's forecast
// expects after now, or false when it has none for the service. The
// forecast counts every printed ticket, booked check-ins too: booked of
// those still to come are the bookings the engine knows (due.go), so
// the walk-ins are the rest.
func (f *forecast) curveArrivals(dp dayPace, service string, prio bool, booked float64) (arrival, bool) {
	e := f.e
	c := e.expected[service]
	if !dp.on || c == nil {
		return arrival{}, false
	}
	base := c.at(dp.tod)
	pn, nn := e.pace.day[arrivalKey{service: service, priority: true}], e.pace.day[arrivalKey{service: service}]
	bn := e.pace.day[arrivalKey{service: service, booked: true}]
	level := (float64(pn+nn+bn) + levelWeight) / (base + levelWeight)
	share := (float64(pn) + priorityWeight*dp.hallShare) / float64(pn+nn+priorityWeight)
	if !prio {
		share = 1 - share
	}
	if rest := level * (c[24] - base); rest > 0 {
		level *= max(0, rest-booked) / rest
	}
	a := arrival{curve: c, from: dp.tod, base: base, scale: level * share}
	a.total = a.scale * (c[24] - base)
	a.max = min(maxExpected, int(math.Ceil(a.total+0.5))-1)
	return a, a.scale > 0
}

// UsualOccupancy is how long a ticket of each service kept its counter,
// on average, over the given tickets (of past days): the estimate's
// starting point for a day (SetUsualOccupancy). Services with fewer than
// minUsual occupancies are left out.
func UsualOccupancy(tickets []hallq.Ticket) map[string]time.Duration {
	var u Occupancies
	for i := range tickets {
		u.Add(&tickets[i])
	}
	return u.Usual()
}

// Occupancies adds up tickets' occupancies one at a time, for a history
// read ticket by ticket; the zero value is ready.
type Occupancies struct {
	sum map[string]time.Duration
	n   map[string]int
}

// Add counts t's occupancy, if it kept a counter.
func (o *Occupancies) Add(t *hallq.Ticket) {
	d, ok := occupancy(t)
	if !ok {
		return
	}
	if o.sum == nil {
		o.sum, o.n = map[string]time.Duration{}, map[string]int{}
	}
	o.sum[t.Service] += d
	o.n[t.Service]++
}

// Usual is each service's mean occupancy (UsualOccupancy).
func (o *Occupancies) Usual() map[string]time.Duration {
	out := map[string]time.Duration{}
	for code, k := range o.n {
		if k >= minUsual {
			out[code] = o.sum[code] / time.Duration(k)
		}
	}
	return out
}

// minUsual is how many occupancies a usual one is taken from at least.
const minUsual = 20

// SetUsualOccupancy gives the estimate each service's usual occupancy on
// the hall's past days (UsualOccupancy); it holds until the next call.
// The day's own occupancies weigh more as they come (meanOccupancy).
func (e *Engine) SetUsualOccupancy(usual map[string]time.Duration) error {
	if err := checkUsual(usual); err != nil {
		return err
	}
	e.usual = maps.Clone(usual)
	e.given.Usual = maps.Clone(usual)
	return nil
}

// Foresight is what the engine was told of the day (SetArrivalForecast,
// SetUsualOccupancy); zero values for what it was not told.
type Foresight struct {
	Arrivals ArrivalForecast
	Usual    map[string]time.Duration
}

func checkUsual(usual map[string]time.Duration) error {
	for code, d := range usual {
		if d <= 0 || d > 24*time.Hour {
			return hallq.Errorf(hallq.EINVALID, "usual occupancy of service %s: %v is not a time a ticket keeps a counter", code, d)
		}
	}
	return nil
}

// SetForesight tells the engine both at once (an Arrivals without a Day:
// no forecast); when either is refused, nothing changes.
func (e *Engine) SetForesight(f Foresight) error {
	if f.Arrivals.Day != "" {
		if err := f.Arrivals.Validate(); err != nil {
			return err
		}
	}
	if err := checkUsual(f.Usual); err != nil {
		return err
	}
	if f.Arrivals.Day != "" {
		e.SetArrivalForecast(f.Arrivals) // checked
	} else {
		e.expected, e.expectedDay, e.given.Arrivals = nil, "", ArrivalForecast{}
	}
	e.SetUsualOccupancy(f.Usual) // checked
	return nil
}

// Foresight is what the engine was last told; a copy.
func (e *Engine) Foresight() Foresight {
	return Foresight{
		Arrivals: ArrivalForecast{Day: e.given.Arrivals.Day, Hours: maps.Clone(e.given.Arrivals.Hours)},
		Usual:    maps.Clone(e.given.Usual),
	}
}
