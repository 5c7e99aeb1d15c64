package queue

import (
	"cmp"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/hallq/hallq"
)

// Hall returns the public view of the hall at now.
//
// Services are sorted by Order then Code, counters by number. A service's
// EstimatedWaitS is the estimate a ticket issued now would get.
func (e *Engine) Hall(now time.Time) hallq.HallView {
	v := hallq.HallView{
		Hall: hallq.HallInfo{
			Name:          e.settings.Name,
			Day:           e.day,
			TimeZone:      e.settings.TimeZone,
			Language:      e.settings.Language,
			Notice:        e.settings.Notice,
			RatingScale:   slices.Clone(e.settings.RatingScale),
			PriorityKinds: slices.Clone(e.settings.PriorityKinds),
			MaxRecalls:    e.settings.MaxRecalls,
			Now:           e.local(now),
		},
		Services: []hallq.ServiceView{},
		Counters: []hallq.Counter{},
		Recent:   e.recentView(),
	}
	for _, s := range e.sortedServices() {
		reason := e.closedReason(now, s)
		v.Services = append(v.Services, hallq.ServiceView{
			Service:        cloneService(*s),
			Open:           reason == "",
			Waiting:        e.waitingCount(s.Code),
			EstimatedWaitS: e.estimateNew(now, s.Code),
			Closed:         reason,
			LastCalled:     e.lastCalled[s.Code],
		})
		if s.Booking != nil {
			sv := &v.Services[len(v.Services)-1]
			sv.BookingCapacity, sv.SuggestedCapacity = e.SlotCapacity(s.Code), e.SuggestedCapacity(s.Code)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(e.counters)) {
		v.Counters = append(v.Counters, *e.counterView(e.counters[id]))
	}
	return v
}

func (e *Engine) sortedServices() []*hallq.Service {
	out := slices.Collect(maps.Values(e.services))
	slices.SortFunc(out, func(a, b *hallq.Service) int {
		if c := cmp.Compare(a.Order, b.Order); c != 0 {
			return c
		}
		return strings.Compare(a.Code, b.Code)
	})
	return out
}

// recentView copies the recent calls, newest first.
func (e *Engine) recentView() []hallq.Event {
	out := make([]hallq.Event, len(e.recent))
	for i, ev := range e.recent {
		out[i] = ev
		if ev.Ticket != nil {
			out[i].Ticket = ev.Ticket.Clone()
		}
	}
	return out
}

// Ticket returns a copy of a ticket with its live WaitingAhead and
// EstimatedWaitS (for waiting tickets). ENOTFOUND if the engine does not hold it.
// A ticket that no longer waits shows 0 for both.
func (e *Engine) Ticket(now time.Time, id string) (*hallq.Ticket, error) {
	t := e.tickets[id]
	if t == nil {
		return nil, hallq.Errorf(hallq.ENOTFOUND, "no ticket %q", id)
	}
	return e.view(now, t), nil
}

// view is a copy of t with its live queue figures.
func (e *Engine) view(now time.Time, t *hallq.Ticket) *hallq.Ticket {
	v := t.Clone()
	v.WaitingAhead, v.EstimatedWaitS = 0, 0
	if t.State == hallq.StateWaiting {
		v.WaitingAhead = e.ahead(now, t)
		v.EstimatedWaitS = e.estimateTicket(now, t, false)
	}
	return v
}

// Waiting lists the waiting tickets of the given services (all when empty)
// in the order they would be called.
//
// The order is that of a counter serving the services in the order given
// (a console passes its counter's services); with none given, services
// rank equally, so priority and then issue time decide. Each ticket carries
// its live WaitingAhead and EstimatedWaitS within its own service.
// Unknown service codes are ignored.
func (e *Engine) Waiting(now time.Time, services []string) []*hallq.Ticket {
	var pref map[string]int
	var set map[string]bool
	if len(services) > 0 {
		pref, set = map[string]int{}, map[string]bool{}
		for i, code := range services {
			if !set[code] {
				pref[code], set[code] = i, true
			}
		}
	}
	var ts []*hallq.Ticket
	for _, t := range e.allWaiting() {
		if set == nil || set[t.Service] {
			ts = append(ts, t)
		}
	}
	ordered := e.newOrder(now, pref, e.viewSince(set)).sort(ts)
	ahead := map[string]map[*hallq.Ticket]int{}
	estimates := e.estimateAll(now, set)
	out := make([]*hallq.Ticket, len(ordered))
	for i, t := range ordered {
		pos, ok := ahead[t.Service]
		if !ok {
			pos = map[*hallq.Ticket]int{}
			for j, x := range e.waitingIn(now, t.Service) {
				pos[x] = j
			}
			ahead[t.Service] = pos
		}
		v := t.Clone()
		v.WaitingAhead = pos[t]
		v.EstimatedWaitS = estimates[t]
		out[i] = v
	}
	return out
}

// Counter returns a copy of a counter with its current ticket.
func (e *Engine) Counter(id int) (*hallq.Counter, error) {
	c := e.counters[id]
	if c == nil {
		return nil, hallq.Errorf(hallq.ENOTFOUND, "no counter %d", id)
	}
	return e.counterView(c), nil
}
