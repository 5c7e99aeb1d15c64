package queue

import (
	"cmp"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/hallq/hallq"
)

// The forecast (see estimate.go for what it models) runs on counts, not on
// tickets: within a service, tickets of one kind are called in issue
// order, and a counter's choice depends only on which kinds of which
// services are waiting. So the queues are classes — each service's
// priority tickets and its normal ones — with a count each, and each
// counter ranks the classes it serves: the priority classes in its order
// of services, then the normal ones. (Under aging, normal tickets that
// have waited AgingMinutes at now count with the priority ones; under
// interleave, each service's tickets are one class in the interleaved
// order a view shows, and only expected priority visitors rank ahead.)
//
// While no class runs empty and no expected visitor comes to an empty
// class, every counter keeps taking from the same class every occupancy,
// so the play goes from one such change to the next (a phase) with
// arithmetic instead of ticket by ticket: its cost grows with the number
// of phases, not with the number of tickets waiting.

// fcClass is one class of the forecast.
type fcClass struct {
	occ      time.Duration
	real     int // real tickets in the class, taken first
	taken    int // taken so far, real ones first
	arrives  bool
	arr      arrival         // expected visitors, if arrives
	admitted int             // expected visitors arrived so far
	tickets  []*hallq.Ticket // the real ones in calling order (estimateAll only)
}

func (k *fcClass) avail() int { return k.real + k.admitted - k.taken }

// next is when the next expected visitor comes (forecastHorizon: none).
func (k *fcClass) next() time.Duration {
	if !k.arrives {
		return forecastHorizon
	}
	return k.arr.at(k.admitted + 1)
}

// fcCounter is a counter of the forecast: free at free after now (the
// index idx breaks ties: the lower number goes first), taking the first
// class of ranks that has someone waiting.
type fcCounter struct {
	idx    int
	free   time.Duration
	ranks  []int
	choice int // the class taken this phase, or -1
}

// point is a moment of the play in its order: a time, and among counters
// free at that time, the counter's index; idx -1 is before every counter
// (an expected visitor arriving then is there for them).
type point struct {
	at  time.Duration
	idx int
}

func (p point) before(q point) bool { return p.at < q.at || p.at == q.at && p.idx < q.idx }

// forecast is one play of the queues forward from now. Its slices are
// reused through forecasts (views run at the same time: no scratch space
// can live in the engine).
type forecast struct {
	e        *Engine
	now      time.Time
	services []string // sorted; service i has classes 2i (priority) and 2i+1
	classes  []fcClass
	counters []fcCounter
	cs       []*hallq.Counter
	ranks    []int
}

var forecasts = sync.Pool{New: func() any { return new(forecast) }}

// release gives the forecast's space back; f is not used after.
func (f *forecast) release() {
	for k := range f.classes {
		f.classes[k].tickets = nil
	}
	clear(f.cs)
	f.e = nil
	forecasts.Put(f)
}

const (
	prioClass   = 0
	normalClass = 1
	// maxPhases bounds a forecast's work (the closed form answers beyond).
	maxPhases = 10000
	// minOccupancy keeps the play moving when occupancies measure zero.
	minOccupancy = time.Millisecond
)

// classOf is the index of a service's class.
func (f *forecast) classOf(service string, kind int) int {
	i, ok := slices.BinarySearch(f.services, service)
	if !ok {
		return -1
	}
	return 2*i + kind
}

// newForecast sets up the forecast for the services connected to service
// through counters (withTickets: with each class's real tickets, for
// estimateAll). It returns nil when there is no counter; else the caller
// releases it.
func (e *Engine) newForecast(now time.Time, service string, withTickets bool) *forecast {
	openOnly := false // with no open counter for the service, all count
	for _, c := range e.byID {
		openOnly = openOnly || (c.State == hallq.CounterOpen && c.Serves(service))
	}
	f := forecasts.Get().(*forecast)
	f.e, f.now = e, now
	f.services = append(f.services[:0], service)
	// The services and counters connected to service.
	f.cs = f.cs[:0]
	for grew := true; grew; {
		grew = false
		for _, c := range e.byID {
			if (openOnly && c.State != hallq.CounterOpen) || slices.Contains(f.cs, c) || !f.shares(c) {
				continue
			}
			f.cs = append(f.cs, c)
			grew = true
			for _, s := range c.Services {
				if !slices.Contains(f.services, s) {
					f.services = append(f.services, s)
				}
			}
		}
	}
	if len(f.cs) == 0 {
		f.release()
		return nil
	}
	slices.Sort(f.services)
	slices.SortFunc(f.cs, func(a, b *hallq.Counter) int { return cmp.Compare(a.ID, b.ID) })

	f.classes = slices.Grow(f.classes[:0], 2*len(f.services))[:2*len(f.services)]
	clear(f.classes)
	interleave := e.settings.PriorityPolicy == hallq.PolicyInterleave
	for i, s := range f.services {
		p, n := &f.classes[2*i], &f.classes[2*i+1]
		p.occ = max(e.meanOccupancy(s), minOccupancy)
		n.occ = p.occ
		q := e.queues[s]
		if q == nil {
			continue
		}
		switch {
		case interleave:
			n.real = q.len()
			if withTickets {
				n.tickets = e.serviceOrder(now, s).interleave(e.waitingOf(s))
			}
		default:
			// Booked tickets count with the priority ones even before
			// their slot begins: by then they will.
			aged := e.agedCount(now, q)
			p.real, n.real = len(q.prio)+aged+len(q.booked), len(q.normal)-aged
			if withTickets {
				p.tickets = slices.SortedFunc(slices.Values(slices.Concat(q.prio, q.normal[:aged], q.booked)), issueOrder)
				n.tickets = q.normal[aged:]
			}
		}
	}
	f.counters = slices.Grow(f.counters[:0], len(f.cs))[:len(f.cs)]
	f.ranks = f.ranks[:0]
	for i, c := range f.cs {
		start := len(f.ranks)
		for kind := range 2 {
			for _, s := range c.Services {
				if k := f.classOf(s, kind); k >= 0 && !slices.Contains(f.ranks[start:], k) {
					f.ranks = append(f.ranks, k)
				}
			}
		}
		f.counters[i] = fcCounter{idx: i, ranks: f.ranks[start:len(f.ranks):len(f.ranks)]}
		if t := e.tickets[c.CurrentID]; c.CurrentID != "" && t != nil && t.CalledAt != nil {
			m := e.meanOccupancy(t.Service)
			f.counters[i].free = max(m-now.Sub(*t.CalledAt), m/3)
		}
	}
	f.addArrivals()
	return f
}

// shares reports whether c serves one of the forecast's services.
func (f *forecast) shares(c *hallq.Counter) bool {
	for _, s := range c.Services {
		if slices.Contains(f.services, s) {
			return true
		}
	}
	return false
}

// addArrivals gives each class the visitors expected in it, at the pace of
// the last hour's arrivals of its service and kind (of the time since the
// first arrival of the day, if sooner, but at least minRateWindow).
// Normal visitors under interleave join the service's one class.
func (f *forecast) addArrivals() {
	first := f.now
	if len(f.e.issued) > 0 {
		first = f.e.issued[0].IssuedAt
	}
	window := min(rateLookback, max(f.now.Sub(first), minRateWindow))
	for i, s := range f.services {
		for kind, prio := range [2]bool{true, false} {
			if n := f.e.issuedInHour(f.now, arrivalKey{s, prio}); n > 0 {
				c := &f.classes[2*i+kind]
				c.arrives, c.arr = true, newArrival(window/time.Duration(n))
			}
		}
	}
}

// place is the class of waiting (or extra: about to wait) ticket t and its
// place in it, counted from 1; an extra ticket is added to the class.
func (f *forecast) place(t *hallq.Ticket, extra bool) (int, int) {
	k := f.classOf(t.Service, normalClass)
	j := f.e.ahead(f.now, t) + 1
	if f.e.settings.PriorityPolicy != hallq.PolicyInterleave {
		// Priority and booked tickets, and under aging the normal ones
		// that rank with them, are the first class, in issue order.
		q := f.e.queue(t.Service)
		aged := f.e.agedCount(f.now, q)
		normalBefore := before(q.normal, t, false)
		if t.Priority != "" || t.SlotAt != nil || normalBefore < aged {
			k--
			j = before(q.prio, t, false) + before(q.booked, t, true) + min(aged, normalBefore) + 1
		} else {
			j = normalBefore - aged + 1
		}
	}
	if extra {
		f.classes[k].real++
	}
	return k, j
}

// run plays the queues until the r-th ticket of class target is taken and
// returns when (target -1: until every real ticket is taken, calling took
// for each with its class, its place and when). It reports false when the
// play gets past forecastHorizon or maxPhases first. Visitors expected in
// the target's own class come behind it and are left out.
func (f *forecast) run(target, r int, took func(k, j int, at time.Duration)) (time.Duration, bool) {
	if target >= 0 {
		f.classes[target].arrives = false
	}
	left := f.realTickets()
	if took != nil && left == 0 {
		return 0, true
	}
	horizon := point{forecastHorizon, -1}
	for range maxPhases {
		t0 := forecastHorizon
		for i := range f.counters {
			t0 = min(t0, f.counters[i].free)
		}
		if t0 >= forecastHorizon {
			return 0, false
		}
		// Who is there at t0, and what each counter takes.
		for k := range f.classes {
			if c := &f.classes[k]; c.arrives {
				c.admitted = c.arr.count(t0)
			}
		}
		for i := range f.counters {
			fc := &f.counters[i]
			fc.choice = -1
			for _, k := range fc.ranks {
				if f.classes[k].avail() > 0 {
					fc.choice = k
					break
				}
			}
		}
		// Every counter keeps its choice until a visitor comes to an
		// empty class it would rather take from ...
		end := horizon
		for i := range f.counters {
			fc := &f.counters[i]
			for _, k := range fc.ranks {
				if k == fc.choice {
					break
				}
				if next := f.classes[k].next(); next < end.at {
					end = point{next, -1}
				}
			}
		}
		// ... or until a counter finds its class empty.
		for k := range f.classes {
			if f.chosen(k) {
				if p := f.emptyAt(k); p.before(end) {
					end = p
				}
			}
		}
		if target >= 0 && f.chosen(target) {
			if p := f.nth(target, r-f.classes[target].taken); p.before(end) {
				return p.at, true
			}
		}
		if took != nil {
			for k := range f.classes {
				if f.chosen(k) {
					left -= f.report(k, end, took)
				}
			}
		}
		for i := range f.counters {
			fc := &f.counters[i]
			if !(point{fc.free, fc.idx}).before(end) {
				continue
			}
			if fc.choice < 0 {
				// Nothing for it until a visitor comes to one of its
				// classes, which is end or later.
				fc.free = forecastHorizon
				for _, k := range fc.ranks {
					fc.free = min(fc.free, f.classes[k].next())
				}
				continue
			}
			c := &f.classes[fc.choice]
			n := pointsBefore(fc.free, c.occ, fc.idx, end)
			fc.free += time.Duration(n) * c.occ
			c.taken += n
		}
		if took != nil && left <= 0 {
			return 0, true
		}
	}
	return 0, false
}

// realTickets is the number of real tickets in the play.
func (f *forecast) realTickets() int {
	n := 0
	for k := range f.classes {
		n += f.classes[k].real
	}
	return n
}

func (f *forecast) chosen(k int) bool {
	for i := range f.counters {
		if f.counters[i].choice == k {
			return true
		}
	}
	return false
}

// pointsBefore is how many times a counter free at free, taking one ticket
// every occ, takes one before p.
func pointsBefore(free, occ time.Duration, idx int, p point) int {
	if p.at < free {
		return 0
	}
	d := p.at - free
	n := int(d / occ)
	if d%occ != 0 || idx < p.idx {
		n++
	}
	return n
}

// nth is the point at which the counters choosing class k take their n-th
// ticket from now (n ≥ 1), if they keep taking from it.
func (f *forecast) nth(k, n int) point {
	occ := f.classes[k].occ
	before := func(p point) int {
		sum := 0
		for i := range f.counters {
			if fc := &f.counters[i]; fc.choice == k {
				sum += pointsBefore(fc.free, occ, fc.idx, p)
			}
		}
		return sum
	}
	// The n-th point has n-1 points before it. For each counter, find its
	// last point with at most n-1 before; one of them has exactly n-1.
	best := point{math.MaxInt64, 0}
	for i := range f.counters {
		fc := &f.counters[i]
		if fc.choice != k {
			continue
		}
		at := func(j int) point { return point{fc.free + time.Duration(j)*occ, fc.idx} }
		j := search(n, func(j int) bool { return before(at(j)) > n-1 }) - 1
		if j >= 0 && before(at(j)) == n-1 && at(j).before(best) {
			best = at(j)
		}
	}
	return best
}

// search is the smallest j in [0, n] for which ok(j) holds (n if none);
// ok must be monotone.
func search(n int, ok func(int) bool) int {
	lo, hi := 0, n
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if ok(m) {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}

// emptyAt is the point at which a counter choosing class k first finds it
// empty, counting the visitors expected to come to it meanwhile.
func (f *forecast) emptyAt(k int) point {
	c := &f.classes[k]
	n := c.avail() + 1
	for {
		p := f.nth(k, n)
		if !c.arrives {
			return p
		}
		if more := c.real + c.arr.count(p.at) - c.taken; more >= n {
			n = more + 1
			continue
		}
		return p
	}
}

// report calls took for the real tickets of class k taken before end, in
// order, and returns how many.
func (f *forecast) report(k int, end point, took func(k, j int, at time.Duration)) int {
	c := &f.classes[k]
	var next []point // each counter's next take
	for i := range f.counters {
		if fc := &f.counters[i]; fc.choice == k {
			next = append(next, point{fc.free, fc.idx})
		}
	}
	n := 0
	for j := c.taken + 1; j <= c.real; j++ {
		best := -1
		for i, p := range next {
			if p.before(end) && (best < 0 || p.before(next[best])) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		took(k, j, next[best].at)
		next[best].at += c.occ
		n++
	}
	return n
}

// arrival is the visitors expected in a class: at the pace every, which
// fades with time constant arrivalDecay (the recent pace says less the
// further ahead one looks).
type arrival struct {
	total float64 // expected in all
	max   int     // the last one counted
}

func newArrival(every time.Duration) arrival {
	a := arrival{total: float64(arrivalDecay) / float64(every)}
	// The k-th comes when k − ½ are expected (rounding, not truncating,
	// the expected number): k − ½ < total.
	a.max = min(maxExpected, int(math.Ceil(a.total+0.5))-1)
	return a
}

// at is when the k-th expected visitor comes; forecastHorizon when no more
// are expected.
func (a *arrival) at(k int) time.Duration {
	if k > a.max || k < 1 {
		return forecastHorizon
	}
	x := float64(k) - 0.5
	return time.Duration(-float64(arrivalDecay) * math.Log(1-x/a.total))
}

// count is how many expected visitors have come by d (at or before).
func (a *arrival) count(d time.Duration) int {
	if d < 0 {
		return 0
	}
	x := a.total*(1-math.Exp(-float64(d)/float64(arrivalDecay))) + 0.5
	n := min(max(int(x), 0), a.max)
	// at is what the play goes by: settle rounding against it.
	for n < a.max && a.at(n+1) <= d {
		n++
	}
	for n > 0 && a.at(n) > d {
		n--
	}
	return n
}
