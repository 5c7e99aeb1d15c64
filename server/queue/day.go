package queue

import (
	"maps"
	"slices"
	"time"

	"github.com/hallq/hallq"
)

// reasonDayClosed is the reason of everything the end of day does.
const reasonDayClosed = "day_closed"

// Tick applies the calendar: when the local day of now differs from Day, or
// now has passed the hall's closing time on Day and that closing has not been
// processed, it ends the day — waiting tickets are cancelled (reason
// "day_closed"), called ones become no-shows (reason "day_closed"), ones in
// service are finished and Flagged; open or paused counters are closed — and
// when the date changed, it starts the new day with numbering from the start.
// It also records a change of the hall's targets made while the hall was
// stopped (State.Targets). It returns nil when there was nothing to do.
//
// A brand-new hall (Day "") just takes now's date. A clock that reads a date
// before Day (it was set back) rolls nothing: the numbering stays on Day so
// that no number is given twice. When the date changed, the tickets of the
// earlier days leave the engine's memory (they are all finished by then).
func (e *Engine) Tick(now time.Time) *Change {
	e.advancePace(now)
	local := e.local(now)
	today := local.Format(dayLayout)
	b := e.begin(now, "system")
	changed := false
	switch {
	case e.day == "":
		e.day = today
		changed = true
	case today > e.day:
		e.endDay(b)
		e.closedDay = e.day
		e.startDay(b, today)
		changed = true
	}
	if e.pastClosing(local) {
		e.endDay(b)
		e.closedDay = e.day
		changed = true
	}
	if changed {
		b.ch.Day = &DayState{Day: e.day, ClosedDay: e.closedDay}
	}
	if e.unrecorded != nil {
		e.emitTargets(b, *e.unrecorded, e.targets)
		e.unrecorded = nil
		changed = true
	}
	if !changed {
		return nil
	}
	return b.done()
}

// pastClosing reports whether local is past the closing time of Day and that
// closing is still to be processed.
func (e *Engine) pastClosing(local time.Time) bool {
	return e.closeMin >= 0 && e.closedDay != e.day && local.Format(dayLayout) == e.day &&
		local.Hour()*60+local.Minute() >= e.closeMin
}

// dayClosed reports whether the closing of Day has been processed: no more
// tickets are issued until the date changes.
func (e *Engine) dayClosed() bool { return e.day != "" && e.closedDay == e.day }

// endDay finishes every active ticket and closes every counter.
func (e *Engine) endDay(b *batch) {
	var active []*hallq.Ticket
	for _, t := range e.tickets {
		if t.State.Active() {
			active = append(active, t)
		}
	}
	slices.SortFunc(active, issueOrder)
	for _, t := range active {
		e.endTicket(b, t)
	}
	for _, id := range slices.Sorted(maps.Keys(e.counters)) {
		c := e.counters[id]
		if c.State == hallq.CounterClosed {
			continue
		}
		officer := c.Officer
		c.State, c.Officer = hallq.CounterClosed, ""
		b.counter(c)
		b.emit(hallq.Event{Type: hallq.EventCounterClosed, Counter: c.ID, Officer: officer, Reason: reasonDayClosed})
	}
}

// endTicket ends one active ticket at the end of day.
func (e *Engine) endTicket(b *batch, t *hallq.Ticket) {
	ev := hallq.Event{Ticket: t, Counter: t.Counter, Officer: t.Officer, Reason: reasonDayClosed}
	switch t.State {
	case hallq.StateWaiting:
		t.State = hallq.StateCancelled
		ev.Type = hallq.EventTicketCancelled
		ev.Counter, ev.Officer = 0, ""
		e.removeWaiting(t)
	case hallq.StateCalled:
		t.State = hallq.StateNoShow
		ev.Type = hallq.EventTicketNoShow
	case hallq.StateServing:
		t.State = hallq.StateDone
		t.Flagged = true
		ev.Type = hallq.EventTicketFinished
	}
	t.Reason = reasonDayClosed
	t.FinishedAt = new(b.at)
	if c := e.counters[t.Counter]; c != nil && c.CurrentID == t.ID {
		c.CurrentID = ""
		b.counter(c)
	}
	b.ticket(t)
	b.emit(ev)
}

// startDay begins day: numbering from the start, and the earlier days'
// (finished) tickets and figures leave memory.
func (e *Engine) startDay(b *batch, day string) {
	e.day = day
	clear(e.lastNumbers)
	for id, t := range e.tickets {
		if t.Day != day && !t.State.Active() {
			delete(e.tickets, id)
		}
	}
	for k, t := range e.idem {
		if e.tickets[t.ID] != t {
			delete(e.idem, k)
		}
	}
	clear(e.ratings)
	for id := range e.rated {
		if e.tickets[id] == nil {
			delete(e.rated, id)
		}
	}
	e.recent = nil
	clear(e.lastCalled)
	clear(e.lastCallAt)
	clear(e.served)
	clear(e.occupied)
	e.occupiedAll = window{}
	e.turnaround = window{}
	e.transfers = nil
	e.issued = nil
	e.resetPace()
	clear(e.freedAt)
	for _, id := range slices.Sorted(maps.Keys(e.counters)) {
		if c := e.counters[id]; c.SincePriority != 0 {
			c.SincePriority = 0
			b.counter(c)
		}
	}
}
