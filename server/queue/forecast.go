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
// Into each class come expected visitors, behind its tickets, and tickets
// transferred from other services, which keep their first issue time and
// so go ahead of those issued after it: the forecast counts them ahead of
// every ticket still waiting (their first issue time is mostly before
// that of tickets issued now).
//
// While no class runs empty and no expected visitor comes to an empty
// class, every counter keeps taking from the same class every occupancy,
// so the play goes from one such change to the next (a phase) with
// arithmetic instead of ticket by ticket: its cost grows with the number
// of phases, not with the number of tickets waiting.

// fcClass is one class of the forecast.
type fcClass struct {
	occ   time.Duration
	real  int    // real tickets in the class
	taken int    // taken so far, of every kind
	back  stream // expected visitors, behind every real ticket
	front stream // expected transfers, ahead of the real tickets left
	due   stream // expected booked citizens (due.go), behind too
	// For estimateAll: the real tickets in calling order, and how many of
	// them and of the transfers have been taken.
	tickets               []*hallq.Ticket
	realTaken, frontTaken int
}

func (k *fcClass) avail() int {
	return k.real + k.back.admitted + k.front.admitted + k.due.admitted - k.taken
}

// admit lets in what has come by d.
func (k *fcClass) admit(d time.Duration) {
	k.back.admit(d)
	k.front.admit(d)
	k.due.admit(d)
}

// next is when the next expected ticket comes (forecastHorizon: none).
func (k *fcClass) next() time.Duration { return min(k.back.next(), k.front.next(), k.due.next()) }

// supply is how many tickets the class will have had by d.
func (k *fcClass) supply(d time.Duration) int {
	return k.real + k.back.count(d) + k.front.count(d) + k.due.count(d)
}

// stream is the tickets expected to come to a class.
type stream struct {
	on       bool
	arr      arrival
	admitted int // come so far
}

func (s *stream) admit(d time.Duration) {
	if s.on {
		s.admitted = s.arr.count(d)
	}
}

func (s *stream) next() time.Duration {
	if !s.on {
		return forecastHorizon
	}
	return s.arr.at(s.admitted + 1)
}

func (s *stream) count(d time.Duration) int {
	if !s.on {
		return 0
	}
	return s.arr.count(d)
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
	dueAts   []time.Duration // the classes' expected booked citizens (due.go)
}

var forecasts = sync.Pool{New: func() any { return new(forecast) }}

// release gives the forecast's space back; f is not used after.
func (f *forecast) release() {
	for k := range f.classes {
		f.classes[k].tickets = nil
		f.classes[k].due.arr.ats = nil
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

// addArrivals gives each class the visitors and the transfers expected in
// it, at the pace of the last hour's of its service and kind (of the time
// since the first arrival of the day, if sooner, but at least
// minRateWindow). Normal visitors under interleave join the service's one
// class.
func (f *forecast) addArrivals() {
	first := f.now
	if len(f.e.issued) > 0 {
		first = f.e.issued[0].IssuedAt
	}
	window := min(rateLookback, max(f.now.Sub(first), minRateWindow))
	dp := f.dayPace()
	f.dueAts = f.dueAts[:0]
	for i, s := range f.services {
		// The bookings still to check in come into the service's first
		// class (due.go). (A time appended later may move f.dueAts: the
		// times of the services before keep their array.)
		lo := len(f.dueAts)
		booked := f.addDue(s)
		if ats := f.dueAts[lo:len(f.dueAts):len(f.dueAts)]; len(ats) > 0 {
			f.classes[2*i].due = stream{on: true, arr: newDueArrival(ats)}
		}
		for kind, prio := range [2]bool{true, false} {
			c, key := &f.classes[2*i+kind], arrivalKey{service: s, priority: prio}
			if a, ok := f.curveArrivals(dp, s, prio, booked); ok {
				c.back = stream{on: true, arr: a}
			} else if n := f.e.issuedInHour(f.now, key); n > 0 {
				c.back = stream{on: true, arr: newArrival(window / time.Duration(n))}
			}
			if n := f.e.transfersInHour(f.now, key); n > 0 {
				c.front = stream{on: true, arr: newArrival(window / time.Duration(n))}
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

// run plays the queues until the r-th real ticket of class target is
// taken and returns when (target -1: until every real ticket is taken,
// calling took for each with its class, its place and when). It reports
// false when the play gets past forecastHorizon or maxPhases first.
// Visitors expected in the target's own class come behind it and are
// left out; transfers to it come ahead.
func (f *forecast) run(target, r int, took func(k, j int, at time.Duration)) (time.Duration, bool) {
	if target >= 0 {
		f.classes[target].back.on = false
		f.classes[target].due.on = false
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
		f.choose(t0)
		end := f.phaseEnd(horizon)
		if target >= 0 && f.chosen(target) {
			if p := f.targetAt(target, r); p.before(end) {
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
		f.serveUntil(end)
		if took != nil && left <= 0 {
			return 0, true
		}
	}
	return 0, false
}

// choose admits who is there at t0 and has each counter choose the class
// it takes from: the first of its ranks with someone waiting.
func (f *forecast) choose(t0 time.Duration) {
	for k := range f.classes {
		f.classes[k].admit(t0)
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
}

// phaseEnd is when (no later than horizon) the counters' choices stop
// holding: every counter keeps its choice until a visitor comes to an
// empty class it would rather take from, or until a counter finds its
// class empty.
func (f *forecast) phaseEnd(horizon point) point {
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
	for k := range f.classes {
		if f.chosen(k) {
			if p := f.emptyAt(k); p.before(end) {
				end = p
			}
		}
	}
	return end
}

// serveUntil has each counter free before end take visitors from its
// chosen class until end; a counter with no choice waits for the first
// visitor to come to one of its classes.
func (f *forecast) serveUntil(end point) {
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
// empty, counting the tickets expected to come to it meanwhile.
func (f *forecast) emptyAt(k int) point {
	c := &f.classes[k]
	n := c.avail() + 1
	for {
		p := f.nth(k, n)
		if more := c.supply(p.at) - c.taken; more >= n {
			n = more + 1
			continue
		}
		return p
	}
}

// targetAt is the point at which the counters choosing class k take its
// r-th real ticket, counting the transfers that come ahead of it
// meanwhile (no expected visitor is taken before it: they come behind).
func (f *forecast) targetAt(k, r int) point {
	c := &f.classes[k]
	n := r + c.front.admitted - c.taken
	for {
		p := f.nth(k, n)
		if more := r + c.front.count(p.at) - c.taken; more > n {
			n = more
			continue
		}
		return p
	}
}

// report calls took for the real tickets of class k taken before end, in
// order, and returns how many. A take is of a transfer while one has come
// and not been taken, else of the next real ticket, else of a visitor
// expected.
func (f *forecast) report(k int, end point, took func(k, j int, at time.Duration)) int {
	c := &f.classes[k]
	var next []point // each counter's next take
	for i := range f.counters {
		if fc := &f.counters[i]; fc.choice == k {
			next = append(next, point{fc.free, fc.idx})
		}
	}
	n := 0
	for {
		best := -1
		for i, p := range next {
			if p.before(end) && (best < 0 || p.before(next[best])) {
				best = i
			}
		}
		if best < 0 {
			return n
		}
		at := next[best].at
		switch {
		case c.front.count(at) > c.frontTaken:
			c.frontTaken++
		case c.realTaken < c.real:
			c.realTaken++
			took(k, c.realTaken, at)
			n++
		}
		next[best].at += c.occ
	}
}

// arrival is the visitors expected in a class: at the pace every, which
// fades with time constant arrivalDecay (the recent pace says less the
// further ahead one looks), or, with the day's arrival forecast
// (expected.go), scale × the forecast's expected arrivals after from.
type arrival struct {
	total float64 // expected in all
	max   int     // the last one counted
	curve *dayCurve
	from  time.Duration // now, as a time of day
	base  float64       // curve's arrivals by from
	scale float64
	// ats, if set, are when booked citizens are expected (due.go).
	ats []time.Duration
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
	if a.ats != nil {
		return a.ats[k-1]
	}
	x := float64(k) - 0.5
	if a.curve != nil {
		return min(max(a.curve.when(a.base+x/a.scale)-a.from, 0), forecastHorizon)
	}
	return time.Duration(-float64(arrivalDecay) * math.Log(1-x/a.total))
}

// count is how many expected visitors have come by d (at or before).
func (a *arrival) count(d time.Duration) int {
	if d < 0 {
		return 0
	}
	if a.ats != nil {
		return a.dueBy(d)
	}
	var x float64
	switch {
	case a.curve != nil:
		x = a.scale*(a.curve.at(a.from+d)-a.base) + 0.5
	default:
		x = a.total*(1-math.Exp(-float64(d)/float64(arrivalDecay))) + 0.5
	}
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

// nextInLine is the estimate of the first real ticket of class k, of
// service, when nothing that the counters serving the service rank above
// k waits: it goes to the first of them to be free. The play would take
// each counter's expected time to be free and the soonest of those; but
// what a counter's citizen still needs is uncertain (occupancies spread
// widely), and with several counters the first to be free tends to be
// much sooner than any one's expected time. So the estimate is the median
// of the soonest: the time by which, with even odds, one of them is free,
// each counter's odds from the log-normal of its ticket's service's
// occupancies given the time already spent. False when it does not apply.
func (f *forecast) nextInLine(service string, k int) (time.Duration, bool) {
	e := f.e
	type busy struct{ mu, sigma, spent, left float64 }
	var bs [8]busy
	n := 0
	for i, c := range f.cs {
		if !c.Serves(service) {
			continue
		}
		for _, r := range f.counters[i].ranks {
			if r == k {
				break
			}
			if f.classes[r].real > 0 {
				return 0, false
			}
		}
		t := e.tickets[c.CurrentID]
		if c.CurrentID == "" || t == nil || t.CalledAt == nil {
			return 0, true // free now
		}
		mu, sigma, ok := e.occupancyFit(t.Service)
		if !ok || n == len(bs) {
			return 0, false
		}
		spent := f.now.Sub(*t.CalledAt).Seconds()
		left := survival(spent, mu, sigma)
		if left < 1e-6 {
			return 0, false // far past any occupancy seen: nothing to go by
		}
		bs[n] = busy{mu, sigma, spent, left}
		n++
	}
	if n == 0 {
		return 0, false
	}
	turn := e.turnaround.mean().Seconds()
	// P(none free by x) falls as x grows: find where it crosses ½.
	noneFree := func(x float64) float64 {
		p := 1.0
		for _, b := range bs[:n] {
			if d := x - turn; d > 0 {
				p *= survival(b.spent+d, b.mu, b.sigma) / b.left
			}
		}
		return p
	}
	lo, hi := 0.0, forecastHorizon.Seconds()
	for hi-lo > 1 {
		if mid := (lo + hi) / 2; noneFree(mid) > 0.5 {
			lo = mid
		} else {
			hi = mid
		}
	}
	return time.Duration(hi * float64(time.Second)), true
}

// survival is P(X > x) for the log-normal X with parameters mu and sigma.
func survival(x, mu, sigma float64) float64 {
	if x <= 0 {
		return 1
	}
	return 0.5 * math.Erfc((math.Log(x)-mu)/(sigma*math.Sqrt2))
}
