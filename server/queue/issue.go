package queue

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hallq/hallq"
)

// Issue gives a new ticket in a service. With a known (Device,
// IdempotencyKey) it returns the existing ticket and a nil Change. It
// refuses with ENOTFOUND for an unknown service, EINVALID for an unknown
// priority kind, EUNAVAILABLE (reason "outside_hours", "daily_cap") when the
// service takes no more tickets now. The ticket carries WaitingAhead and
// EstimatedWaitS as of issue (also kept in IssueAhead and IssueEstimateS).
//
// After the hall's closing time has been processed (see Tick) no ticket is
// issued until the next day: EUNAVAILABLE, reason "outside_hours". The
// ticket's Day is the engine's Day, which Tick keeps on the local date.
func (e *Engine) Issue(now time.Time, req IssueRequest) (*hallq.Ticket, *Change, error) {
	if req.IdempotencyKey != "" {
		if t := e.idem[idemKey{req.Device, req.IdempotencyKey}]; t != nil {
			if t.Service != req.Service {
				return nil, nil, &hallq.Error{Code: hallq.ECONFLICT, Reason: "key_reused",
					Message: fmt.Sprintf("idempotency_key %q was already used for ticket %s of service %s", req.IdempotencyKey, t.Label, t.Service)}
			}
			return e.view(now, t), nil, nil
		}
	}
	s := e.services[req.Service]
	if s == nil {
		return nil, nil, hallq.Errorf(hallq.ENOTFOUND, "no service %q", req.Service)
	}
	if req.Priority != "" && !slices.Contains(e.settings.PriorityKinds, req.Priority) {
		return nil, nil, hallq.Errorf(hallq.EINVALID, "unknown priority kind %q", req.Priority)
	}
	if req.Hold < 0 || req.Hold > MaxHold {
		return nil, nil, hallq.Errorf(hallq.EINVALID, "hold %v is outside 0–%v", req.Hold, MaxHold)
	}
	if (req.Booking == "") != req.SlotAt.IsZero() {
		return nil, nil, hallq.Errorf(hallq.EINVALID, "a booked ticket needs both its booking code and its slot start")
	}
	if req.ID == "" || req.Secret == "" {
		return nil, nil, hallq.Errorf(hallq.EINVALID, "a new ticket needs an id and a secret")
	}
	if e.tickets[req.ID] != nil {
		return nil, nil, hallq.Errorf(hallq.ECONFLICT, "ticket id %s is already taken", req.ID)
	}
	if e.day == "" {
		return nil, nil, hallq.Errorf(hallq.EINTERNAL, "queue: the day has not started (Tick first)")
	}
	if reason := e.closedReason(now, s); reason != "" {
		return nil, nil, errReason(hallq.EUNAVAILABLE, reason, "service %s takes no tickets now (%s)", s.Code, closedText(reason))
	}
	n := e.nextNumber(s)
	at := e.local(now)
	t := &hallq.Ticket{
		ID:             req.ID,
		Label:          s.Label(n),
		Number:         n,
		Service:        s.Code,
		Priority:       req.Priority,
		State:          hallq.StateWaiting,
		Day:            e.day,
		IssuedAt:       at,
		IssueSeq:       e.lastSeq + 1, // its ticket.issued event is the batch's first
		QueuedAt:       new(at),
		TargetWaitS:    new(s.TargetWaitMin * 60),
		Device:         req.Device,
		IdempotencyKey: req.IdempotencyKey,
		Secret:         req.Secret,
	}
	if req.Booking != "" {
		t.Booking = req.Booking
	}
	if !req.SlotAt.IsZero() {
		t.SlotAt = new(e.local(req.SlotAt))
	}
	if req.Hold > 0 {
		t.HeldUntil = new(at.Add(req.Hold))
	}
	e.tickets[t.ID] = t
	e.addWaiting(t)
	e.issued = append(e.issued, t)
	e.pace.count[keyOf(t)]++
	e.pace.day[keyOf(t)]++
	if req.IdempotencyKey != "" {
		e.idem[idemKey{req.Device, req.IdempotencyKey}] = t
	}
	e.lastNumbers[s.Code] = n
	e.advancePace(now)
	t.IssueAhead = e.ahead(now, t)
	t.IssueEstimateS = e.estimateTicket(now, t, false)
	t.EstimatedWaitS = t.IssueEstimateS

	b := e.begin(now, issuerActor(req.Device))
	b.ticket(t)
	b.ch.Numbers = []Number{{Day: e.day, Service: s.Code, Last: n}}
	ev := b.emit(hallq.Event{Type: hallq.EventTicketIssued, Ticket: t})
	ev.Ticket.WaitingAhead = t.IssueAhead // the stored row keeps only IssueAhead
	out := t.Clone()
	out.WaitingAhead = t.IssueAhead
	return out, b.done(), nil
}

// issuerActor names the issuer of a ticket for the event log: "system"
// for no device, the device's name, or the name as given when it is already
// an actor ("user:NAME": staff issuing with an idempotency key).
func issuerActor(device string) string {
	switch {
	case device == "":
		return "system"
	case strings.HasPrefix(device, "user:") || strings.HasPrefix(device, "device:"):
		return device
	}
	return "device:" + device
}

// nextNumber is the number the service gives next, which may be past its
// last number (the range is exhausted).
func (e *Engine) nextNumber(s *hallq.Service) int {
	last, ok := e.lastNumbers[s.Code]
	if !ok {
		return s.FirstNumber()
	}
	return max(last+1, s.FirstNumber())
}

// closedReason says why a service takes no tickets at now, or "".
func (e *Engine) closedReason(now time.Time, s *hallq.Service) string {
	if !s.OpenAt(e.local(now)) || e.dayClosed() {
		return "outside_hours"
	}
	n := e.nextNumber(s)
	if n > s.LastNumber() || (s.DailyCap > 0 && n-s.FirstNumber() >= s.DailyCap) {
		return "daily_cap"
	}
	return ""
}

func closedText(reason string) string {
	if reason == "daily_cap" {
		return "no numbers left today"
	}
	return "outside opening hours"
}

// Printed releases the hold on a ticket whose issuer (device, or staff
// user) reports it printed, so counters may call it. A ticket that is not
// held (the hold lapsed and it was called, or it never had one) is
// answered as it is, with a nil Change: a retried confirmation changes
// nothing. EFORBIDDEN when by is not the issuer; ECONFLICT (reason
// "not_waiting") for a cancelled ticket, whose number must not be on paper.
func (e *Engine) Printed(now time.Time, ticketID string, by Actor) (*hallq.Ticket, *Change, error) {
	t := e.tickets[ticketID]
	if t == nil {
		return nil, nil, hallq.Errorf(hallq.ENOTFOUND, "no ticket %q", ticketID)
	}
	issuer := by.Device
	if by.User != "" {
		issuer = "user:" + by.User // staff issue under that name (server/tickets.go)
	}
	if issuer == "" || issuer != t.Device {
		return nil, nil, hallq.Errorf(hallq.EFORBIDDEN, "only the issuer of ticket %s (%s) may confirm its print", t.Label, t.Device)
	}
	if t.State == hallq.StateCancelled {
		return nil, nil, errReason(hallq.ECONFLICT, "not_waiting", "ticket %s was cancelled (%s): it should not have printed", t.Label, t.Reason)
	}
	if t.HeldUntil == nil {
		return e.view(now, t), nil, nil
	}
	b := e.begin(now, actorName(by))
	t.HeldUntil = nil
	b.ticket(t)
	b.emit(hallq.Event{Type: hallq.EventTicketPrinted, Ticket: t})
	return e.view(now, t), b.done(), nil
}

// Cancel takes a waiting ticket out of the queue (state cancelled, Reason
// reason). ECONFLICT if it is not waiting; EINVALID for a reason longer
// than hallq.MaxReasonLen or with control characters.
func (e *Engine) Cancel(now time.Time, ticketID, reason string, by Actor) (*hallq.Ticket, *Change, error) {
	if err := hallq.CheckText("reason", reason, hallq.MaxReasonLen, false); err != nil {
		return nil, nil, err
	}
	t, err := e.ticketIn(ticketID, hallq.StateWaiting)
	if err != nil {
		return nil, nil, err
	}
	b := e.begin(now, actorName(by))
	e.removeWaiting(t)
	t.State = hallq.StateCancelled
	t.HeldUntil = nil
	t.Reason = reason
	t.FinishedAt = new(b.at)
	b.ticket(t)
	b.emit(hallq.Event{Type: hallq.EventTicketCancelled, Ticket: t, Reason: reason})
	return t.Clone(), b.done(), nil
}

// Requeue puts a no-show back into its service's queue, keeping its issue
// time. ECONFLICT unless it is a no-show of the current day.
//
// The ticket keeps CalledAt (its first call) and the time it has waited
// (WaitedMS); it joins the queue again now (QueuedAt), so that its next
// call adds the second wait to WaitedMS and its service time runs from
// that call (LastCalledAt). Its counter, officer, finish time, reason and
// recall count are cleared, so that its next call has every recall again.
func (e *Engine) Requeue(now time.Time, ticketID string, by Actor) (*hallq.Ticket, *Change, error) {
	t, err := e.ticketIn(ticketID, hallq.StateNoShow)
	if err != nil {
		return nil, nil, err
	}
	if t.Day != e.day {
		return nil, nil, errReason(hallq.ECONFLICT, reasonDayClosed, "ticket %s is a no-show of %s, not of today", t.Label, t.Day)
	}
	b := e.begin(now, actorName(by))
	t.State = hallq.StateWaiting
	t.Counter, t.Officer = 0, ""
	t.FinishedAt = nil
	t.Reason = ""
	t.Recalls = 0
	t.QueuedAt = new(b.at)
	e.addWaiting(t)
	b.ticket(t)
	b.emit(hallq.Event{Type: hallq.EventTicketRequeued, Ticket: t})
	return e.view(now, t), b.done(), nil
}

// MarkPriority makes a waiting ticket a priority one of the given kind
// (a kind from Settings.PriorityKinds; "" means the first kind).
// Marking a ticket with the kind it already has changes nothing (nil Change).
func (e *Engine) MarkPriority(now time.Time, ticketID, kind string, by Actor) (*hallq.Ticket, *Change, error) {
	if kind == "" {
		if len(e.settings.PriorityKinds) == 0 {
			return nil, nil, hallq.Errorf(hallq.EINVALID, "the hall has no priority kinds")
		}
		kind = e.settings.PriorityKinds[0]
	}
	if !slices.Contains(e.settings.PriorityKinds, kind) {
		return nil, nil, hallq.Errorf(hallq.EINVALID, "unknown priority kind %q", kind)
	}
	t, err := e.ticketIn(ticketID, hallq.StateWaiting)
	if err != nil {
		return nil, nil, err
	}
	if t.Priority == kind {
		return e.view(now, t), nil, nil
	}
	b := e.begin(now, actorName(by))
	e.removeWaiting(t)
	e.recountPace(t, -1)
	t.Priority = kind
	e.recountPace(t, +1)
	e.addWaiting(t)
	b.ticket(t)
	b.emit(hallq.Event{Type: hallq.EventTicketPriority, Ticket: t})
	return e.view(now, t), b.done(), nil
}

// ticketIn finds a ticket that must be in state want: ENOTFOUND or
// ECONFLICT (reason "not_waiting" or "not_no_show").
func (e *Engine) ticketIn(id string, want hallq.TicketState) (*hallq.Ticket, error) {
	t := e.tickets[id]
	if t == nil {
		return nil, hallq.Errorf(hallq.ENOTFOUND, "no ticket %q", id)
	}
	if t.State != want {
		return nil, errReason(hallq.ECONFLICT, "not_"+string(want), "ticket %s is %s, not %s", t.Label, stateText(t.State), stateText(want))
	}
	return t, nil
}

func stateText(s hallq.TicketState) string {
	switch s {
	case hallq.StateNoShow:
		return "a no-show"
	case hallq.StateServing:
		return "in service"
	}
	return string(s)
}
