// Package queue is the hall's queue engine: pure logic over the hall's
// in-memory state, with no I/O. Every command takes the time as an argument
// and returns the Change it made (rows to write and events to append), which
// the caller commits in one transaction before anyone learns of it.
//
// An Engine is not safe for concurrent use: the caller serialises commands
// and guards views with a lock.
//
// Rules every command follows:
//   - On error the engine's state is unchanged and the Change is nil.
//   - Errors are *hallq.Error with a code: EINVALID (bad argument: unknown
//     priority kind, score off the scale, empty transfer target), ENOTFOUND
//     (unknown service, counter or ticket), ECONFLICT (the state does not allow
//     it: finish with nothing called, next on a closed or paused counter, next
//     while a ticket is still called, cancel of a called ticket, …),
//     EFORBIDDEN (an officer acting at a counter another officer holds),
//     EUNAVAILABLE (service closed now, daily cap or number range exhausted).
//     Reason carries a short machine word where it helps a device
//     ("outside_hours", "daily_cap", "no_officer", "counter_closed",
//     "counter_paused", "busy", "nothing_called").
//   - Commands do not roll the day: the caller calls Tick(now) first in the
//     same batch. Tick is idempotent.
//   - Events get consecutive sequence numbers starting at LastSeq()+1.
package queue

import (
	"time"

	"github.com/hallq/hallq"
)

// State is everything the engine needs to resume after a restart; the store
// loads it and New builds an engine from it.
type State struct {
	Settings hallq.Settings
	Services []hallq.Service
	// Counters with CurrentID set where a ticket is at the counter.
	Counters []hallq.Counter
	// Tickets are every ticket of Day, plus any still-active ticket of an
	// earlier day (Tick closes those).
	Tickets []hallq.Ticket
	// Ratings are the ratings received on Day (for duplicate and
	// once-per-ticket checks).
	Ratings []hallq.Rating
	// LastNumbers is the last number given on Day, per service code.
	LastNumbers map[string]int
	// Day is the local date (YYYY-MM-DD) the numbering belongs to; "" in a new hall.
	Day string
	// ClosedDay is the last day whose closing time has been processed.
	ClosedDay string
	// LastSeq is the last event sequence number in the log.
	LastSeq int64
	// LastEventAt is the latest time the log's recent events carry; zero
	// for an empty log. A clock that reads earlier has been set back
	// (Engine.LastEventAt).
	LastEventAt time.Time
	// RecentCalls are Day's last call and recall events from the log,
	// newest first; when empty the engine rebuilds them from the tickets.
	RecentCalls []hallq.Event
	// Targets are the targets the log last recorded (the latest
	// hall.targets event); nil when it has none. When they differ from
	// what the settings and services set (they were changed with the hall
	// stopped), the next Tick records the change.
	Targets *hallq.Targets
	// Bookings are the bookings whose slots are on yesterday or later
	// (booking.go).
	Bookings []hallq.Booking
}

// Change is what one command did. The store writes it in one transaction;
// nothing in it may be published before that transaction commits.
type Change struct {
	// Tickets are full rows to insert or update.
	Tickets []*hallq.Ticket
	// Counters are full rows to update (CurrentID and SincePriority included).
	Counters []*hallq.Counter
	// Numbers are the new last numbers given, per (day, service).
	Numbers []Number
	// Events to append, with Seq already set, in order.
	Events []hallq.Event
	// EventJSON is each event's JSON as the store wrote it to the log, set
	// by the store when it commits: the hub sends it as it is instead of
	// encoding every event a second time.
	EventJSON [][]byte
	// Ratings to insert (ID is assigned by the store).
	Ratings []*hallq.Rating
	// Day is set when the day rolled or its closing was processed.
	Day *DayState
	// Settings is set when hall settings changed (e.g. the notice).
	Settings *hallq.Settings
	// Services are service definitions to insert or replace (PutService).
	// Counter definitions travel in Counters, whose rows carry name and
	// services.
	Services []*hallq.Service
	// Bookings are full booking rows to insert or update (their name and
	// phone are written only with a new row).
	Bookings []*hallq.Booking
}

// Number is a service's last given number on a day.
type Number struct {
	Day     string
	Service string
	Last    int
}

// DayState is the engine's calendar: the numbering day and the last closed day.
type DayState struct {
	Day       string
	ClosedDay string
}

// Actor is who asks for a command: a staff user or a device.
type Actor struct {
	User   string     // staff username, or ""
	Role   hallq.Role // the user's role
	Device string     // device name, or ""
}

// IssueRequest asks for a new ticket.
type IssueRequest struct {
	Service        string
	Priority       string // "" or one of Settings.PriorityKinds
	IdempotencyKey string // "" for none; the same (Device, key) again returns the same ticket
	Device         string // issuing device name ("" for staff)
	// ID and Secret are fresh random strings chosen by the caller, so the
	// engine stays free of randomness.
	ID     string
	Secret string
	// Hold keeps the new ticket from being called for this long, or until
	// the issuing device confirms it printed (Printed): a kiosk asks for it
	// so that no counter calls a number whose paper never came out while
	// the kiosk is still finding out. 0 for none; at most MaxHold.
	Hold time.Duration
	// Booking is the code of the booking checked in with this ticket ("" for
	// a walk-in) and SlotAt the start of its slot (zero for none).
	Booking string
	SlotAt  time.Time
}

// MaxHold bounds IssueRequest.Hold.
const MaxHold = hallq.MaxPrintHold

// RateRequest is one rating pad press.
type RateRequest struct {
	Counter   int
	Score     int
	Device    string
	DeviceSeq int64
	// AgeMS is how long before now the button was pressed.
	AgeMS int64
	// AgeCapped says the device could not know the exact age.
	AgeCapped bool
}
