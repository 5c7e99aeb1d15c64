package hallq

import "time"

// TicketState is where a ticket is in its life.
type TicketState string

// Ticket states. The allowed transitions are:
// waiting → called → serving → done; called → no_show;
// waiting/called/serving → transferred; waiting → cancelled; no_show → waiting (requeue).
const (
	StateWaiting     TicketState = "waiting"
	StateCalled      TicketState = "called"
	StateServing     TicketState = "serving"
	StateDone        TicketState = "done"
	StateNoShow      TicketState = "no_show"
	StateTransferred TicketState = "transferred"
	StateCancelled   TicketState = "cancelled"
)

// ReasonPrintFailed is the cancel reason a kiosk gives a ticket it issued
// but could not print: the citizen never held it.
const ReasonPrintFailed = "print_failed"

// Active reports whether a ticket in state s is still in the hall's queue or at a counter.
func (s TicketState) Active() bool {
	return s == StateWaiting || s == StateCalled || s == StateServing
}

// Ticket is a citizen's numbered place in a service's queue. Its JSON form is
// the API contract (docs/API.md): fields may be added, never renamed.
type Ticket struct {
	ID       string      `json:"id"`
	Label    string      `json:"label"`
	Number   int         `json:"number"`
	Service  string      `json:"service"`
	Priority string      `json:"priority"` // "" for none, else the priority category (e.g. "elderly")
	State    TicketState `json:"state"`
	Day      string      `json:"day"` // local date of issue, YYYY-MM-DD

	IssuedAt time.Time `json:"issued_at"`
	// IssueSeq is the sequence number of the ticket.issued event that
	// gave the ticket (a transfer's new ticket keeps its original's): the
	// order of issue, which a clock set back cannot change. 0 for tickets
	// from before the hall kept it.
	IssueSeq   int64      `json:"-"`
	CalledAt   *time.Time `json:"called_at"`   // first call
	StartedAt  *time.Time `json:"started_at"`  // officer pressed start
	FinishedAt *time.Time `json:"finished_at"` // done, no-show, transferred or cancelled
	Counter    int        `json:"counter"`     // counter it is or was called to; 0 before any call
	Officer    string     `json:"officer,omitempty"`

	// QueuedAt is when the ticket last joined its service's queue: its
	// issue, its requeue, or for a transfer's new ticket the transfer.
	// Nil for tickets from before the hall kept it.
	QueuedAt *time.Time `json:"queued_at,omitempty"`
	// LastCalledAt is its latest call (CalledAt is the first): after a
	// requeue, the call that led to its service. A recall is not a call.
	LastCalledAt *time.Time `json:"last_called_at,omitempty"`
	// WaitedMS is how long it waited in its queue up to its latest call,
	// every wait added up: from joining the queue (QueuedAt) to the first
	// call, and from each requeue to the next call.
	WaitedMS int64 `json:"waited_ms"`
	// TargetWaitS is the target wait of its service when it joined the
	// service's queue (issue, or for a transfer's new ticket the
	// transfer), in seconds; 0 for none. Nil for tickets from before the
	// hall kept it: reports use the first targets the hall's log records.
	TargetWaitS *int `json:"target_wait_s,omitempty"`

	Recalls         int    `json:"recalls"`
	OutOfOrder      bool   `json:"out_of_order,omitempty"` // first call was a specific call, not next
	Reason          string `json:"reason,omitempty"`       // cancel reason, or "day_closed"
	Flagged         bool   `json:"flagged,omitempty"`      // finished by end of day while in service
	TransferredTo   string `json:"transferred_to,omitempty"`
	TransferredFrom string `json:"transferred_from,omitempty"`
	Rating          int    `json:"rating,omitempty"`

	// EstimatedWaitS is the estimate given at issue time (printed on the
	// ticket); in live views it is the current estimate.
	EstimatedWaitS int `json:"estimated_wait_s"`
	// WaitingAhead is computed for views: tickets that will be called before
	// this one in its service's queue.
	WaitingAhead int `json:"waiting_ahead"`
	// IssueEstimateS keeps the estimate that was printed, for reports.
	IssueEstimateS int `json:"issue_estimate_s"`
	IssueAhead     int `json:"issue_ahead"`

	Device string `json:"device,omitempty"` // device that issued it
	// Booking is the code of the booking the citizen checked in with
	// ("" for a walk-in); SlotAt is the start of its booked slot.
	Booking string     `json:"booking,omitempty"`
	SlotAt  *time.Time `json:"slot_at,omitempty"`
	// HeldUntil is set while the kiosk that issued the ticket is printing
	// it: no counter calls it before the kiosk confirms the print
	// (POST /api/v1/tickets/{id}/printed) or this time passes. It is cleared
	// by the confirmation and by the ticket's first call; a time in the past
	// means the kiosk never confirmed and the hold lapsed.
	HeldUntil *time.Time `json:"held_until,omitempty"`
	// IdempotencyKey is the issuing device's key; it never leaves the server.
	IdempotencyKey string `json:"-"`
	// Secret lets a citizen follow the ticket without an account; it only
	// leaves the server inside StatusURL.
	Secret    string `json:"-"`
	StatusURL string `json:"status_url,omitempty"`
}

// Clone returns a deep copy, so that a view handed out cannot alias engine state.
func (t *Ticket) Clone() *Ticket {
	c := *t
	c.CalledAt = cloneTime(t.CalledAt)
	c.StartedAt = cloneTime(t.StartedAt)
	c.FinishedAt = cloneTime(t.FinishedAt)
	c.HeldUntil = cloneTime(t.HeldUntil)
	c.QueuedAt = cloneTime(t.QueuedAt)
	c.LastCalledAt = cloneTime(t.LastCalledAt)
	c.SlotAt = cloneTime(t.SlotAt)
	if t.TargetWaitS != nil {
		v := *t.TargetWaitS
		c.TargetWaitS = &v
	}
	return &c
}

func cloneTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	c := *t
	return &c
}

// MaxPrintHold is the longest a ticket may be held for its print
// (Ticket.HeldUntil): a print that takes longer has failed, and a citizen
// holding paper must not wait behind a silent kiosk.
const MaxPrintHold = 2 * time.Minute

// Held reports whether the ticket is still held for printing at now. A
// hold never lasts more than MaxPrintHold from now: a clock set back must
// not stretch it into half an hour.
func (t *Ticket) Held(now time.Time) bool {
	return t.HeldUntil != nil && now.Before(*t.HeldUntil) && t.HeldUntil.Sub(now) <= MaxPrintHold
}

// WaitSeconds is first call − issue, or -1 if the ticket was never called.
func (t *Ticket) WaitSeconds() int {
	if t.CalledAt == nil {
		return -1
	}
	return int(t.CalledAt.Sub(t.IssuedAt) / time.Second)
}
