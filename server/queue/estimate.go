package queue

import (
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
//     fading with a time constant of 90 minutes, since the recent pace
//     says less about the day the further ahead one looks. A priority
//     visitor who comes later is served first; so is a visitor of a
//     service the counter prefers. Given the day's arrival forecast
//     (SetArrivalForecast, expected.go), the visitors the forecast
//     expects for the rest of the day come instead, at the level the day
//     has shown so far, split into priority and normal by the day's
//     shares: a ticket issued before a busy hour allows for it.
//   - The day's bookings not checked in yet come too (due.go): each into
//     its service's front group when it falls due, counted for the share
//     of booked citizens who come; the forecast's visitors are that many
//     fewer, and booked check-ins are not in the pace of priority ones.
//   - Transfers keep coming too, at the last hour's pace of transfers to
//     each service, and go ahead: a transferred ticket keeps its first
//     issue time.
//   - A ticket next in line for its counters (nothing they would call
//     first is waiting) goes to the first of them to be free. Rather than
//     the soonest of their expected times, its estimate is the median of
//     that time, from the spread of recent occupancies (nextInLine): with
//     several counters busy, one is usually free well before any one's
//     expected time.
//
// Occupancy is the time from a ticket's first call until the counter is
// free again (finish, no-show or transfer; day-closing ones left out),
// plus the recent mean pause between a ticket leaving and the counter's
// next call when someone was waiting. The recent mean is over the last
// occupancyWindow tickets of the service, drawn towards the whole hall's
// by shrinkOccupancy tickets' weight (all of the hall's when the service
// has none yet), else defaultServiceTime.
//
// The forecast plays counts, not tickets (forecast.go): its cost does not
// grow with the queue. When it cannot place the ticket within
// forecastHorizon, the closed form "people ahead × mean occupancy ÷ open
// counters", stretched for the last hour's priority arrivals, is used.
//
// On the standard simulated day (simhall.StandardDay, docs/BENCHMARKS.md)
// this brought the mean absolute error from 56 % of the mean wait (the
// closed form alone) to 17 % (issue #8), then, with transfers, the
// next-in-line median, the shrunk occupancy and the slower fade, to 15 %
// with a bias of −1 % (issue #20; seeds 1–8: MAE 18.0 % and bias −4.0 %
// on average, from 19.8 % and −7.8 %), then, told the day's expected
// arrivals and the past days' usual occupancies, to 13 % (seeds 1–8:
// 14.5 % and −0.7 %).
const (
	serviceTimeWindow  = 20
	occupancyWindow    = 100
	defaultServiceTime = 5 * time.Minute
	// shrinkOccupancy is the weight, in tickets, of the hall's mean
	// occupancy in a service's.
	shrinkOccupancy = 40
	// usualWeight is the weight, in tickets, of a service's usual
	// occupancy in its expected one: a morning's few dozen tickets say
	// less about the rest of the day than the hall's past days, and one
	// error in the mean multiplies every wait.
	usualWeight = 300
	// minFit is how many occupancies a log-normal is fitted on at least.
	minFit = 5
	// rateLookback is how far back arrivals are counted for the pace of
	// the forecast's expected visitors (which fades with time constant
	// arrivalDecay) and for the closed form's stretch.
	rateLookback = time.Hour
	arrivalDecay = 90 * time.Minute
	// maxPriorityShare bounds the stretch for later priority arrivals.
	maxPriorityShare = 0.5
	// maxTurnaround: a longer pause before the next call is not work.
	maxTurnaround = 3 * time.Minute
	// minRateWindow: arrival rates are not judged on less.
	minRateWindow = 15 * time.Minute
	// maxExpected bounds the expected visitors a forecast adds to a class.
	maxExpected = 300
	// The forecast gives up (and the closed form answers) beyond this.
	forecastHorizon = 12 * time.Hour
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

// rebuildIssued rebuilds the issue log from the day's tickets.
func (e *Engine) rebuildIssued() {
	e.issued = e.issued[:0]
	for _, t := range e.tickets {
		if t.Day == e.day && t.TransferredFrom == "" {
			e.issued = append(e.issued, t)
		}
	}
	slices.SortFunc(e.issued, issueOrder)
	e.resetPace()
}

// recordServiceTime remembers a ticket's service time and occupancy once
// it has left its counter.
func (e *Engine) recordServiceTime(t *hallq.Ticket) {
	if d, ok := serviceTime(t); ok {
		e.served[t.Service] = appendWindow(e.served[t.Service], d, serviceTimeWindow)
	}
	if d, ok := occupancy(t); ok {
		w := e.occupied[t.Service]
		if w == nil {
			w = &window{}
			e.occupied[t.Service] = w
		}
		w.add(d)
		e.occupiedAll.add(d)
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
		e.turnaround.add(d)
	}
}

func appendWindow(times []time.Duration, d time.Duration, n int) []time.Duration {
	times = append(times, d)
	if len(times) > n {
		times = times[len(times)-n:]
	}
	return times
}

// window is the last occupancyWindow durations with their running sums, so
// that means and spreads cost nothing per forecast.
type window struct {
	buf   []time.Duration
	next  int // where the next one goes once buf is full
	sum   time.Duration
	sumSq float64 // seconds²
}

func (w *window) add(d time.Duration) {
	if len(w.buf) < occupancyWindow {
		w.buf = append(w.buf, d)
	} else {
		old := w.buf[w.next]
		w.sum -= old
		w.sumSq -= old.Seconds() * old.Seconds()
		w.buf[w.next] = d
		w.next = (w.next + 1) % occupancyWindow
	}
	w.sum += d
	w.sumSq += d.Seconds() * d.Seconds()
}

func (w *window) len() int { return len(w.buf) }

// mean is the window's mean (0 when empty).
func (w *window) mean() time.Duration {
	if len(w.buf) == 0 {
		return 0
	}
	return w.sum / time.Duration(len(w.buf))
}

// variance is the window's variance in seconds².
func (w *window) variance() float64 {
	n := float64(len(w.buf))
	if n == 0 {
		return 0
	}
	m := w.sum.Seconds() / n
	return max(w.sumSq/n-m*m, 0)
}

// meanServiceTime is the service's recent mean service time.
func (e *Engine) meanServiceTime(service string) time.Duration {
	times := e.served[service]
	if len(times) == 0 {
		return defaultServiceTime
	}
	var sum time.Duration
	for _, d := range times {
		sum += d
	}
	return sum / time.Duration(len(times))
}

// meanOccupancy is how long a ticket of the service is expected to keep
// its counter: the service's recent mean, drawn towards its usual
// occupancy on the hall's past days (SetUsualOccupancy) by usualWeight
// tickets' weight, or without those towards the hall's recent mean by
// shrinkOccupancy tickets' weight (a service's first few tickets say
// little on their own), plus the mean pause before the next call.
func (e *Engine) meanOccupancy(service string) time.Duration {
	if u := e.usual[service]; u > 0 {
		var sum time.Duration
		n := 0
		if w := e.occupied[service]; w != nil {
			sum, n = w.sum, w.len()
		}
		return (sum+usualWeight*u)/(time.Duration(n)+usualWeight) + e.turnaround.mean()
	}
	if e.occupiedAll.len() == 0 {
		return defaultServiceTime
	}
	m := e.occupiedAll.mean()
	if w := e.occupied[service]; w != nil && w.len() > 0 {
		n := time.Duration(w.len())
		m = (w.sum + shrinkOccupancy*m) / (n + shrinkOccupancy)
	}
	return m + e.turnaround.mean()
}

// occupancyFit is the log-normal that a service's recent occupancies
// follow (of the hall's, for a service with few), for the odds that a
// ticket at a counter is done by a given time; false with too few.
func (e *Engine) occupancyFit(service string) (mu, sigma float64, ok bool) {
	w := e.occupied[service]
	if w == nil || w.len() < minFit {
		w = &e.occupiedAll
	}
	if w.len() < minFit {
		return 0, 0, false
	}
	m := w.mean().Seconds()
	if m <= 0 {
		return 0, 0, false
	}
	s2 := math.Log(1 + max(w.variance(), 1)/(m*m))
	return math.Log(m) - s2/2, math.Sqrt(s2), true
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

// arrivalKey is the kind of a printed ticket for the pace of arrivals:
// its service, and priority or normal; a booked check-in is of a kind of
// its own (booked), since the estimate knows the bookings still to come
// (due.go) and does not guess them from the pace.
type arrivalKey struct {
	service  string
	priority bool
	booked   bool
}

// estimateTicket is the estimated wait in seconds of t, which waits or is
// about to (extra: a ticket not among the waiting ones).
func (e *Engine) estimateTicket(now time.Time, t *hallq.Ticket, extra bool) int {
	if f := e.newForecast(now, t.Service, false); f != nil {
		k, j := f.place(t, extra)
		wait, ok := time.Duration(0), false
		if j == 1 {
			wait, ok = f.nextInLine(t.Service, k)
		}
		if !ok {
			wait, ok = f.run(k, j, nil)
		}
		f.release()
		if ok {
			return notBeforeSlot(now, t, int(wait/time.Second))
		}
	}
	return notBeforeSlot(now, t, e.closedForm(now, t))
}

// notBeforeSlot is a booked ticket's estimate: its slot start, or later
// when the forecast says so. (Before its slot it is called only once the
// walk-ins ahead of it are done; the estimate does not count on that.)
func notBeforeSlot(now time.Time, t *hallq.Ticket, wait int) int {
	if t.SlotAt == nil {
		return wait
	}
	return max(wait, int(t.SlotAt.Sub(now)/time.Second))
}

// closedForm is the estimate when the forecast cannot place t: people
// ahead × mean occupancy ÷ open counters, stretched for priority arrivals.
func (e *Engine) closedForm(now time.Time, t *hallq.Ticket) int {
	ahead := e.ahead(now, t)
	wait := time.Duration(ahead) * e.meanOccupancy(t.Service) / time.Duration(max(1, e.openCounters(t.Service)))
	return int(e.stretch(now, t, wait) / time.Second)
}

// stretch allows for priority visitors who will come while a normal
// ticket waits and be served before it.
func (e *Engine) stretch(now time.Time, t *hallq.Ticket, wait time.Duration) time.Duration {
	if t.Priority != "" || t.SlotAt != nil || wait <= 0 || e.settings.PriorityPolicy == hallq.PolicyInterleave {
		return wait
	}
	n := e.issuedInHour(now, arrivalKey{service: t.Service, priority: true})
	if n == 0 {
		return wait
	}
	counters := max(1, e.openCounters(t.Service))
	rho := float64(n) * float64(e.meanOccupancy(t.Service)) / float64(rateLookback) / float64(counters)
	rho = min(rho, maxPriorityShare)
	return time.Duration(float64(wait) / (1 - rho))
}

// estimateAll is the estimated wait in seconds of every waiting ticket of
// the given services (all when nil), from one forecast per group of
// connected services.
func (e *Engine) estimateAll(now time.Time, services map[string]bool) map[*hallq.Ticket]int {
	out := map[*hallq.Ticket]int{}
	done := map[string]bool{}
	for _, s := range slices.Sorted(maps.Keys(e.queues)) {
		if (services != nil && !services[s]) || done[s] || e.queues[s].len() == 0 {
			continue
		}
		f := e.newForecast(now, s, true)
		if f == nil {
			done[s] = true
			for _, x := range e.waitingOf(s) {
				out[x] = notBeforeSlot(now, x, e.closedForm(now, x))
			}
			continue
		}
		for _, g := range f.services {
			done[g] = true
		}
		var first []*hallq.Ticket // of each class, if next in line
		var firstAt []time.Duration
		for k := range f.classes {
			if c := &f.classes[k]; c.real > 0 {
				if at, ok := f.nextInLine(f.services[k/2], k); ok {
					first, firstAt = append(first, c.tickets[0]), append(firstAt, at)
				}
			}
		}
		f.run(-1, 0, func(k, j int, at time.Duration) {
			t := f.classes[k].tickets[j-1]
			out[t] = notBeforeSlot(now, t, int(at/time.Second))
		})
		for i, x := range first {
			out[x] = notBeforeSlot(now, x, int(firstAt[i]/time.Second))
		}
		var missed []*hallq.Ticket
		for k := range f.classes {
			for _, x := range f.classes[k].tickets {
				if _, ok := out[x]; !ok {
					missed = append(missed, x)
				}
			}
		}
		f.release()
		for _, x := range missed {
			out[x] = e.estimateTicket(now, x, false)
		}
	}
	return out
}

// estimateNew is the estimate a normal ticket issued now in service would get.
func (e *Engine) estimateNew(now time.Time, service string) int {
	t := &hallq.Ticket{ID: "\xff", Service: service, IssuedAt: e.local(now), IssueSeq: math.MaxInt64, Number: 1 << 30, State: hallq.StateWaiting, Day: e.day}
	return e.estimateTicket(now, t, true)
}
