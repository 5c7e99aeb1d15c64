package queue

import (
	"time"

	"github.com/hallq/hallq"
)

// batch collects what one command does while it does it: the rows it
// touched and its events. A command validates everything before it begins a
// batch, so a batch always ends in a Change.
type batch struct {
	e        *Engine
	at       time.Time // now in the hall's time zone
	actor    string
	ch       Change
	tickets  []*hallq.Ticket
	counters []*hallq.Counter
}

func (e *Engine) begin(now time.Time, actor string) *batch {
	return &batch{e: e, at: e.local(now), actor: actor}
}

// ticket records that t is part of the change; its row is cloned at done.
func (b *batch) ticket(t *hallq.Ticket) {
	for _, x := range b.tickets {
		if x == t {
			return
		}
	}
	b.tickets = append(b.tickets, t)
}

// counter records that c is part of the change; its row is cloned at done.
func (b *batch) counter(c *hallq.Counter) {
	for _, x := range b.counters {
		if x == c {
			return
		}
	}
	b.counters = append(b.counters, c)
}

// emit appends an event with the next sequence number. The tickets and the
// rating it points to are cloned now, so the event shows them as they are
// at this step. It returns the event as appended.
func (b *batch) emit(ev hallq.Event) hallq.Event {
	b.e.lastSeq++
	ev.Seq = b.e.lastSeq
	ev.At = b.at
	if b.at.After(b.e.lastAt) {
		b.e.lastAt = b.at
	}
	if ev.Actor == "" {
		ev.Actor = b.actor
	}
	if ev.Ticket != nil {
		ev.Ticket = ev.Ticket.Clone()
	}
	if ev.NewTicket != nil {
		ev.NewTicket = ev.NewTicket.Clone()
	}
	if ev.Rating != nil {
		r := *ev.Rating
		ev.Rating = &r
	}
	b.ch.Events = append(b.ch.Events, ev)
	return ev
}

// done finishes the batch: full copies of every touched row.
func (b *batch) done() *Change {
	for _, t := range b.tickets {
		b.ch.Tickets = append(b.ch.Tickets, t.Clone())
	}
	for _, c := range b.counters {
		b.ch.Counters = append(b.ch.Counters, b.e.counterView(c))
	}
	return &b.ch
}
