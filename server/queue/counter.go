package queue

import (
	"time"

	"github.com/hallq/hallq"
)

// Open opens a counter with by.User as its officer, or resumes a paused one
// (same officer). EFORBIDDEN if another officer holds it; EINVALID if by
// is not a staff user.
//
// An admin may open any counter: a free one becomes theirs, a paused one
// held by an officer resumes for that officer (an admin acts for the
// counter's officer, never takes it over). Opening a counter that is
// already open for the same officer changes nothing (nil Change).
func (e *Engine) Open(now time.Time, counter int, by Actor) (*hallq.Counter, *Change, error) {
	c := e.counters[counter]
	if c == nil {
		return nil, nil, hallq.Errorf(hallq.ENOTFOUND, "no counter %d", counter)
	}
	if by.User == "" {
		return nil, nil, hallq.Errorf(hallq.EINVALID, "only a staff user can open counter %d", counter)
	}
	if err := e.mayAct(c, by); err != nil {
		return nil, nil, err
	}
	if c.State == hallq.CounterOpen {
		return e.counterView(c), nil, nil
	}
	b := e.begin(now, actorName(by))
	reason := ""
	if c.State == hallq.CounterPaused {
		reason = "resume"
	}
	if c.Officer == "" {
		c.Officer = by.User
	}
	c.State = hallq.CounterOpen
	b.counter(c)
	b.emit(hallq.Event{Type: hallq.EventCounterOpened, Counter: c.ID, Officer: c.Officer, Reason: reason})
	return e.counterView(c), b.done(), nil
}

// Pause stops calls at an open counter; its current ticket stays.
// ECONFLICT ("counter_closed") for a closed counter; pausing a paused
// counter changes nothing (nil Change).
func (e *Engine) Pause(now time.Time, counter int, by Actor) (*hallq.Counter, *Change, error) {
	c, officer, actor, err := e.atCounter(counter, by)
	if err != nil {
		return nil, nil, err
	}
	switch c.State {
	case hallq.CounterClosed:
		return nil, nil, errReason(hallq.ECONFLICT, "counter_closed", "counter %d is closed", c.ID)
	case hallq.CounterPaused:
		return e.counterView(c), nil, nil
	}
	b := e.begin(now, actor)
	c.State = hallq.CounterPaused
	b.counter(c)
	b.emit(hallq.Event{Type: hallq.EventCounterPaused, Counter: c.ID, Officer: officer})
	return e.counterView(c), b.done(), nil
}

// Close closes a counter and clears its officer. ECONFLICT (reason "busy")
// while a ticket is called or in service there.
// Closing a closed counter changes nothing (nil Change).
func (e *Engine) Close(now time.Time, counter int, by Actor) (*hallq.Counter, *Change, error) {
	c, officer, actor, err := e.atCounter(counter, by)
	if err != nil {
		return nil, nil, err
	}
	if c.State == hallq.CounterClosed {
		return e.counterView(c), nil, nil
	}
	if c.CurrentID != "" {
		return nil, nil, e.busy(c)
	}
	b := e.begin(now, actor)
	c.State, c.Officer = hallq.CounterClosed, ""
	b.counter(c)
	b.emit(hallq.Event{Type: hallq.EventCounterClosed, Counter: c.ID, Officer: officer})
	return e.counterView(c), b.done(), nil
}

// atCounter finds a counter and checks that by may act there. It returns
// the officer the action is recorded for (the counter's) and the actor.
//
// A staff user may act at a counter nobody holds or that they hold; an
// admin anywhere (for the counter's officer); anyone else gets EFORBIDDEN.
// A device (a call pad, already checked to be bound to the counter) acts for
// the counter's officer: ECONFLICT ("no_officer") when there is none.
// With neither a user nor a device: EINVALID.
func (e *Engine) atCounter(id int, by Actor) (c *hallq.Counter, officer, actor string, err error) {
	c = e.counters[id]
	if c == nil {
		return nil, "", "", hallq.Errorf(hallq.ENOTFOUND, "no counter %d", id)
	}
	switch {
	case by.User != "":
		if err := e.mayAct(c, by); err != nil {
			return nil, "", "", err
		}
	case by.Device != "":
		if c.Officer == "" {
			return nil, "", "", errReason(hallq.ECONFLICT, "no_officer", "counter %d has no officer: open it from the console first", c.ID)
		}
	default:
		return nil, "", "", hallq.Errorf(hallq.EINVALID, "an action at counter %d needs a user or a device", c.ID)
	}
	return c, c.Officer, actorName(by), nil
}

// mayAct checks that staff user by may act at c.
func (e *Engine) mayAct(c *hallq.Counter, by Actor) error {
	if c.Officer != "" && c.Officer != by.User && by.Role != hallq.RoleAdmin {
		return hallq.Errorf(hallq.EFORBIDDEN, "counter %d is held by %s", c.ID, c.Officer)
	}
	return nil
}

// busy is the error for a counter that still has a ticket called or in service.
func (e *Engine) busy(c *hallq.Counter) error {
	label := c.CurrentID
	if t := e.tickets[c.CurrentID]; t != nil {
		label = t.Label
	}
	return errReason(hallq.ECONFLICT, "busy", "counter %d still has %s: finish it, mark a no-show or transfer it first", c.ID, label)
}

// counterView is a copy of c with its current ticket.
func (e *Engine) counterView(c *hallq.Counter) *hallq.Counter {
	v := cloneCounter(c)
	v.Current = nil
	if t := e.tickets[c.CurrentID]; t != nil && c.CurrentID != "" {
		v.Current = t.Clone()
	}
	return v
}
