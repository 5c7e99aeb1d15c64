package queue

import (
	"time"

	"github.com/hallq/hallq"
)

// Reasons a rating is kept without a ticket.
const (
	unattachedNoTicket     = "no_ticket"
	unattachedAlreadyRated = "already_rated"
)

// Rate records a rating pad press at a counter. The press happened at
// now − AgeMS; it attaches to the ticket at that counter that was then in
// service, or most recently finished (within Settings.RatingWindowMin), once
// per ticket. A press with no ticket to attach is recorded with Unattached
// set. The same (Device, DeviceSeq) again returns the first rating and a nil
// Change. EINVALID for a score off the scale.
//
// The ticket is the one of the counter whose latest call was the latest at
// or before the press and which is now done, called or in service (a no-show,
// transferred or cancelled ticket is skipped, so a press just after such a
// call goes to the ticket served before). A done ticket finished more than
// RatingWindowMin before the press gets nothing ("no_ticket"), nor does an
// already rated one ("already_rated"). ENOTFOUND for an unknown counter,
// EINVALID for a negative age.
func (e *Engine) Rate(now time.Time, req RateRequest) (*hallq.Rating, *Change, error) {
	if r := e.ratings[ratingKey{req.Device, req.DeviceSeq}]; r != nil {
		cp := *r
		return &cp, nil, nil
	}
	c := e.counters[req.Counter]
	if c == nil {
		return nil, nil, hallq.Errorf(hallq.ENOTFOUND, "no counter %d", req.Counter)
	}
	if !e.settings.ValidScore(req.Score) {
		return nil, nil, hallq.Errorf(hallq.EINVALID, "score %d is not on the hall's rating scale", req.Score)
	}
	if req.AgeMS < 0 {
		return nil, nil, hallq.Errorf(hallq.EINVALID, "age_ms must not be negative")
	}
	at := e.local(now)
	r := &hallq.Rating{
		Counter:   c.ID,
		Score:     req.Score,
		Device:    req.Device,
		DeviceSeq: req.DeviceSeq,
		PressedAt: at.Add(-time.Duration(req.AgeMS) * time.Millisecond),
		At:        at,
		AgeCapped: req.AgeCapped,
	}
	t, unattached := e.ratedTicket(c.ID, r.PressedAt)
	actor := "system"
	if req.Device != "" {
		actor = "device:" + req.Device
	}
	b := e.begin(now, actor)
	ev := hallq.Event{Type: hallq.EventRatingRecorded, Counter: c.ID, Officer: c.Officer}
	if t != nil {
		r.TicketID, r.Officer = t.ID, t.Officer
		t.Rating = r.Score
		e.rated[t.ID] = true
		b.ticket(t)
		ev.Ticket, ev.Officer = t, t.Officer
	} else {
		r.Unattached = unattached
	}
	e.ratings[ratingKey{r.Device, r.DeviceSeq}] = r
	ev.Rating = r
	b.emit(ev)
	cp := *r
	b.ch.Ratings = []*hallq.Rating{&cp}
	out := *r
	return &out, b.done(), nil
}

// ratedTicket finds the ticket a press at counter at pressed belongs to, or
// says why there is none.
func (e *Engine) ratedTicket(counter int, pressed time.Time) (*hallq.Ticket, string) {
	var best *hallq.Ticket
	var bestAt time.Time
	for _, t := range e.tickets {
		if t.Counter != counter || t.CalledAt == nil {
			continue
		}
		switch t.State {
		case hallq.StateDone, hallq.StateCalled, hallq.StateServing:
		default:
			continue
		}
		at, ok := e.lastCallAt[t.ID]
		if !ok {
			at = *t.CalledAt
		}
		if at.After(pressed) {
			continue
		}
		if best == nil || at.After(bestAt) || (at.Equal(bestAt) && t.ID > best.ID) {
			best, bestAt = t, at
		}
	}
	if best == nil {
		return nil, unattachedNoTicket
	}
	window := time.Duration(e.settings.RatingWindowMin) * time.Minute
	if best.State == hallq.StateDone && best.FinishedAt != nil && pressed.Sub(*best.FinishedAt) > window {
		return nil, unattachedNoTicket
	}
	if e.rated[best.ID] {
		return nil, unattachedAlreadyRated
	}
	return best, ""
}
