package queue

import (
	"time"

	"github.com/hallq/hallq"
)

// Engine holds the hall's live state and applies commands to it.
type Engine struct {
	// NewID returns a fresh random ticket id and secret; used for the waiting
	// ticket a transfer creates. Set by New to a crypto/rand generator; tests
	// may replace it.
	NewID func() (id, secret string)

	// TODO(engine): fields.
}

// New builds an engine from a stored state. It validates the settings and
// services and returns EINVALID naming the problem.
func New(st State) (*Engine, error) { panic("TODO") }

// LastSeq is the sequence number of the last event the engine produced.
func (e *Engine) LastSeq() int64 { panic("TODO") }

// Settings returns a copy of the hall settings.
func (e *Engine) Settings() hallq.Settings { panic("TODO") }

// Day is the local date the numbering belongs to.
func (e *Engine) Day() string { panic("TODO") }

// Tick applies the calendar: when the local day of now differs from Day, or
// now has passed the hall's closing time on Day and that closing has not been
// processed, it ends the day — waiting tickets are cancelled (reason
// "day_closed"), called ones become no-shows (reason "day_closed"), ones in
// service are finished and Flagged; open or paused counters are closed — and
// when the date changed, it starts the new day with numbering from the start.
// It returns nil when there was nothing to do.
func (e *Engine) Tick(now time.Time) *Change { panic("TODO") }

// Issue gives a new ticket in a service. With a known (Device,
// IdempotencyKey) it returns the existing ticket and a nil Change. It
// refuses with ENOTFOUND for an unknown service, EINVALID for an unknown
// priority kind, EUNAVAILABLE (reason "outside_hours", "daily_cap") when the
// service takes no more tickets now. The ticket carries WaitingAhead and
// EstimatedWaitS as of issue (also kept in IssueAhead and IssueEstimateS).
func (e *Engine) Issue(now time.Time, req IssueRequest) (*hallq.Ticket, *Change, error) {
	panic("TODO")
}

// Cancel takes a waiting ticket out of the queue (state cancelled, Reason
// reason). ECONFLICT if it is not waiting.
func (e *Engine) Cancel(now time.Time, ticketID, reason string, by Actor) (*hallq.Ticket, *Change, error) {
	panic("TODO")
}

// Requeue puts a no-show back into its service's queue, keeping its issue
// time. ECONFLICT unless it is a no-show of the current day.
func (e *Engine) Requeue(now time.Time, ticketID string, by Actor) (*hallq.Ticket, *Change, error) {
	panic("TODO")
}

// MarkPriority makes a waiting ticket a priority one of the given kind
// (a kind from Settings.PriorityKinds; "" means the first kind).
func (e *Engine) MarkPriority(now time.Time, ticketID, kind string, by Actor) (*hallq.Ticket, *Change, error) {
	panic("TODO")
}

// Open opens a counter with by.User as its officer, or resumes a paused one
// (same officer). EFORBIDDEN if another officer holds it; EINVALID if by
// is not a staff user.
func (e *Engine) Open(now time.Time, counter int, by Actor) (*hallq.Counter, *Change, error) {
	panic("TODO")
}

// Pause stops calls at an open counter; its current ticket stays.
func (e *Engine) Pause(now time.Time, counter int, by Actor) (*hallq.Counter, *Change, error) {
	panic("TODO")
}

// Close closes a counter and clears its officer. ECONFLICT (reason "busy")
// while a ticket is called or in service there.
func (e *Engine) Close(now time.Time, counter int, by Actor) (*hallq.Counter, *Change, error) {
	panic("TODO")
}

// Next calls the next waiting ticket for a counter under the hall's priority
// policy, then the counter's service order, then the oldest issue time. It
// returns a nil ticket and nil Change when nobody waits. ECONFLICT when the
// counter is closed ("counter_closed"), paused ("counter_paused"), has no
// officer ("no_officer") or still has a ticket called or in service ("busy").
func (e *Engine) Next(now time.Time, counter int, by Actor) (*hallq.Ticket, *Change, error) {
	panic("TODO")
}

// Call calls a specific waiting ticket of a service the counter serves,
// recorded as out of order.
func (e *Engine) Call(now time.Time, counter int, ticketID string, by Actor) (*hallq.Ticket, *Change, error) {
	panic("TODO")
}

// Recall repeats the call of the counter's called ticket. When it has been
// recalled Settings.MaxRecalls times already (and MaxRecalls > 0) it becomes
// a no-show instead (event ticket.no_show, reason "max_recalls").
func (e *Engine) Recall(now time.Time, counter int, by Actor) (*hallq.Ticket, *Change, error) {
	panic("TODO")
}

// Start marks the counter's called ticket as in service.
func (e *Engine) Start(now time.Time, counter int, by Actor) (*hallq.Ticket, *Change, error) {
	panic("TODO")
}

// Finish ends service of the counter's called or serving ticket.
func (e *Engine) Finish(now time.Time, counter int, by Actor) (*hallq.Ticket, *Change, error) {
	panic("TODO")
}

// NoShow marks the counter's called ticket as a no-show.
func (e *Engine) NoShow(now time.Time, counter int, by Actor) (*hallq.Ticket, *Change, error) {
	panic("TODO")
}

// Transfer moves the counter's current ticket to another service: the old
// ticket becomes transferred, and a new waiting ticket (fresh id from NewID,
// same label and number, original issue time, TransferredFrom set) joins the
// target service's queue. It returns the new ticket.
func (e *Engine) Transfer(now time.Time, counter int, service string, by Actor) (*hallq.Ticket, *Change, error) {
	panic("TODO")
}

// Rate records a rating pad press at a counter. The press happened at
// now − AgeMS; it attaches to the ticket at that counter that was then in
// service, or most recently finished (within Settings.RatingWindowMin), once
// per ticket. A press with no ticket to attach is recorded with Unattached
// set. The same (Device, DeviceSeq) again returns the first rating and a nil
// Change. EINVALID for a score off the scale.
func (e *Engine) Rate(now time.Time, req RateRequest) (*hallq.Rating, *Change, error) {
	panic("TODO")
}

// SetNotice changes the scrolling notice of the hall display.
func (e *Engine) SetNotice(now time.Time, text string, by Actor) (*Change, error) { panic("TODO") }

// Hall returns the public view of the hall at now.
func (e *Engine) Hall(now time.Time) HallView { panic("TODO") }

// Ticket returns a copy of a ticket with its live WaitingAhead and
// EstimatedWaitS (for waiting tickets). ENOTFOUND if the engine does not hold it.
func (e *Engine) Ticket(now time.Time, id string) (*hallq.Ticket, error) { panic("TODO") }

// Waiting lists the waiting tickets of the given services (all when empty)
// in the order they would be called.
func (e *Engine) Waiting(now time.Time, services []string) []*hallq.Ticket { panic("TODO") }

// Counter returns a copy of a counter with its current ticket.
func (e *Engine) Counter(id int) (*hallq.Counter, error) { panic("TODO") }
