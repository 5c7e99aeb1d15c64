package queue

import (
	"time"

	"github.com/hallq/hallq"
)

// recentMax is how many calls HallView.Recent keeps.
const recentMax = 10

// Next calls the next waiting ticket for a counter under the hall's priority
// policy, then the counter's service order, then the oldest issue time,
// passing over tickets held while their kiosk prints them. It returns a nil
// ticket and nil Change when nobody waits (or only held tickets do).
// ECONFLICT when the counter is closed ("counter_closed"), paused
// ("counter_paused"), has no officer ("no_officer") or still has a ticket
// called or in service ("busy").
func (e *Engine) Next(now time.Time, counter int, by Actor) (*hallq.Ticket, *Change, error) {
	c, officer, actor, err := e.atCounter(counter, by)
	if err != nil {
		return nil, nil, err
	}
	if err := e.mayCall(c); err != nil {
		return nil, nil, err
	}
	t := e.orderFor(now, c).first(e.candidates(now, c))
	if t == nil {
		return nil, nil, nil
	}
	b := e.begin(now, actor)
	e.call(b, c, t, officer, false)
	return t.Clone(), b.done(), nil
}

// Call calls a specific waiting ticket of a service the counter serves,
// recorded as out of order.
//
// The call is recorded as out of order (Ticket.OutOfOrder, which then stays
// set, and Event.OutOfOrder) only when the ticket is not the one Next would
// have called, so that reports count real departures from the order.
// ECONFLICT with reason "not_waiting" for a ticket that is not waiting,
// "not_served" for one of a service the counter does not serve and
// "printing" for one still held for its kiosk's print.
func (e *Engine) Call(now time.Time, counter int, ticketID string, by Actor) (*hallq.Ticket, *Change, error) {
	c, officer, actor, err := e.atCounter(counter, by)
	if err != nil {
		return nil, nil, err
	}
	if err := e.mayCall(c); err != nil {
		return nil, nil, err
	}
	t, err := e.ticketIn(ticketID, hallq.StateWaiting)
	if err != nil {
		return nil, nil, err
	}
	if !c.Serves(t.Service) {
		return nil, nil, errReason(hallq.ECONFLICT, "not_served", "counter %d does not serve service %s", c.ID, t.Service)
	}
	if t.Held(now) {
		return nil, nil, errReason(hallq.ECONFLICT, "printing", "ticket %s is still being printed: it can be called once the kiosk confirms it, by %s at the latest",
			t.Label, e.local(*t.HeldUntil).Format(time.TimeOnly))
	}
	outOfOrder := e.orderFor(now, c).first(e.candidates(now, c)) != t
	b := e.begin(now, actor)
	e.call(b, c, t, officer, outOfOrder)
	return t.Clone(), b.done(), nil
}

// mayCall checks that counter c can call a ticket now.
func (e *Engine) mayCall(c *hallq.Counter) error {
	switch {
	case c.State == hallq.CounterClosed:
		return errReason(hallq.ECONFLICT, "counter_closed", "counter %d is closed: open it first", c.ID)
	case c.State == hallq.CounterPaused:
		return errReason(hallq.ECONFLICT, "counter_paused", "counter %d is paused: resume it first", c.ID)
	case c.CurrentID != "":
		return e.busy(c)
	}
	return nil
}

// call moves waiting ticket t to counter c.
func (e *Engine) call(b *batch, c *hallq.Counter, t *hallq.Ticket, officer string, outOfOrder bool) {
	e.removeWaiting(t)
	t.State = hallq.StateCalled
	t.HeldUntil = nil
	if t.CalledAt == nil {
		t.CalledAt = new(b.at)
	}
	if t.QueuedAt != nil {
		t.WaitedMS += max(b.at.Sub(*t.QueuedAt).Milliseconds(), 0)
	}
	t.LastCalledAt = new(b.at)
	t.Counter, t.Officer = c.ID, officer
	if outOfOrder {
		t.OutOfOrder = true
	}
	c.CurrentID = t.ID
	if frontAt(t, b.at) {
		c.SincePriority = 0
	} else {
		c.SincePriority++
	}
	e.lastCallAt[t.ID] = b.at
	e.recordTurnaround(c, b.at)
	e.lastCalled[t.Service] = t.Label
	b.ticket(t)
	b.counter(c)
	e.pushRecent(b.emit(hallq.Event{Type: hallq.EventTicketCalled, Ticket: t, Counter: c.ID, Officer: officer, OutOfOrder: outOfOrder}))
}

// pushRecent keeps a call or recall event for HallView.Recent.
// The ticket is copied again: the event also goes out in the Change, whose
// readers may decorate it.
func (e *Engine) pushRecent(ev hallq.Event) {
	if ev.Ticket != nil {
		ev.Ticket = ev.Ticket.Clone()
	}
	e.recent = hallq.PushRecentCall(e.recent, ev, recentMax)
}

// current is the ticket called or in service at the counter: ECONFLICT
// ("nothing_called") when there is none.
func (e *Engine) current(c *hallq.Counter) (*hallq.Ticket, error) {
	t := e.tickets[c.CurrentID]
	if c.CurrentID == "" || t == nil {
		return nil, errReason(hallq.ECONFLICT, "nothing_called", "nothing is called at counter %d", c.ID)
	}
	return t, nil
}

// calledAt is the counter's current ticket, which must be called and not
// yet in service: ECONFLICT ("nothing_called" or "already_started").
func (e *Engine) calledAt(c *hallq.Counter) (*hallq.Ticket, error) {
	t, err := e.current(c)
	if err != nil {
		return nil, err
	}
	if t.State != hallq.StateCalled {
		return nil, errReason(hallq.ECONFLICT, "already_started", "%s is already in service at counter %d", t.Label, c.ID)
	}
	return t, nil
}

// atCurrent holds the steps Recall, Start, Finish and NoShow share: the
// counter and its officer, the ticket pick chooses there (current or
// calledAt, which refuse when there is none), then op on them in one batch.
func (e *Engine) atCurrent(now time.Time, counter int, by Actor, pick func(*hallq.Counter) (*hallq.Ticket, error),
	op func(b *batch, c *hallq.Counter, t *hallq.Ticket, officer string)) (*hallq.Ticket, *Change, error) {
	c, officer, actor, err := e.atCounter(counter, by)
	if err != nil {
		return nil, nil, err
	}
	t, err := pick(c)
	if err != nil {
		return nil, nil, err
	}
	b := e.begin(now, actor)
	op(b, c, t, officer)
	return t.Clone(), b.done(), nil
}

// Recall repeats the call of the counter's called ticket. When it has been
// recalled Settings.MaxRecalls times already (and MaxRecalls > 0) it becomes
// a no-show instead (event ticket.no_show, reason "max_recalls").
// ECONFLICT ("already_started") for a ticket in service.
func (e *Engine) Recall(now time.Time, counter int, by Actor) (*hallq.Ticket, *Change, error) {
	return e.atCurrent(now, counter, by, e.calledAt, func(b *batch, c *hallq.Counter, t *hallq.Ticket, officer string) {
		if limit := e.settings.MaxRecalls; limit > 0 && t.Recalls >= limit {
			e.noShow(b, c, t, officer, "max_recalls")
			return
		}
		t.Recalls++
		// lastCallAt stays: a recall is the same call, and a late rating press
		// made before it still belongs to this ticket.
		e.lastCalled[t.Service] = t.Label
		b.ticket(t)
		e.pushRecent(b.emit(hallq.Event{Type: hallq.EventTicketRecalled, Ticket: t, Counter: c.ID, Officer: officer}))
	})
}

// Start marks the counter's called ticket as in service.
// ECONFLICT ("already_started") when it already is.
func (e *Engine) Start(now time.Time, counter int, by Actor) (*hallq.Ticket, *Change, error) {
	return e.atCurrent(now, counter, by, e.calledAt, func(b *batch, c *hallq.Counter, t *hallq.Ticket, officer string) {
		t.State = hallq.StateServing
		t.StartedAt = new(b.at)
		b.ticket(t)
		b.emit(hallq.Event{Type: hallq.EventTicketStarted, Ticket: t, Counter: c.ID, Officer: officer})
	})
}

// Finish ends service of the counter's called or serving ticket.
func (e *Engine) Finish(now time.Time, counter int, by Actor) (*hallq.Ticket, *Change, error) {
	return e.atCurrent(now, counter, by, e.current, func(b *batch, c *hallq.Counter, t *hallq.Ticket, officer string) {
		e.release(b, c, t, hallq.StateDone)
		b.ticket(t)
		b.counter(c)
		b.emit(hallq.Event{Type: hallq.EventTicketFinished, Ticket: t, Counter: c.ID, Officer: officer})
	})
}

// NoShow marks the counter's called ticket as a no-show.
// ECONFLICT ("already_started") for a ticket in service.
func (e *Engine) NoShow(now time.Time, counter int, by Actor) (*hallq.Ticket, *Change, error) {
	return e.atCurrent(now, counter, by, e.calledAt, func(b *batch, c *hallq.Counter, t *hallq.Ticket, officer string) {
		e.noShow(b, c, t, officer, "")
	})
}

func (e *Engine) noShow(b *batch, c *hallq.Counter, t *hallq.Ticket, officer, reason string) {
	t.Reason = reason
	e.release(b, c, t, hallq.StateNoShow)
	b.ticket(t)
	b.counter(c)
	b.emit(hallq.Event{Type: hallq.EventTicketNoShow, Ticket: t, Counter: c.ID, Officer: officer, Reason: reason})
}

// release ends ticket t at counter c in a final state (done, no-show,
// transferred): the counter is free and the service time counts.
func (e *Engine) release(b *batch, c *hallq.Counter, t *hallq.Ticket, state hallq.TicketState) {
	t.State = state
	t.FinishedAt = new(b.at)
	c.CurrentID = ""
	e.recordServiceTime(t)
}

// Transfer moves the counter's current ticket to another service: the old
// ticket becomes transferred, and a new waiting ticket (fresh id from NewID,
// same label and number, original issue time, TransferredFrom set) joins the
// target service's queue. It returns the new ticket.
//
// EINVALID for an empty target or the ticket's own service (reason
// "same_service"), ENOTFOUND for an unknown one. The new ticket keeps the
// priority; it has no issuing device or idempotency key, and no issue-time
// estimate (it was never printed).
func (e *Engine) Transfer(now time.Time, counter int, service string, by Actor) (*hallq.Ticket, *Change, error) {
	if service == "" {
		return nil, nil, hallq.Errorf(hallq.EINVALID, "a transfer needs a target service")
	}
	c, officer, actor, err := e.atCounter(counter, by)
	if err != nil {
		return nil, nil, err
	}
	if e.services[service] == nil {
		return nil, nil, hallq.Errorf(hallq.ENOTFOUND, "no service %q", service)
	}
	t, err := e.current(c)
	if err != nil {
		return nil, nil, err
	}
	if t.Service == service {
		return nil, nil, errReason(hallq.EINVALID, "same_service", "%s is already in service %s", t.Label, service)
	}
	id, secret := e.NewID()
	if id == "" || e.tickets[id] != nil {
		return nil, nil, hallq.Errorf(hallq.EINTERNAL, "queue: NewID gave an empty or taken id %q", id)
	}
	b := e.begin(now, actor)
	nt := &hallq.Ticket{
		ID:              id,
		Label:           t.Label,
		Number:          t.Number,
		Service:         service,
		Priority:        t.Priority,
		State:           hallq.StateWaiting,
		Day:             t.Day,
		IssuedAt:        t.IssuedAt,
		IssueSeq:        t.IssueSeq,
		QueuedAt:        new(b.at),
		TargetWaitS:     new(e.services[service].TargetWaitMin * 60),
		TransferredFrom: t.ID,
		Secret:          secret,
		// A booked citizen's next service takes them in its front group:
		// their time is kept there too.
		Booking: t.Booking,
	}
	if t.SlotAt != nil {
		nt.SlotAt = new(*t.SlotAt)
	}
	t.TransferredTo = id
	e.release(b, c, t, hallq.StateTransferred)
	e.tickets[nt.ID] = nt
	e.addWaiting(nt)
	e.transfers = append(e.transfers, transferIn{b.at, nt})
	b.ticket(t)
	b.ticket(nt)
	b.counter(c)
	b.emit(hallq.Event{Type: hallq.EventTicketTransferred, Ticket: t, NewTicket: nt, Service: service, Counter: c.ID, Officer: officer})
	return e.view(now, nt), b.done(), nil
}
