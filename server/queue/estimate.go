package queue

import (
	"cmp"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/hallq/hallq"
)

// The estimated wait of a waiting ticket is a forecast: the engine plays
// the queues forward the way the counters will call them.
//
//   - The counters are those open that serve the ticket's service, and
//     every open counter that shares a service with them, since they take
//     tickets from the same queues. With none open, every counter serving
//     the service is assumed to open now.
//   - Each counter is free when its current ticket is done: after the
//     service's recent mean occupancy less the time already spent, but
//     never less than a third of that mean (a citizen who has been at the
//     counter long tends to stay longer, not to leave at once).
//   - Whenever a counter is free it takes the first ticket in its own
//     calling order (priority, its service preference, issue time) from
//     the queues it serves, and keeps the counter for that service's mean
//     occupancy. The ticket's estimate is when it is taken.
//   - Visitors keep coming while the ticket waits: each service's normal
//     and priority arrivals of the last hour (of the day so far, if
//     shorter, but judged on at least 15 minutes) continue at that pace,
//     fading with a time constant of an hour, since the recent pace says
//     less about the day the further ahead one looks. A priority visitor
//     who comes later is served first; so is a visitor of a service the
//     counter prefers.
//
// Occupancy is the time from a ticket's first call until the counter is
// free again (finish, no-show or transfer; day-closing ones left out),
// plus the recent mean pause between a ticket leaving and the counter's
// next call when someone was waiting. The recent mean is over the last
// occupancyWindow tickets of the service, or of the whole hall when the
// service has none yet, else defaultServiceTime.
//
// The forecast costs O(n log n) for the n tickets waiting in the services
// involved; beyond maxForecast tickets (or when the forecast cannot place
// the ticket) the closed form "people ahead × mean occupancy ÷ open
// counters", stretched for the last hour's priority arrivals, is used.
//
// On the standard simulated day (simhall.StandardDay, docs/BENCHMARKS.md)
// this brought the mean absolute error from 56 % of the mean wait (the
// closed form alone) to 17 %.
const (
	serviceTimeWindow  = 20
	occupancyWindow    = 30
	defaultServiceTime = 5 * time.Minute
	maxForecast        = 600
	// priorityLookback is how far back priority arrivals are counted for
	// the closed form's stretch; rateLookback likewise for the forecast's
	// expected arrivals, whose pace fades with time constant arrivalDecay.
	priorityLookback = time.Hour
	rateLookback     = time.Hour
	arrivalDecay     = time.Hour
	// maxPriorityShare bounds the stretch for later priority arrivals.
	maxPriorityShare = 0.5
	// maxTurnaround: a longer pause before the next call is not work.
	maxTurnaround = 3 * time.Minute
	// minRateWindow: arrival rates are not judged on less.
	minRateWindow = 15 * time.Minute
	// maxExpected bounds the expected visitors a forecast adds.
	maxExpected = 300
	// The forecast gives up (and the closed form answers) beyond these.
	maxForecastSteps = 5000
	forecastHorizon  = 12 * time.Hour
)

// serviceTime is a done ticket's service time: finish − start where the
// officer pressed start, else finish − first call.
func serviceTime(t *hallq.Ticket) (time.Duration, bool) {
	if t.State != hallq.StateDone || t.Flagged || t.FinishedAt == nil || t.CalledAt == nil {
		return 0, false
	}
	from := *t.CalledAt
	if t.StartedAt != nil {
		from = *t.StartedAt
	}
	d := t.FinishedAt.Sub(from)
	if d < 0 {
		return 0, false
	}
	return d, true
}

// occupancy is how long a ticket kept its counter: first call until
// finish, no-show or transfer. The end of day's doings tell nothing.
func occupancy(t *hallq.Ticket) (time.Duration, bool) {
	if t.FinishedAt == nil || t.CalledAt == nil || t.Flagged || t.Reason == reasonDayClosed {
		return 0, false
	}
	switch t.State {
	case hallq.StateDone, hallq.StateNoShow, hallq.StateTransferred:
	default:
		return 0, false
	}
	d := t.FinishedAt.Sub(*t.CalledAt)
	return d, d >= 0
}

// issuedSince is the day's printed tickets issued after since and at or
// before now, found from the end of the issue log.
func (e *Engine) issuedSince(since, now time.Time) []*hallq.Ticket {
	i := len(e.issued)
	for i > 0 && e.issued[i-1].IssuedAt.After(since) {
		i--
	}
	out := e.issued[i:]
	for len(out) > 0 && out[len(out)-1].IssuedAt.After(now) {
		out = out[:len(out)-1]
	}
	return out
}

// rebuildIssued rebuilds the issue log from the day's tickets.
func (e *Engine) rebuildIssued() {
	e.issued = e.issued[:0]
	for _, t := range e.tickets {
		if t.Day == e.day && t.TransferredFrom == "" {
			e.issued = append(e.issued, t)
		}
	}
	slices.SortFunc(e.issued, func(a, b *hallq.Ticket) int {
		if c := a.IssuedAt.Compare(b.IssuedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
}

// recordServiceTime remembers a ticket's service time and occupancy once
// it has left its counter.
func (e *Engine) recordServiceTime(t *hallq.Ticket) {
	if d, ok := serviceTime(t); ok {
		e.served[t.Service] = appendWindow(e.served[t.Service], d, serviceTimeWindow)
	}
	if d, ok := occupancy(t); ok {
		e.occupied[t.Service] = appendWindow(e.occupied[t.Service], d, occupancyWindow)
		e.occupiedAll = appendWindow(e.occupiedAll, d, occupancyWindow)
		// The pause until the counter's next call counts only when
		// someone was waiting for it (else it is idleness).
		if c := e.counters[t.Counter]; c != nil && e.hasCandidate(c) {
			e.freedAt[c.ID] = *t.FinishedAt
		}
	}
}

// recordTurnaround remembers the pause between the counter's last ticket
// leaving and its next call.
func (e *Engine) recordTurnaround(c *hallq.Counter, at time.Time) {
	freed, ok := e.freedAt[c.ID]
	if !ok {
		return
	}
	delete(e.freedAt, c.ID)
	if d := at.Sub(freed); d >= 0 && d <= maxTurnaround {
		e.turnaround = appendWindow(e.turnaround, d, occupancyWindow)
	}
}

func (e *Engine) hasCandidate(c *hallq.Counter) bool {
	for _, t := range e.waiting {
		if c.Serves(t.Service) {
			return true
		}
	}
	return false
}

func appendWindow(times []time.Duration, d time.Duration, n int) []time.Duration {
	times = append(times, d)
	if len(times) > n {
		times = times[len(times)-n:]
	}
	return times
}

func mean(times []time.Duration) time.Duration {
	var sum time.Duration
	for _, d := range times {
		sum += d
	}
	return sum / time.Duration(len(times))
}

// meanServiceTime is the service's recent mean service time.
func (e *Engine) meanServiceTime(service string) time.Duration {
	times := e.served[service]
	if len(times) == 0 {
		return defaultServiceTime
	}
	return mean(times)
}

// meanOccupancy is how long a ticket of the service is expected to keep
// its counter.
func (e *Engine) meanOccupancy(service string) time.Duration {
	var turn time.Duration
	if len(e.turnaround) > 0 {
		turn = mean(e.turnaround)
	}
	if times := e.occupied[service]; len(times) > 0 {
		return mean(times) + turn
	}
	if len(e.occupiedAll) > 0 {
		return mean(e.occupiedAll) + turn
	}
	return defaultServiceTime
}

// openCounters counts the open counters that serve a service.
func (e *Engine) openCounters(service string) int {
	n := 0
	for _, c := range e.counters {
		if c.State == hallq.CounterOpen && c.Serves(service) {
			n++
		}
	}
	return n
}

// forecast is one play of the queues forward from now.
type forecast struct {
	e         *Engine
	now       time.Time
	counters  []*fcCounter
	queues    map[string][]*hallq.Ticket // service → waiting tickets in view order
	occ       map[string]time.Duration
	arrivals  []*arrival
	synthetic map[*hallq.Ticket]bool // expected visitors, not real tickets
	orders    map[string]order       // each service's view order
}

type fcCounter struct {
	c    *hallq.Counter
	free time.Duration // after now
	ord  order
}

// newForecast sets up the forecast for the services connected to service
// through counters, with extra (a ticket not yet waiting) added to its
// queue. It returns nil when the closed form must do.
func (e *Engine) newForecast(now time.Time, service string, extra *hallq.Ticket) *forecast {
	counting := func(c *hallq.Counter) bool { return c.State == hallq.CounterOpen }
	any := false
	for _, c := range e.counters {
		any = any || (counting(c) && c.Serves(service))
	}
	if !any {
		counting = func(*hallq.Counter) bool { return true }
	}
	// The services and counters connected to service.
	services := map[string]bool{service: true}
	var cs []*hallq.Counter
	for grew := true; grew; {
		grew = false
		for _, c := range e.counters {
			if !counting(c) || slices.Contains(cs, c) || !slices.ContainsFunc(c.Services, func(s string) bool { return services[s] }) {
				continue
			}
			cs = append(cs, c)
			grew = true
			for _, s := range c.Services {
				services[s] = true
			}
		}
	}
	if len(cs) == 0 {
		return nil
	}
	f := &forecast{e: e, now: now, queues: map[string][]*hallq.Ticket{}, occ: map[string]time.Duration{},
		synthetic: map[*hallq.Ticket]bool{}, orders: map[string]order{}}
	n := 0
	for _, t := range e.waiting {
		if services[t.Service] {
			if n++; n > maxForecast {
				return nil
			}
		}
	}
	for _, t := range e.waiting {
		if services[t.Service] {
			f.queues[t.Service] = append(f.queues[t.Service], t)
		}
	}
	if extra != nil {
		f.queues[extra.Service] = append(f.queues[extra.Service], extra)
	}
	for s := range services {
		f.occ[s] = e.meanOccupancy(s)
		f.orders[s] = e.serviceOrder(now, s)
	}
	for s, ts := range f.queues {
		f.queues[s] = f.orders[s].sort(ts)
	}
	slices.SortFunc(cs, func(a, b *hallq.Counter) int { return cmp.Compare(a.ID, b.ID) })
	for _, c := range cs {
		fc := &fcCounter{c: c, ord: e.orderFor(now, c)}
		if t := e.tickets[c.CurrentID]; c.CurrentID != "" && t != nil && t.CalledAt != nil {
			m := f.occ[t.Service]
			if m == 0 {
				m = e.meanOccupancy(t.Service)
			}
			fc.free = max(m-now.Sub(*t.CalledAt), m/3)
		}
		f.counters = append(f.counters, fc)
	}
	f.addArrivals(services)
	return f
}

// run plays the queues until target is taken (nil: until every waiting
// ticket is) and calls took for each waiting ticket taken, with its wait
// from now. Visitors expected to arrive meanwhile (see arrivals) join the
// queues as the forecast's time passes them. It reports whether it got
// to the end; it gives up after maxForecastSteps calls or forecastHorizon.
func (f *forecast) run(target *hallq.Ticket, took func(t *hallq.Ticket, wait time.Duration)) bool {
	real := 0
	for _, q := range f.queues {
		real += len(q)
	}
	for range maxForecastSteps {
		// The counter free soonest (lowest number on a tie).
		var best *fcCounter
		for _, fc := range f.counters {
			if fc.free < forecastHorizon && (best == nil || fc.free < best.free) {
				best = fc
			}
		}
		if best == nil {
			return false
		}
		f.admit(best.free, target)
		t := f.head(best)
		if t == nil {
			best.free = f.nextArrival(best)
			continue
		}
		q := f.queues[t.Service]
		f.queues[t.Service] = q[1:]
		if !f.synthetic[t] {
			took(t, best.free)
			real--
			if t == target || (target == nil && real == 0) {
				return true
			}
		}
		best.free += f.occ[t.Service]
	}
	return false
}

// admit puts the visitors expected by at into their queues. Normal ones of
// a normal target's own service would queue behind it: they are skipped.
func (f *forecast) admit(at time.Duration, target *hallq.Ticket) {
	for _, a := range f.arrivals {
		if target != nil && target.Priority == "" && a.priority == "" && a.service == target.Service {
			continue
		}
		for a.next <= at && len(f.synthetic) < maxExpected {
			t := &hallq.Ticket{ID: "~", Service: a.service, Priority: a.priority, State: hallq.StateWaiting,
				IssuedAt: f.now.Add(a.next), Number: 1 << 30, Day: f.e.day}
			f.synthetic[t] = true
			q := f.queues[a.service]
			i, _ := slices.BinarySearchFunc(q, t, f.orders[a.service].cmp)
			f.queues[a.service] = slices.Insert(q, i, t)
			a.k++
			a.next = a.at(a.k)
		}
	}
}

// nextArrival is when the next expected visitor for fc's services comes
// (forecastHorizon for none).
func (f *forecast) nextArrival(fc *fcCounter) time.Duration {
	next := forecastHorizon
	for _, a := range f.arrivals {
		if fc.c.Serves(a.service) && a.next > fc.free {
			next = min(next, a.next)
		}
	}
	return next
}

// arrivals are the visitors expected in each service, normal and priority
// apart, at the pace of the last hour's arrivals (of the time since the
// first arrival of the day, if sooner, but at least minRateWindow).
func (f *forecast) addArrivals(services map[string]bool) {
	count := map[arrivalKey]int{}
	for _, t := range f.e.issuedSince(f.now.Add(-rateLookback), f.now) {
		if services[t.Service] {
			count[arrivalKey{t.Service, t.Priority != ""}]++
		}
	}
	first := f.now
	if len(f.e.issued) > 0 {
		first = f.e.issued[0].IssuedAt
	}
	window := min(rateLookback, max(f.now.Sub(first), minRateWindow))
	for _, k := range slices.SortedFunc(maps.Keys(count), func(a, b arrivalKey) int {
		if c := cmp.Compare(a.service, b.service); c != 0 {
			return c
		}
		return cmp.Compare(btoi(a.priority), btoi(b.priority))
	}) {
		every := window / time.Duration(count[k])
		a := &arrival{service: k.service, every: every, k: 1}
		a.next = a.at(1)
		if k.priority {
			a.priority = "~"
		}
		f.arrivals = append(f.arrivals, a)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

type arrivalKey struct {
	service  string
	priority bool
}

type arrival struct {
	service, priority string
	every, next       time.Duration
	k                 int
}

// at is when the k-th expected visitor comes: at the pace every, which
// fades with time constant arrivalDecay (the recent pace says less the
// further ahead one looks); forecastHorizon when no more are expected.
func (a *arrival) at(k int) time.Duration {
	total := float64(arrivalDecay) / float64(a.every) // expected in all
	// The k-th comes when half of it is expected (rounding, not
	// truncating, the expected number).
	if x := float64(k) - 0.5; x < total {
		return time.Duration(-float64(arrivalDecay) * math.Log(1-x/total))
	}
	return forecastHorizon
}

// head is the ticket counter fc would call next: the best of the queues'
// heads in its own order. Within a service the view order stands, which
// already puts priority first.
func (f *forecast) head(fc *fcCounter) *hallq.Ticket {
	var best *hallq.Ticket
	for _, s := range fc.c.Services {
		q := f.queues[s]
		if len(q) == 0 {
			continue
		}
		if best == nil || fc.ord.cmp(q[0], best) < 0 {
			best = q[0]
		}
	}
	return best
}

// estimateTicket is the estimated wait in seconds of t, which waits or is
// about to (extra: a ticket not among the waiting ones). ahead is the
// number of tickets ahead of it in its service, if the caller knows it
// (else -1), for the closed form.
func (e *Engine) estimateTicket(now time.Time, t *hallq.Ticket, extra bool, ahead int) int {
	var x *hallq.Ticket
	if extra {
		x = t
	}
	wait := time.Duration(-1)
	if f := e.newForecast(now, t.Service, x); f != nil {
		f.run(t, func(got *hallq.Ticket, w time.Duration) {
			if got == t {
				wait = w
			}
		})
	}
	if wait >= 0 {
		return int(wait / time.Second)
	}
	if ahead < 0 {
		ahead = e.serviceOrder(now, t.Service).ahead(e.waitingWith(t), t)
	}
	wait = time.Duration(ahead) * e.meanOccupancy(t.Service) / time.Duration(max(1, e.openCounters(t.Service)))
	return int(e.stretch(now, t, wait) / time.Second)
}

// waitingWith is the waiting tickets of t's service, with t among them.
func (e *Engine) waitingWith(t *hallq.Ticket) []*hallq.Ticket {
	ts := e.waitingOf(t.Service)
	if !slices.Contains(ts, t) {
		ts = append(ts, t)
	}
	return ts
}

// stretch allows for priority visitors who will come while a normal
// ticket waits and be served before it.
func (e *Engine) stretch(now time.Time, t *hallq.Ticket, wait time.Duration) time.Duration {
	if t.Priority != "" || wait <= 0 || e.settings.PriorityPolicy == hallq.PolicyInterleave {
		return wait
	}
	n := 0
	for _, x := range e.issuedSince(now.Add(-priorityLookback), now) {
		if x.Priority != "" && x.Service == t.Service {
			n++
		}
	}
	if n == 0 {
		return wait
	}
	counters := max(1, e.openCounters(t.Service))
	rho := float64(n) * float64(e.meanOccupancy(t.Service)) / float64(priorityLookback) / float64(counters)
	rho = min(rho, maxPriorityShare)
	return time.Duration(float64(wait) / (1 - rho))
}

// estimateAll is the estimated wait in seconds of every waiting ticket of
// the given services (all when nil), from one forecast per group of
// connected services.
func (e *Engine) estimateAll(now time.Time, services map[string]bool) map[*hallq.Ticket]int {
	out := map[*hallq.Ticket]int{}
	done := map[string]bool{}
	for _, t := range e.waiting {
		if (services != nil && !services[t.Service]) || done[t.Service] {
			continue
		}
		f := e.newForecast(now, t.Service, nil)
		if f == nil {
			done[t.Service] = true
			for _, x := range e.waitingOf(t.Service) {
				out[x] = e.estimateTicket(now, x, false, -1)
			}
			continue
		}
		for s := range f.queues {
			done[s] = true
		}
		f.run(nil, func(x *hallq.Ticket, w time.Duration) {
			out[x] = int(w / time.Second)
		})
		for _, q := range f.queues {
			for _, x := range q {
				if _, ok := out[x]; !ok && !f.synthetic[x] {
					out[x] = e.estimateTicket(now, x, false, -1)
				}
			}
		}
	}
	return out
}

// estimateNew is the estimate a normal ticket issued now in service would get.
func (e *Engine) estimateNew(now time.Time, service string) int {
	t := &hallq.Ticket{ID: "\xff", Service: service, IssuedAt: e.local(now), Number: 1 << 30, State: hallq.StateWaiting, Day: e.day}
	return e.estimateTicket(now, t, true, -1)
}
