// Package simday is a simulated hall day: citizens arriving per service on
// a Vietnamese one-stop desk's daily profile, officers calling, serving
// (log-normal service times), marking no-shows and transferring, and
// rating pads pressed after service. The same day runs against any Hall:
// the queue engine in virtual time (EngineHall: fast and deterministic, for
// the estimated-wait figures, for seeding a database and for checking a
// staffing plan) or a live hall server (simhall's APIHall).
//
// It depends only on the domain and the queue engine, so that the hall
// server can play days too (the staffing plan does).
package simday

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// Profile describes a day: who comes when, for what, and how they behave.
type Profile struct {
	// Arrivals is the number of visitors of the day.
	Arrivals int
	// First and Last bound arrivals, in minutes after local midnight.
	First, Last int
	// MorningShare of the arrivals come before Noon (minutes after midnight).
	MorningShare float64
	Noon         int
	// Weights give the relative arrival rate in each window; windows not
	// covered have weight 1. The morning and the afternoon are scaled
	// apart so that MorningShare holds.
	Weights []Window
	// Services are the services visitors come for, with their shares.
	Services []Share
	// PriorityShare of visitors press the priority button; they are of
	// PriorityKind.
	PriorityShare float64
	PriorityKind  string
	// ServiceMean and ServiceSD are the log-normal service time's mean and
	// standard deviation; PerService, if set, gives some services their
	// own.
	ServiceMean, ServiceSD time.Duration
	PerService             map[string]ServiceTime
	// Counts, if set, are the exact arrivals of each service (Arrivals is
	// then their sum) instead of a draw by Services' shares; Services
	// still choose transfers' targets.
	Counts map[string]int
	// NoShowShare of visitors are not there when called; TransferShare of
	// those served are sent on to another service.
	NoShowShare, TransferShare float64
	// RateShare of the visitors served press a rating; Ratings are the
	// chances of each score from best (index 0) to worst.
	RateShare float64
	Ratings   []float64
	// BookedShare of visitors booked a slot (Booking); the arrival drawn
	// for them is the time they wanted, rounded to the slot they got.
	BookedShare float64
	// CountersOpen is when the officers open their counters, in minutes
	// after midnight.
	CountersOpen int
	// Seed makes the day reproducible.
	Seed uint64
}

// ServiceTime is a log-normal service time's mean and standard deviation.
type ServiceTime struct{ Mean, SD time.Duration }

// Window is a stretch of the day with an arrival weight.
type Window struct {
	From, To int // minutes after midnight
	Weight   float64
}

// Share is a service's share of the visitors.
type Share struct {
	Service string
	Share   float64
}

// Clock parses "HH:MM" into minutes after midnight; for fixed profiles.
func Clock(s string) int {
	var h, m int
	if _, err := fmt.Sscanf(s, "%d:%d", &h, &m); err != nil {
		panic(err)
	}
	return h*60 + m
}

// StandardDay is the day the estimated-wait figures are measured on (issue
// #8), fixed so that figures compare across versions: the demo hall's five
// services (a third of the visitors for A, a sixth for each other one) and
// six counters, all open from 07:15 until the queue is empty, 600 arrivals between 07:30 and 16:30, 60 % in the morning with
// the peak 08:00–10:00, 10 % priority, log-normal service times with mean
// 6 min and standard deviation 4 min, 5 % no-shows, 3 % transfers, 70 % of
// those served rate (70 / 25 / 5 % from best to worst), seed 1.
func StandardDay() Profile {
	return Profile{
		Arrivals:     600,
		First:        Clock("07:30"),
		Last:         Clock("16:30"),
		MorningShare: 0.60,
		Noon:         Clock("12:00"),
		Weights: []Window{
			{Clock("08:00"), Clock("10:00"), 4},   // the morning peak
			{Clock("10:00"), Clock("10:30"), 2},   // its tail
			{Clock("12:00"), Clock("13:00"), 0.3}, // lunch
			{Clock("13:30"), Clock("15:30"), 2.5}, // the smaller afternoon peak
		},
		// Each service's share follows the demo hall's counter plan: A is
		// the first choice of two counters (1 and 2), B, C, D and E of one
		// each (3, 4, 5, 6).
		Services: []Share{
			{"A", 2.0 / 6}, {"B", 1.0 / 6}, {"C", 1.0 / 6}, {"D", 1.0 / 6}, {"E", 1.0 / 6},
		},
		PriorityShare: 0.10,
		PriorityKind:  "elderly",
		ServiceMean:   6 * time.Minute,
		ServiceSD:     4 * time.Minute,
		NoShowShare:   0.05,
		TransferShare: 0.03,
		RateShare:     0.70,
		Ratings:       []float64{0.70, 0.25, 0.05},
		CountersOpen:  Clock("07:15"),
		Seed:          1,
	}
}

// Validate checks a profile.
func (p *Profile) Validate() error {
	switch {
	case p.Arrivals < 0:
		return fmt.Errorf("simhall: %d arrivals", p.Arrivals)
	case p.First < 0 || p.Last <= p.First || p.Last > 24*60:
		return fmt.Errorf("simhall: arrivals from minute %d to %d of the day", p.First, p.Last)
	case len(p.Services) == 0:
		return fmt.Errorf("simhall: no services")
	case p.ServiceMean <= 0 || p.ServiceSD < 0:
		return fmt.Errorf("simhall: service time mean %v, sd %v", p.ServiceMean, p.ServiceSD)
	case p.Counts != nil && p.Arrivals != countsSum(p.Counts):
		return fmt.Errorf("simhall: %d arrivals, but the counts per service add up to %d", p.Arrivals, countsSum(p.Counts))
	case len(p.Ratings) == 0:
		return fmt.Errorf("simhall: no rating distribution")
	}
	for _, f := range []float64{p.MorningShare, p.PriorityShare, p.NoShowShare, p.TransferShare, p.RateShare, p.BookedShare} {
		if f < 0 || f > 1 {
			return fmt.Errorf("simhall: share %g outside 0–1", f)
		}
	}
	for code, st := range p.PerService {
		if st.Mean <= 0 || st.SD < 0 {
			return fmt.Errorf("simhall: service %s: service time mean %v, sd %v", code, st.Mean, st.SD)
		}
	}
	return nil
}

func countsSum(c map[string]int) int {
	n := 0
	for _, v := range c {
		n += v
	}
	return n
}

// Visitor is one citizen of the day and what they will do.
type Visitor struct {
	N        int           // 1-based, in order of arrival
	At       time.Duration // arrival, after local midnight
	Service  string
	Priority string
	// Service is the time at the first counter (until the transfer, for
	// one who is transferred), Service2 at the second.
	ServiceTime, ServiceTime2 time.Duration
	NoShow                    bool
	TransferTo                string
	// Score is the rating pressed after service (0: none); RateAfter is
	// how long after the finish the pad is pressed.
	Score     int
	RateAfter time.Duration
	// Booked citizens have a slot starting at Slot (after local midnight)
	// and check in at At, within the check-in window; Late ones came after
	// it and take a walk-in ticket instead.
	Booked bool
	Slot   time.Duration
	Late   bool
}

// CheckedIn reports whether v checks in for a booking (not a walk-in).
func (v *Visitor) CheckedIn() bool { return v.Booked && !v.Late }

// The bookings of a simulated day: the hall's defaults (slots of 15 min, a
// check-in window from 15 min before the slot to 10 min after its start)
// and when citizens come: most a little early, some late, normally spread
// around 5 min before the slot with a standard deviation of 7 min (about
// 2 % come after the window). One who comes before the window waits for it
// to open and checks in then.
const (
	SlotLength     = 15 * time.Minute
	CheckInBefore  = 15 * time.Minute
	CheckInAfter   = 10 * time.Minute
	arriveMean     = -5 * time.Minute
	arriveSD       = 7 * time.Minute
	bookingStreamX = 0xb00c
)

// Visitors draws the day's visitors, in order of arrival. Scores run from
// len(Ratings) (best) down to 1.
func (p *Profile) Visitors() []Visitor {
	rng := rand.New(rand.NewPCG(p.Seed, 0x5eed))
	morning := p.minuteWeights(p.First, min(p.Noon, p.Last))
	afternoon := p.minuteWeights(max(p.Noon, p.First), p.Last)
	out := make([]Visitor, p.Arrivals)
	for i := range out {
		var at time.Duration
		if len(afternoon.w) == 0 || (len(morning.w) > 0 && rng.Float64() < p.MorningShare) {
			at = morning.draw(rng)
		} else {
			at = afternoon.draw(rng)
		}
		out[i].At = at
	}
	slices.SortFunc(out, func(a, b Visitor) int { return int(a.At - b.At) })
	bag := p.serviceBag(rng)
	for i := range out {
		v := &out[i]
		v.N = i + 1
		if bag != nil {
			v.Service = bag[i]
		} else {
			v.Service = p.pickService(rng)
		}
		if rng.Float64() < p.PriorityShare {
			v.Priority = p.PriorityKind
		}
		v.ServiceTime = p.serviceTime(rng, v.Service)
		v.ServiceTime2 = p.serviceTime(rng, v.Service)
		v.NoShow = rng.Float64() < p.NoShowShare
		if !v.NoShow && len(p.Services) > 1 && rng.Float64() < p.TransferShare {
			for v.TransferTo == "" || v.TransferTo == v.Service {
				v.TransferTo = p.pickService(rng)
			}
			if _, own := p.PerService[v.TransferTo]; own {
				v.ServiceTime2 = p.serviceTime(rng, v.TransferTo)
			}
		}
		if !v.NoShow && rng.Float64() < p.RateShare {
			v.Score = p.pickScore(rng)
			v.RateAfter = time.Duration(2+rng.IntN(12)) * time.Second
		}
	}
	if p.BookedShare > 0 {
		p.book(out)
	}
	return out
}

// book makes BookedShare of the visitors booked ones, from a random stream
// of its own so that the rest of the day is drawn as without bookings: the
// time drawn becomes the slot it falls in (rounded to the nearest slot
// start) and the visitor comes around it (arriveMean, arriveSD), checking
// in no sooner than the window opens. The visitors are then put back in
// order of arrival and numbered again.
func (p *Profile) book(vs []Visitor) {
	rng := rand.New(rand.NewPCG(p.Seed, bookingStreamX))
	for i := range vs {
		v := &vs[i]
		if rng.Float64() >= p.BookedShare {
			continue
		}
		v.Booked = true
		v.Slot = v.At.Round(SlotLength)
		off := arriveMean + time.Duration(rng.NormFloat64()*float64(arriveSD))
		off = max(off, -CheckInBefore).Round(time.Second)
		v.Late = off > CheckInAfter
		v.At = v.Slot + off
	}
	slices.SortStableFunc(vs, func(a, b Visitor) int { return int(a.At - b.At) })
	for i := range vs {
		vs[i].N = i + 1
	}
}

// HourShares is the share of the day's arrivals expected in each local
// hour.
func (p *Profile) HourShares() [24]float64 {
	var out [24]float64
	morning := p.minuteWeights(p.First, min(p.Noon, p.Last))
	afternoon := p.minuteWeights(max(p.Noon, p.First), p.Last)
	share := p.MorningShare
	switch {
	case len(afternoon.w) == 0:
		share = 1
	case len(morning.w) == 0:
		share = 0
	}
	for _, part := range []struct {
		ws    weights
		share float64
	}{{morning, share}, {afternoon, 1 - share}} {
		for i, w := range part.ws.w {
			out[(part.ws.from+i)/60] += part.share * w / part.ws.sum
		}
	}
	return out
}

// minuteWeights is the arrival weight of each minute in [from, to).
type weights struct {
	from int
	w    []float64
	sum  float64
}

func (p *Profile) minuteWeights(from, to int) weights {
	ws := weights{from: from}
	for m := from; m < to; m++ {
		w := 1.0
		for _, win := range p.Weights {
			if m >= win.From && m < win.To {
				w = win.Weight
			}
		}
		ws.w = append(ws.w, w)
		ws.sum += w
	}
	return ws
}

// draw picks a moment: a minute by weight, then a second within it.
func (ws weights) draw(rng *rand.Rand) time.Duration {
	x := rng.Float64() * ws.sum
	i := 0
	for ; i < len(ws.w)-1; i++ {
		if x < ws.w[i] {
			break
		}
		x -= ws.w[i]
	}
	return time.Duration(ws.from+i)*time.Minute + time.Duration(rng.IntN(60))*time.Second
}

func (p *Profile) pickService(rng *rand.Rand) string {
	var total float64
	for _, s := range p.Services {
		total += s.Share
	}
	x := rng.Float64() * total
	for _, s := range p.Services {
		if x < s.Share {
			return s.Service
		}
		x -= s.Share
	}
	return p.Services[len(p.Services)-1].Service
}

func (p *Profile) pickScore(rng *rand.Rand) int {
	var total float64
	for _, r := range p.Ratings {
		total += r
	}
	x := rng.Float64() * total
	for i, r := range p.Ratings {
		if x < r {
			return len(p.Ratings) - i
		}
		x -= r
	}
	return 1
}

// serviceBag is the day's services in a random order, one per arrival,
// when the profile gives exact counts.
func (p *Profile) serviceBag(rng *rand.Rand) []string {
	if p.Counts == nil {
		return nil
	}
	codes := make([]string, 0, len(p.Counts))
	for code := range p.Counts {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	var bag []string
	for _, code := range codes {
		for range p.Counts[code] {
			bag = append(bag, code)
		}
	}
	rng.Shuffle(len(bag), func(i, j int) { bag[i], bag[j] = bag[j], bag[i] })
	return bag
}

// serviceTime draws a log-normal time with the service's (or the
// profile's) mean and standard deviation, at least 30 s and rounded to
// the second.
func (p *Profile) serviceTime(rng *rand.Rand, service string) time.Duration {
	mean, sd := p.ServiceMean, p.ServiceSD
	if st, ok := p.PerService[service]; ok {
		mean, sd = st.Mean, st.SD
	}
	m := mean.Seconds()
	s := sd.Seconds()
	sigma2 := math.Log(1 + s*s/(m*m))
	mu := math.Log(m) - sigma2/2
	x := math.Exp(mu + math.Sqrt(sigma2)*rng.NormFloat64())
	return max(30*time.Second, time.Duration(x)*time.Second)
}
