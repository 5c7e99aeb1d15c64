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
// order every policy keeps within a kind.
type svcQueue struct {
	prio, normal []*hallq.Ticket
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

func (q *svcQueue) list(t *hallq.Ticket) *[]*hallq.Ticket {
	if t.Priority != "" {
		return &q.prio
	}
	return &q.normal
}

func (q *svcQueue) len() int { return len(q.prio) + len(q.normal) }

// index is t's place in its kind's list (where it is or would go).
func (q *svcQueue) index(t *hallq.Ticket) int {
	ts := *q.list(t)
	if n := len(ts); n == 0 || issueOrder(ts[n-1], t) < 0 {
		return n // a new ticket: the usual case
	}
	i, _ := slices.BinarySearchFunc(ts, t, issueOrder)
	return i
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
	return slices.Concat(q.prio, q.normal)
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
// and service: the first of each that is not held for printing. Under
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
func (e *Engine) ahead(now time.Time, t *hallq.Ticket) int {
	q := e.queue(t.Service)
	i := q.index(t) // tickets of t's kind before it
	switch e.settings.PriorityPolicy {
	case hallq.PolicyInterleave:
		prio, normal := len(q.prio), len(q.normal)
		if l := *q.list(t); i == len(l) || l[i] != t { // not yet waiting
			if t.Priority != "" {
				prio++
			} else {
				normal++
			}
		}
		return e.serviceOrder(now, t.Service).interleaveAhead(prio, normal, i, t.Priority != "")
	case hallq.PolicyAging:
		aged := e.agedCount(now, q)
		if t.Priority == "" && i >= aged {
			return len(q.prio) + i
		}
		// t ranks with the priority ones: those of the other kind that
		// rank there too and come before it in issue order.
		if t.Priority == "" {
			j, _ := slices.BinarySearchFunc(q.prio, t, issueOrder)
			return i + j
		}
		j, _ := slices.BinarySearchFunc(q.normal[:aged], t, issueOrder)
		return i + j
	}
	if t.Priority == "" {
		return len(q.prio) + i
	}
	return i
}

// pace counts the day's printed tickets issued in the last rateLookback,
// per service and kind, kept as tickets are issued and the clock moves so
// that a forecast does not walk the issue log.
type pace struct {
	lo    int // e.issued[lo:] are counted
	count map[arrivalKey]int
}

func keyOf(t *hallq.Ticket) arrivalKey { return arrivalKey{t.Service, t.Priority != ""} }

// resetPace counts nothing; the next advancePace counts back from the end.
func (e *Engine) resetPace() {
	e.pace.lo = len(e.issued)
	clear(e.pace.count)
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
	if i, ok := slices.BinarySearchFunc(e.issued, t, issueOrder); ok && e.issued[i] == t && i >= e.pace.lo {
		e.pace.count[keyOf(t)] += delta
	}
}
