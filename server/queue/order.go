package queue

import (
	"cmp"
	"slices"
	"time"

	"github.com/hallq/hallq"
)

// order is the calling order of one counter, or of a virtual counter for
// views. Under every policy ties are broken by the counter's service
// preference, then the oldest issue time, then the lowest number (then the
// id, so that the order is total): never newest-first.
//
// The front group is the priority tickets and the checked-in booked
// tickets that are due, from BookedEarly before their slot (frontAt); the
// rest are walk-ins and booked tickets not yet due, which wait as walk-ins
// do.
//
//   - strict: the front group first.
//   - aging: a normal ticket that has waited AgingMinutes ranks with the
//     front group too (a booked one before its slot does not age: its slot
//     comes sooner).
//   - interleave: since counts the tickets of the rest called since the
//     last one of the front group; once it reaches InterleaveN a waiting
//     front ticket is called next, and a front ticket is also called when
//     no other waits. Each front call resets since to 0.
type order struct {
	policy string
	n      int // InterleaveN
	now    time.Time
	pref   map[string]int // service code → preference; missing codes rank first
	since  int            // normal calls since the last priority call
	// aged is, under aging, how many normal tickets of each service rank
	// with the priority ones (Engine.agedCount), filled as asked.
	aged map[string]int
	e    *Engine
}

// orderFor is the order counter c calls in.
func (e *Engine) orderFor(now time.Time, c *hallq.Counter) order {
	pref := make(map[string]int, len(c.Services))
	for i, code := range c.Services {
		if _, ok := pref[code]; !ok {
			pref[code] = i
		}
	}
	return e.newOrder(now, pref, c.SincePriority)
}

func (e *Engine) newOrder(now time.Time, pref map[string]int, since int) order {
	return order{
		policy: e.settings.PriorityPolicy,
		n:      e.settings.InterleaveN,
		now:    now,
		pref:   pref,
		since:  since,
		aged:   map[string]int{},
		e:      e,
	}
}

// viewSince is the interleave count a view assumes for a set of services
// (nil: all): that of the open counter serving one of them that will take a
// priority ticket soonest. Views cannot know which counter calls next, and
// for a citizen the soonest is the useful guess.
func (e *Engine) viewSince(services map[string]bool) int {
	since := 0
	for _, c := range e.counters {
		if c.State != hallq.CounterOpen {
			continue
		}
		for _, code := range c.Services {
			if services == nil || services[code] {
				since = max(since, c.SincePriority)
				break
			}
		}
	}
	return since
}

// base compares two tickets after their priority rank: the counter's
// service preference, then the order of issue.
func (o order) base(a, b *hallq.Ticket) int {
	if c := cmp.Compare(o.pref[a.Service], o.pref[b.Service]); c != 0 {
		return c
	}
	return issueOrder(a, b)
}

// ranksPriority reports whether t is in the front group under strict or
// aging. The aged tickets are the first ones of their service's queue in
// issue order (Engine.agedCount), so that a clock set back between two
// tickets cannot put the later one first.
func (o order) ranksPriority(t *hallq.Ticket) bool {
	if frontAt(t, o.now) {
		return true
	}
	if o.policy != hallq.PolicyAging || t.SlotAt != nil {
		return false
	}
	q := o.e.queues[t.Service]
	if q == nil {
		return false
	}
	n, ok := o.aged[t.Service]
	if !ok {
		n = o.e.agedCount(o.now, q)
		o.aged[t.Service] = n
	}
	return q.index(t) < n
}

// cmp compares two tickets under strict or aging.
func (o order) cmp(a, b *hallq.Ticket) int {
	pa, pb := o.ranksPriority(a), o.ranksPriority(b)
	if pa != pb {
		if pa {
			return -1
		}
		return 1
	}
	return o.base(a, b)
}

// sort returns the tickets in calling order; ts is not modified.
func (o order) sort(ts []*hallq.Ticket) []*hallq.Ticket {
	if o.policy == hallq.PolicyInterleave {
		return o.interleave(ts)
	}
	out := slices.Clone(ts)
	slices.SortFunc(out, o.cmp)
	return out
}

// interleaveAhead is the place of a ticket in a service's queue under
// interleave (the number called before it), from the numbers of priority
// and normal tickets waiting (it among them) and of those of its own kind
// before it: the order is fixed by these, so no ticket need be looked at.
func (o order) interleaveAhead(prio, normal, before int, isPrio bool) int {
	since := o.since
	for pos := 0; ; pos++ {
		if prio > 0 && (since >= o.n || normal == 0) {
			if isPrio && before == 0 {
				return pos
			}
			prio--
			since = 0
			if isPrio {
				before--
			}
		} else {
			if !isPrio && before == 0 {
				return pos
			}
			normal--
			since++
			if !isPrio {
				before--
			}
		}
	}
}

// interleave merges the priority and the normal tickets the way a counter
// under the interleave policy would call them one after another.
func (o order) interleave(ts []*hallq.Ticket) []*hallq.Ticket {
	var prio, normal []*hallq.Ticket
	for _, t := range ts {
		if frontAt(t, o.now) {
			prio = append(prio, t)
		} else {
			normal = append(normal, t)
		}
	}
	slices.SortFunc(prio, o.base)
	slices.SortFunc(normal, o.base)
	out := make([]*hallq.Ticket, 0, len(ts))
	since := o.since
	for len(prio) > 0 || len(normal) > 0 {
		if len(prio) > 0 && (since >= o.n || len(normal) == 0) {
			out = append(out, prio[0])
			prio = prio[1:]
			since = 0
		} else {
			out = append(out, normal[0])
			normal = normal[1:]
			since++
		}
	}
	return out
}

// first is the ticket to call next, or nil: sort(ts)[0], in linear time.
func (o order) first(ts []*hallq.Ticket) *hallq.Ticket {
	if o.policy != hallq.PolicyInterleave {
		var best *hallq.Ticket
		for _, t := range ts {
			if best == nil || o.cmp(t, best) < 0 {
				best = t
			}
		}
		return best
	}
	var prio, normal *hallq.Ticket
	for _, t := range ts {
		switch {
		case frontAt(t, o.now) && (prio == nil || o.base(t, prio) < 0):
			prio = t
		case !frontAt(t, o.now) && (normal == nil || o.base(t, normal) < 0):
			normal = t
		}
	}
	if prio != nil && (o.since >= o.n || normal == nil) {
		return prio
	}
	return normal
}

// waitingIn lists the waiting tickets of one service in calling order, as a
// view sees it.
func (e *Engine) waitingIn(now time.Time, service string) []*hallq.Ticket {
	return e.serviceOrder(now, service).sort(e.waitingOf(service))
}

// serviceOrder is the order of one service's queue, as a view sees it.
func (e *Engine) serviceOrder(now time.Time, service string) order {
	return e.newOrder(now, nil, e.viewSince(map[string]bool{service: true}))
}
