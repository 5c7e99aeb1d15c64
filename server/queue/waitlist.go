package queue

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/hallq/hallq"
)

// svcQueue is one service's waiting tickets, kept by the engine as they
// come and go so that nothing walks the whole queue per request: priority
// and normal tickets apart, each in issue order (issueOrder), which is the
// order every policy keeps within a kind; and the checked-in booked
// tickets (not priority ones) by slot start (bookedOrder), of which those
// due rank with the priority tickets (frontAt). Booked
// tickets waiting are few — a check-in opens shortly before the slot — so
// they are walked where the others are counted.
type svcQueue struct {
	prio, normal, booked []*hallq.Ticket
}

// issueOrder is the order in which tickets were issued: by the sequence
// number of their issue event, never by what the clock read (it may have
// been set back between two tickets). Tickets from before the hall kept
// that number (IssueSeq 0) came first, in issue time, number and id.
func issueOrder(a, b *hallq.Ticket) int {
	if c := cmp.Compare(a.IssueSeq, b.IssueSeq); c != 0 {
		return c
	}
	if c := a.IssuedAt.Compare(b.IssuedAt); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Number, b.Number); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

// bookedOrder orders booked tickets by the start of their slot, then in
// order of issue.
func bookedOrder(a, b *hallq.Ticket) int {
	if c := a.SlotAt.Compare(*b.SlotAt); c != 0 {
		return c
	}
	return issueOrder(a, b)
}

// isBooked reports whether t waits in its service's booked list: a
// checked-in booking that is not a priority ticket (a priority ticket
// ranks first anyway).
func isBooked(t *hallq.Ticket) bool { return t.SlotAt != nil && t.Priority == "" }

// BookedEarly is how long before its slot starts a checked-in booked
// ticket ranks with the priority tickets: a slot's citizens are spread over
// the minutes around its start instead of all falling due at once (on the
// simulated day this halved the booked citizens' p90 wait past their slot
// start, docs/BENCHMARKS.md).
const BookedEarly = 5 * time.Minute

// dueAt reports whether booked ticket t (SlotAt set) is due at now.
func dueAt(t *hallq.Ticket, now time.Time) bool { return !t.SlotAt.After(now.Add(BookedEarly)) }

// frontAt reports whether t ranks with the priority tickets at now under
// every policy: a priority ticket, or a booked one that is due. (Under
// aging, normal tickets that have waited long rank there too:
// order.ranksPriority.)
func frontAt(t *hallq.Ticket, now time.Time) bool {
	return t.Priority != "" || (t.SlotAt != nil && dueAt(t, now))
}

func (q *svcQueue) list(t *hallq.Ticket) *[]*hallq.Ticket {
	switch {
	case t.Priority != "":
		return &q.prio
	case t.SlotAt != nil:
		return &q.booked
	}
	return &q.normal
}

func (q *svcQueue) len() int { return len(q.prio) + len(q.normal) + len(q.booked) }

// index is t's place in its kind's list (where it is or would go).
func (q *svcQueue) index(t *hallq.Ticket) int {
	ts := *q.list(t)
	order := issueOrder
	if isBooked(t) {
		order = bookedOrder
	}
	if n := len(ts); n == 0 || order(ts[n-1], t) < 0 {
		return n // a new ticket: the usual case
	}
	i, _ := slices.BinarySearchFunc(ts, t, order)
	return i
}

// waits reports whether t is in the queue (not a ticket about to join).
func (q *svcQueue) waits(t *hallq.Ticket) bool {
	l := *q.list(t)
	i := q.index(t)
	return i < len(l) && l[i] == t
}

// due is how many of the booked tickets rank with the priority ones at
// now: the first ones, whose slot begins within BookedEarly or has begun.
func (q *svcQueue) due(now time.Time) int {
	n, _ := slices.BinarySearchFunc(q.booked, now, func(t *hallq.Ticket, now time.Time) int {
		if dueAt(t, now) {
			return -1
		}
		return 1
	})
	return n
}

// before counts the tickets of ts issued before t (t itself left out).
// ts is in issue order unless walk is set (the booked list, walked).
func before(ts []*hallq.Ticket, t *hallq.Ticket, walk bool) int {
	if !walk {
		n, _ := slices.BinarySearchFunc(ts, t, issueOrder)
		return n
	}
	n := 0
	for _, x := range ts {
		if issueOrder(x, t) < 0 {
			n++
		}
	}
	return n
}

// addWaiting puts t into its service's queue.
func (e *Engine) addWaiting(t *hallq.Ticket) {
	q := e.queue(t.Service)
	l := q.list(t)
	*l = slices.Insert(*l, q.index(t), t)
	e.nWaiting++
}

// removeWaiting takes t out of its service's queue; t's kind must be the
// one it was added with.
func (e *Engine) removeWaiting(t *hallq.Ticket) {
	q := e.queues[t.Service]
	if q == nil {
		return
	}
	l := q.list(t)
	if i := q.index(t); i < len(*l) && (*l)[i] == t {
		*l = slices.Delete(*l, i, i+1)
		e.nWaiting--
	}
}

// queue is the service's queue, made on first use.
func (e *Engine) queue(service string) *svcQueue {
	q := e.queues[service]
	if q == nil {
		q = &svcQueue{}
		e.queues[service] = q
	}
	return q
}

// waitingOf is the waiting tickets of one service, priority first, each
// kind in issue order.
func (e *Engine) waitingOf(service string) []*hallq.Ticket {
	q := e.queues[service]
	if q == nil {
		return nil
	}
	return slices.Concat(q.prio, q.normal, q.booked)
}

// waitingCount is how many wait for a service.
func (e *Engine) waitingCount(service string) int {
	if q := e.queues[service]; q != nil {
		return q.len()
	}
	return 0
}

// allWaiting is every waiting ticket, service by service.
func (e *Engine) allWaiting() []*hallq.Ticket {
	out := make([]*hallq.Ticket, 0, e.nWaiting)
	for _, q := range e.queues {
		out = append(out, q.prio...)
		out = append(out, q.normal...)
		out = append(out, q.booked...)
	}
	return out
}

// firstUnheld is the first ticket of ts not held for printing at now.
// Held tickets are the newest, at the end, so this rarely looks far.
func firstUnheld(ts []*hallq.Ticket, now time.Time) *hallq.Ticket {
	for _, t := range ts {
		if !t.Held(now) {
			return t
		}
	}
	return nil
}

// candidates are the tickets counter c may call next at now, one per kind
// and service: the first of each that is not held for printing, and every
// booked ticket not held (they are few, and not in issue order). Under
// every policy the ticket to call is among them (order.first).
func (e *Engine) candidates(now time.Time, c *hallq.Counter) []*hallq.Ticket {
	out := make([]*hallq.Ticket, 0, 2*len(c.Services))
	for _, s := range c.Services {
		q := e.queues[s]
		if q == nil {
			continue
		}
		for _, ts := range [][]*hallq.Ticket{q.prio, q.normal} {
			if t := firstUnheld(ts, now); t != nil && !slices.Contains(out, t) {
				out = append(out, t)
			}
		}
		for _, t := range q.booked {
			if !t.Held(now) {
				out = append(out, t)
			}
		}
	}
	return out
}

// hasCandidate reports whether anyone waits for a service c serves.
func (e *Engine) hasCandidate(c *hallq.Counter) bool {
	for _, s := range c.Services {
		if q := e.queues[s]; q != nil && q.len() > 0 {
			return true
		}
	}
	return false
}

// agedCount is how many of a service's normal tickets rank with the
// priority ones at now under the aging policy: the first ones in issue
// order, those issued AgingMinutes ago or earlier, found by bisecting on
// the issue time. Issue times follow issue order unless the clock was set
// back; then the count is still a prefix of the queue, so the order within
// the service holds.
func (e *Engine) agedCount(now time.Time, q *svcQueue) int {
	if e.settings.PriorityPolicy != hallq.PolicyAging {
		return 0
	}
	limit := now.Add(-time.Duration(e.settings.AgingMinutes) * time.Minute)
	n, _ := slices.BinarySearchFunc(q.normal, limit, func(t *hallq.Ticket, limit time.Time) int {
		if t.IssuedAt.After(limit) {
			return 1
		}
		return -1
	})
	return n
}

// ahead is the number of tickets of t's service that will be called before
// it, as a view sees the service's queue; t must be waiting or about to
// (then it counts as the newest of its kind).
//
// The queue at now is two groups in issue order: the front (priority
// tickets, booked ones that are due and, under aging, the normal
// ones that have waited AgingMinutes) and the rest. Strict and aging call
// the front first; interleave mixes the two groups.
func (e *Engine) ahead(now time.Time, t *hallq.Ticket) int {
	q := e.queue(t.Service)
	due := q.due(now)
	prioBefore := before(q.prio, t, false)
	normalBefore := before(q.normal, t, false)
	dueBefore := before(q.booked[:due], t, true)
	laterBefore := before(q.booked[due:], t, true)
	front := frontAt(t, now)
	if e.settings.PriorityPolicy == hallq.PolicyInterleave {
		nFront, nRest := len(q.prio)+due, len(q.normal)+len(q.booked)-due
		if !q.waits(t) {
			if front {
				nFront++
			} else {
				nRest++
			}
		}
		if front {
			return e.serviceOrder(now, t.Service).interleaveAhead(nFront, nRest, prioBefore+dueBefore, true)
		}
		return e.serviceOrder(now, t.Service).interleaveAhead(nFront, nRest, normalBefore+laterBefore, false)
	}
	aged := e.agedCount(now, q) // 0 unless aging
	agedBefore := min(aged, normalBefore)
	if front || (t.SlotAt == nil && normalBefore < aged) {
		return prioBefore + dueBefore + agedBefore
	}
	return len(q.prio) + due + aged + normalBefore - agedBefore + laterBefore
}

// pace counts the day's printed tickets issued in the last rateLookback,
// per service and kind, kept as tickets are issued and the clock moves so
// that a forecast does not walk the issue log.
type pace struct {
	lo    int // e.issued[lo:] are counted
	count map[arrivalKey]int
	day   map[arrivalKey]int // all of e.issued, counted
}

// keyOf is the kind of arrival a printed ticket counts as: booked
// check-ins apart (arrivalKey).
func keyOf(t *hallq.Ticket) arrivalKey {
	if t.SlotAt != nil {
		return arrivalKey{service: t.Service, booked: true}
	}
	return arrivalKey{service: t.Service, priority: t.Priority != ""}
}

// transferKey is the class a transferred ticket comes into: a booked one
// is in the front group of its new service, as a priority one is.
func transferKey(t *hallq.Ticket) arrivalKey {
	return arrivalKey{service: t.Service, priority: t.Priority != "" || t.SlotAt != nil}
}

// resetPace counts nothing; the next advancePace counts back from the end.
func (e *Engine) resetPace() {
	e.pace.lo = len(e.issued)
	clear(e.pace.count)
	clear(e.pace.day)
	for _, t := range e.issued {
		e.pace.day[keyOf(t)]++
	}
}

// advancePace moves the counted window to end at now.
func (e *Engine) advancePace(now time.Time) {
	p := &e.pace
	cut := now.Add(-rateLookback)
	for p.lo < len(e.issued) && !e.issued[p.lo].IssuedAt.After(cut) {
		p.count[keyOf(e.issued[p.lo])]--
		p.lo++
	}
	for p.lo > 0 && e.issued[p.lo-1].IssuedAt.After(cut) {
		p.lo--
		p.count[keyOf(e.issued[p.lo])]++
	}
}

// issuedInHour is how many of the day's printed tickets of the service and
// kind were issued in the hour before now. It does not change the engine
// (views call it): it corrects the window kept at the last command by the
// few tickets that crossed its start since.
func (e *Engine) issuedInHour(now time.Time, k arrivalKey) int {
	n := e.pace.count[k]
	cut := now.Add(-rateLookback)
	for i := e.pace.lo; i < len(e.issued) && !e.issued[i].IssuedAt.After(cut); i++ {
		if keyOf(e.issued[i]) == k {
			n--
		}
	}
	for i := e.pace.lo - 1; i >= 0 && e.issued[i].IssuedAt.After(cut); i-- {
		if keyOf(e.issued[i]) == k {
			n++
		}
	}
	return n
}

// recountPace moves t's count when its kind changes (MarkPriority): call
// with the old kind before the change and add after it.
func (e *Engine) recountPace(t *hallq.Ticket, delta int) {
	if t.TransferredFrom != "" || t.Day != e.day {
		return
	}
	if i, ok := slices.BinarySearchFunc(e.issued, t, issueOrder); ok && e.issued[i] == t {
		e.pace.day[keyOf(t)] += delta
		if i >= e.pace.lo {
			e.pace.count[keyOf(t)] += delta
		}
	}
}

// transferIn is a ticket a transfer put into a queue, and when. It keeps
// its first issue time, so it queues ahead of those issued after that.
type transferIn struct {
	at time.Time
	t  *hallq.Ticket
}

// transfersInHour is how many of the day's transfers in the hour before
// now went to the service and kind (the day's few transfers are counted
// from the end).
func (e *Engine) transfersInHour(now time.Time, k arrivalKey) int {
	n := 0
	cut := now.Add(-rateLookback)
	for i := len(e.transfers) - 1; i >= 0 && e.transfers[i].at.After(cut); i-- {
		if tr := e.transfers[i]; transferKey(tr.t) == k && !tr.at.After(now) {
			n++
		}
	}
	return n
}

// rebuildTransfers finds the day's transfers from the tickets.
func (e *Engine) rebuildTransfers() {
	e.transfers = e.transfers[:0]
	for _, t := range e.tickets {
		if src := e.tickets[t.TransferredFrom]; t.Day == e.day && src != nil && src.FinishedAt != nil {
			e.transfers = append(e.transfers, transferIn{*src.FinishedAt, t})
		}
	}
	slices.SortFunc(e.transfers, func(a, b transferIn) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return strings.Compare(a.t.ID, b.t.ID)
	})
}
