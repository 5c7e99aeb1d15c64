package hallq

import (
	"crypto/sha256"
	"encoding/binary"
	"time"
)

// EventType names what happened.
type EventType string

// Event types (docs/API.md lists them with their fields).
const (
	EventTicketIssued      EventType = "ticket.issued"
	EventTicketCalled      EventType = "ticket.called"
	EventTicketRecalled    EventType = "ticket.recalled"
	EventTicketStarted     EventType = "ticket.started"
	EventTicketFinished    EventType = "ticket.finished"
	EventTicketNoShow      EventType = "ticket.no_show"
	EventTicketTransferred EventType = "ticket.transferred"
	EventTicketCancelled   EventType = "ticket.cancelled"
	EventTicketRequeued    EventType = "ticket.requeued"
	EventTicketPriority    EventType = "ticket.priority"
	EventTicketPrinted     EventType = "ticket.printed"
	EventCounterOpened     EventType = "counter.opened"
	EventCounterPaused     EventType = "counter.paused"
	EventCounterClosed     EventType = "counter.closed"
	EventRatingRecorded    EventType = "rating.recorded"
	EventHallNotice        EventType = "hall.notice"
	// Bookings (issue 19): made (on the hall's page or imported),
	// cancelled, checked in at a kiosk (after the ticket.issued of its
	// ticket), or missed (its check-in window passed).
	EventBookingMade      EventType = "booking.made"
	EventBookingCancelled EventType = "booking.cancelled"
	EventBookingCheckedIn EventType = "booking.checked_in"
	EventBookingNoShow    EventType = "booking.no_show"
	// EventBookingOffer says what a bookable service offers on the
	// hall's day: its slots and the places in each (Offer). The hall
	// records it when the day begins and again whenever the offer
	// changes; the day's last one is what the reports count.
	EventBookingOffer EventType = "booking.offer"
)

// Event is one entry of the hall's log, numbered without gaps. Its JSON form
// is the API contract (docs/API.md).
type Event struct {
	Seq     int64     `json:"seq"`
	Type    EventType `json:"type"`
	At      time.Time `json:"at"`
	Ticket  *Ticket   `json:"ticket,omitempty"`
	Counter int       `json:"counter,omitempty"`
	Officer string    `json:"officer,omitempty"`
	// Actor is who did it: "user:NAME", "device:NAME" or "system".
	Actor string `json:"actor,omitempty"`
	// Service is the target service of a transfer.
	Service    string  `json:"service,omitempty"`
	Reason     string  `json:"reason,omitempty"`
	OutOfOrder bool    `json:"out_of_order,omitempty"`
	NewTicket  *Ticket `json:"new_ticket,omitempty"` // the waiting ticket a transfer made
	Rating     *Rating `json:"rating,omitempty"`
	Text       string  `json:"text,omitempty"` // notice text
	// Targets are the hall's targets from now on, PreviousTargets the
	// ones until now (EventHallTargets).
	Targets         *Targets `json:"targets,omitempty"`
	PreviousTargets *Targets `json:"previous_targets,omitempty"`
	// Booking is the booking of a booking.* event, as Booking.Logged
	// keeps it (no name or phone).
	Booking *Booking `json:"booking,omitempty"`
	// Offer is a service's slots of a day (EventBookingOffer).
	Offer *BookingOffer `json:"offer,omitempty"`
}

// RawEvent is an event as the hall's log stores it: its sequence number
// and its JSON, exactly as the stream sends it and the central store
// receives it, so that neither decodes and encodes it again.
type RawEvent struct {
	Seq  int64
	JSON []byte
	// Chain is the log's hash chain at this event (see ChainNext); set by
	// the hall's store, for the central store to tell one history from
	// another.
	Chain []byte
}

// ChainNext is the log's hash chain after the event seq with stored JSON
// body, given the chain after the event before it (nil before the first):
// SHA-256(prev ‖ seq as 8 bytes big-endian ‖ body). Two logs with the same
// chain at seq hold the same events up to seq; a hall whose database was
// replaced by an older copy, or a second server shipping as the same hall,
// differ from the central store's copy at the first event they do not
// share, and at every event after it. The central store computes the same
// function (central/migrations), byte for byte.
func ChainNext(prev []byte, seq int64, body []byte) []byte {
	h := sha256.New()
	h.Write(prev)
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(seq))
	h.Write(b[:])
	h.Write(body)
	return h.Sum(nil)
}
