package hallq

// What anyone may see. A hall's TVs, citizens' phones and anyone on the
// hall's network who opens the stream or the hall view without a staff
// session get the public part of the hall only: the calls, the counters'
// states, the queues' figures and the notice — never a rating, nor which
// officer or device did what (docs/API.md, "The public event set").

// publicEvents are the event types a public subscriber receives; with
// hall.configured (an admin changed a service or counter: screens reload
// the hall).
var publicEvents = map[EventType]bool{
	EventTicketIssued:      true,
	EventTicketCalled:      true,
	EventTicketRecalled:    true,
	EventTicketStarted:     true,
	EventTicketFinished:    true,
	EventTicketNoShow:      true,
	EventTicketTransferred: true,
	EventTicketCancelled:   true,
	EventTicketRequeued:    true,
	EventTicketPriority:    true,
	EventTicketPrinted:     true,
	EventCounterOpened:     true,
	EventCounterPaused:     true,
	EventCounterClosed:     true,
	EventHallNotice:        true,
	"hall.configured":      true,
}

// EventStaffOnly stands, for a public subscriber, in the place of an
// event only staff see (a rating, a change of targets): its sequence
// number and nothing else, so that the stream stays without gaps and a
// screen that resumes knows where it is.
const EventStaffOnly EventType = "staff_only"

// PublicEvent reports whether events of type t reach public subscribers.
func PublicEvent(t EventType) bool { return publicEvents[t] }

// Public is the event as a public subscriber receives it: no actor,
// officer, reason or rating, its tickets as Ticket.Public shows them; an
// event of a type only staff see becomes an EventStaffOnly with its seq.
func (e *Event) Public() Event {
	if !publicEvents[e.Type] {
		return Event{Seq: e.Seq, Type: EventStaffOnly, At: e.At}
	}
	p := Event{Seq: e.Seq, Type: e.Type, At: e.At, Counter: e.Counter, Service: e.Service, OutOfOrder: e.OutOfOrder}
	if e.Type == EventHallNotice {
		p.Text = e.Text
	}
	if e.Ticket != nil {
		p.Ticket = e.Ticket.Public()
	}
	if e.NewTicket != nil {
		p.NewTicket = e.NewTicket.Public()
	}
	return p
}

// Public is what anyone may know of a ticket: its label, service, state,
// place and times, not who issued, served, rated or cancelled it, nor the
// link that lets its holder follow it.
func (t *Ticket) Public() *Ticket {
	p := t.Clone()
	p.Officer = ""
	p.Device = ""
	p.Rating = 0
	p.Reason = ""
	p.StatusURL = ""
	p.Secret = ""
	p.IdempotencyKey = ""
	p.Booking = "" // the code checks a citizen in: only its holder and staff see it
	p.Flagged = false
	return p
}

// Public is the hall view without staff attribution: counters without
// their officers, the recent calls as public events.
func (v HallView) Public() HallView {
	p := v
	p.Counters = make([]Counter, len(v.Counters))
	for i, c := range v.Counters {
		c.Officer = ""
		if c.Current != nil {
			c.Current = c.Current.Public()
		}
		p.Counters[i] = c
	}
	p.Recent = make([]Event, 0, len(v.Recent))
	for _, ev := range v.Recent {
		if PublicEvent(ev.Type) {
			p.Recent = append(p.Recent, ev.Public())
		}
	}
	return p
}
