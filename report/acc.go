package report

import (
	"encoding/binary"

	"github.com/hallq/hallq"
)

// Ticket is what the reports need of one ticket row: a citizen's ticket
// (an original) or the new ticket a transfer made (a leg). Times are Unix
// milliseconds, 0 for none.
type Ticket struct {
	ID       string
	Day      string // local date of issue
	Service  string
	Counter  int // the counter it was (last) called to; 0 if never called
	Officer  string
	State    hallq.TicketState
	Priority string
	Label    string
	Issued   int64 // a leg keeps its original's issue time
	Called   int64 // first call
	Started  int64
	Finished int64
	// Queued is when it last joined its service's queue (issue, requeue,
	// transfer); 0 for a ticket from before the hall kept it.
	Queued int64
	// LastCalled is its latest call, the one that led to its service; 0:
	// unknown (the first call stands for it).
	LastCalled int64
	// WaitedMS is every wait before a call added up (see hallq.Ticket).
	WaitedMS int64
	// TargetWaitS is its service's target wait when it joined the queue;
	// -1: from before the hall kept it (Query.Target resolves it).
	TargetWaitS     int
	Rating          int // the press it took; 0: none
	EstimateS       int // the estimate printed at issue
	TransferredFrom string
	TransferredTo   string
	Flagged         bool // finished by the end of day while in service
	Reason          string
	// Booking is the code of the booking the citizen checked in with ("":
	// a walk-in; a transfer's leg keeps it); SlotAt its slot's start.
	Booking string
	SlotAt  int64
}

// SlotWaitMS is a booked original's first call − the later of its check-in
// and its slot start, 0 when it was called before its slot; -1 for a
// walk-in, a leg, or a ticket not called.
func (t *Ticket) SlotWaitMS() int64 {
	if t.Booking == "" || t.SlotAt == 0 || t.Called == 0 || !t.Original() {
		return -1
	}
	return max(t.Called-max(t.Issued, t.SlotAt), 0)
}

// Original reports whether the ticket came from a kiosk rather than from a
// transfer; only originals count as issued and for the estimate's error.
func (t *Ticket) Original() bool { return t.TransferredFrom == "" }

// Outcome is how a ticket row ended, or where it is while the day runs.
type Outcome string

// Outcomes. The end of day's own are apart from the citizen's: a ticket
// still waiting, called or in service when the hall closed is "closed at
// end of day" in that state, never a cancellation, a no-show or a visit
// served.
const (
	Served        Outcome = "served"
	NoShow        Outcome = "no_show"
	Cancelled     Outcome = "cancelled"
	Transferred   Outcome = "transferred"
	ClosedWaiting Outcome = "closed_waiting"
	ClosedCalled  Outcome = "closed_called"
	ClosedServing Outcome = "closed_serving"
	InQueue       Outcome = "waiting" // still waiting (today)
	AtCounter     Outcome = "at_counter"
)

// reasonDayClosed is the reason the end of day gives what it finishes.
const reasonDayClosed = "day_closed"

// Outcome says how t ended.
func (t *Ticket) Outcome() Outcome {
	closed := t.Reason == reasonDayClosed || t.Flagged
	switch t.State {
	case hallq.StateDone:
		if closed {
			return ClosedServing
		}
		return Served
	case hallq.StateNoShow:
		if closed {
			return ClosedCalled
		}
		return NoShow
	case hallq.StateCancelled:
		if closed {
			return ClosedWaiting
		}
		return Cancelled
	case hallq.StateTransferred:
		return Transferred
	case hallq.StateWaiting:
		return InQueue
	}
	return AtCounter
}

// leftWaiting reports whether t's last wait did not end in a call: it
// still waits, or left the queue waiting (cancelled, closed at end of day),
// also after a requeue.
func (t *Ticket) leftWaiting() bool {
	switch t.Outcome() {
	case InQueue, Cancelled, ClosedWaiting:
		return true
	}
	return false
}

// WaitMS is t's waiting time: every wait in its queue up to the call that
// ended its last wait — issue (or transfer) to first call, plus requeue to
// the next call — or -1 when its last wait did not end in a call or is
// not known (a transfer's ticket from before the hall kept its times).
func (t *Ticket) WaitMS() int64 {
	if t.Called == 0 || t.leftWaiting() {
		return -1
	}
	if t.Queued != 0 {
		return t.WaitedMS
	}
	if !t.Original() {
		return -1
	}
	return t.Called - t.Issued
}

// WaitedByMS is how long t had waited in its queue by endMS, for a ticket
// whose last wait did not end in a call; -1 when unknown.
func (t *Ticket) WaitedByMS(endMS int64) int64 {
	if t.Queued != 0 {
		return t.WaitedMS + max(endMS-t.Queued, 0)
	}
	if !t.Original() || t.Called != 0 {
		return -1
	}
	return max(endMS-t.Issued, 0)
}

// FirstWaitMS is issue → first call of an original, what the printed
// estimate foretold; -1 otherwise.
func (t *Ticket) FirstWaitMS() int64 {
	if t.Called == 0 || !t.Original() {
		return -1
	}
	return t.Called - t.Issued
}

// ServiceMS is a served ticket's service time: finish − start where the
// officer pressed start, else finish − the call that led to the service
// (after a requeue, the last call); -1 for tickets not served.
func (t *Ticket) ServiceMS() int64 {
	if t.Outcome() != Served || t.Finished == 0 || t.Called == 0 {
		return -1
	}
	from := t.Called
	if t.LastCalled != 0 {
		from = t.LastCalled
	}
	if t.Started != 0 {
		from = t.Started
	}
	if t.Finished < from {
		return -1
	}
	return t.Finished - from
}

// Seconds rounds a duration in milliseconds to whole seconds, the one
// precision of every time the reports give (means, medians, percentiles,
// maxima and the ticket log alike).
func Seconds(ms int64) int { return int((ms + 500) / 1000) }

// Press is a rating press no ticket took (hallq.Rating.Unattached).
type Press struct {
	At      int64 // when it reached the server, Unix ms
	Counter int
	Score   int
}

// Acc accumulates the figures of one group of tickets. Accumulators merge
// by adding, so a range of days is the sum of its days.
type Acc struct {
	Issued      int // original tickets (a transfer's new ticket is not issued again)
	Calls       int // tickets called at least once (transfers' new tickets included)
	Served      int // tickets served to the end (not closed at end of day)
	NoShows     int // called and not there (not closed at end of day)
	Cancelled   int // left the queue uncalled (not closed at end of day)
	Transferred int // tickets sent on to another service
	Waiting     int // still waiting (only in live figures of today)
	// Closed at end of day, by the state the ticket was in.
	ClosedWaiting, ClosedCalled, ClosedServing int

	Wait Hist // waiting times (Ticket.WaitMS), in whole seconds
	Svc  Hist // service times of served tickets, in whole seconds

	// Within and Over count tickets against the target wait their service
	// had when they joined its queue: Within were called within it, Over
	// were called later, or left the queue waiting (cancelled, closed at
	// end of day) or still wait, having waited longer than it. Tickets with
	// no target, and ones that left before it, count in neither.
	Within int
	Over   int

	Scores      Hist // every press by score, with a ticket or without
	Unattached  int  // presses no ticket took
	RatedServed int  // served tickets that took a press

	EstN      int   // originals called, with the estimate printed on them
	EstSumS   int64 // Σ (first wait − estimate), seconds
	EstAbsSum int64 // Σ |first wait − estimate|, seconds

	// Booked counts the originals checked in with a booking; BookedWait
	// holds the waiting times of the tickets with a booking (legs too), as
	// Wait does; SlotWait the booked originals' Ticket.SlotWaitMS. The
	// walk-ins' waits are Wait less BookedWait.
	Booked     int
	BookedWait Hist
	SlotWait   Hist
}

// AddTicket counts t in a. targetS is the target wait t is held against
// (0: none); nowMS is the time of a live report (for tickets still
// waiting), 0 for a closed day.
func (a *Acc) AddTicket(t *Ticket, targetS int, nowMS int64) {
	switch t.Outcome() {
	case Served:
		a.Served++
		if ms := t.ServiceMS(); ms >= 0 {
			a.Svc.Add(Seconds(ms))
		}
		if t.Rating != 0 {
			a.RatedServed++
		}
	case NoShow:
		a.NoShows++
	case Cancelled:
		a.Cancelled++
	case Transferred:
		a.Transferred++
	case InQueue:
		a.Waiting++
	case ClosedWaiting:
		a.ClosedWaiting++
	case ClosedCalled:
		a.ClosedCalled++
	case ClosedServing:
		a.ClosedServing++
	}
	if t.Rating != 0 {
		a.Scores.Add(t.Rating)
	}
	if t.Called != 0 {
		a.Calls++
	}
	if t.Original() && t.Booking != "" {
		a.Booked++
	}
	if w := t.SlotWaitMS(); w >= 0 {
		a.SlotWait.Add(Seconds(w))
	}
	if w := t.WaitMS(); w >= 0 && t.Booking != "" {
		a.BookedWait.Add(Seconds(w))
	}
	if t.Original() {
		a.Issued++
		if w := t.FirstWaitMS(); w >= 0 {
			d := int64(Seconds(w) - t.EstimateS)
			a.EstN++
			a.EstSumS += d
			a.EstAbsSum += abs(d)
		}
	}
	if w := t.WaitMS(); w >= 0 {
		s := Seconds(w)
		a.Wait.Add(s)
		if targetS > 0 {
			if s <= targetS {
				a.Within++
			} else {
				a.Over++
			}
		}
		return
	}
	if !t.leftWaiting() || targetS <= 0 {
		return
	}
	end := t.Finished
	if t.Outcome() == InQueue {
		end = nowMS
	}
	if end > 0 {
		if w := t.WaitedByMS(end); w >= 0 && Seconds(w) > targetS {
			a.Over++
		}
	}
}

// AddPress counts a press no ticket took.
func (a *Acc) AddPress(p Press) {
	a.Scores.Add(p.Score)
	a.Unattached++
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// Merge adds o to a.
func (a *Acc) Merge(o *Acc) {
	for i, p := range a.counts() {
		*p += *o.counts()[i]
	}
	a.Wait.Merge(o.Wait)
	a.Svc.Merge(o.Svc)
	a.Scores.Merge(o.Scores)
	a.BookedWait.Merge(o.BookedWait)
	a.SlotWait.Merge(o.SlotWait)
	a.EstSumS += o.EstSumS
	a.EstAbsSum += o.EstAbsSum
}

// counts are a's integer counts, in their encoded order.
func (a *Acc) counts() []*int {
	return []*int{&a.Issued, &a.Calls, &a.Served, &a.NoShows, &a.Cancelled, &a.Transferred, &a.Waiting,
		&a.ClosedWaiting, &a.ClosedCalled, &a.ClosedServing, &a.Within, &a.Over, &a.Unattached, &a.RatedServed, &a.EstN,
		&a.Booked}
}

// accVersion is the first byte of encoded roll-up data; data of another
// version is refused (the store's migration that changed it dropped the
// roll-ups, to be rolled up again), but for accVersionNoBookings: the
// roll-ups of days before bookings, read as days without any (version 3
// added Booked, BookedWait and SlotWait at the end).
const (
	accVersion           = 3
	accVersionNoBookings = 2
)

// AppendBinary encodes a for a roll-up row.
func (a *Acc) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, accVersion)
	for _, p := range a.counts() {
		b = binary.AppendVarint(b, int64(*p))
	}
	b = binary.AppendVarint(b, a.EstSumS)
	b = binary.AppendVarint(b, a.EstAbsSum)
	b = appendHist(b, a.Wait)
	b = appendHist(b, a.Svc)
	b = appendHist(b, a.Scores)
	b = appendHist(b, a.BookedWait)
	b = appendHist(b, a.SlotWait)
	return b, nil
}

// MergeBinary decodes data written by AppendBinary and adds it to a.
func (a *Acc) MergeBinary(b []byte) error {
	if len(b) == 0 || (b[0] != accVersion && b[0] != accVersionNoBookings) {
		return errCorrupt
	}
	bookings := b[0] == accVersion
	b = b[1:]
	var o Acc
	var v int64
	var err error
	counts := o.counts()
	if !bookings {
		counts = counts[:len(counts)-1] // no Booked
	}
	for _, p := range counts {
		if v, b, err = varint(b); err != nil {
			return err
		}
		*p = int(v)
	}
	if o.EstSumS, b, err = varint(b); err != nil {
		return err
	}
	if o.EstAbsSum, b, err = varint(b); err != nil {
		return err
	}
	hists := []*Hist{&o.Wait, &o.Svc, &o.Scores, &o.BookedWait, &o.SlotWait}
	if !bookings {
		hists = hists[:3]
	}
	for _, h := range hists {
		if b, err = mergeHist(b, h); err != nil {
			return err
		}
	}
	if len(b) != 0 {
		return errCorrupt
	}
	a.Merge(&o)
	return nil
}
