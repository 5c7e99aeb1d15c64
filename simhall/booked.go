package simhall

import (
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/simday"
)

// Booked is what bookings did to a simulated day (issue 19): the day played
// with a share of its citizens booked, against the same day with those
// citizens as walk-ins (the same visitors, arriving at the same moments).
type Booked struct {
	Share float64 // the booked share asked for
	// Visitors of the day; Booked of them booked, Late of those came after
	// their check-in window and took a walk-in ticket, CheckedIn did not.
	Visitors, Booked, Late, CheckedIn int
	// SlotWait is the booked citizens' wait from their slot start (or their
	// check-in, if later) to their first call; HallWait from their
	// check-in. Only the citizens who checked in count.
	SlotWait, HallWait Waits
	// Walkins is the walk-ins' wait (the citizens never booked, and the
	// late ones) on the booked day; WalkinsBefore the same citizens' on
	// the day without bookings, and AllBefore every citizen's on that day.
	Walkins, WalkinsBefore, AllBefore Waits
	// Work is the counters' work on the booked day (each ticket's last
	// call to its finish, no-shows and transfers' second legs included),
	// BookedWork the part of it that booked tickets took.
	Work, BookedWork time.Duration
}

// Waits are the first call − issue (or slot start) of a group of tickets.
type Waits struct {
	N         int
	Mean, P90 time.Duration
	Max       time.Duration
}

func waitsOf(ds []time.Duration) Waits {
	w := Waits{N: len(ds)}
	if w.N == 0 {
		return w
	}
	slices.Sort(ds)
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	w.Mean = (sum / time.Duration(w.N)).Round(time.Second)
	w.P90 = ds[int(math.Ceil(0.9*float64(w.N)))-1].Round(time.Second)
	w.Max = ds[w.N-1].Round(time.Second)
	return w
}

// BookedShareOf is the share of the day's citizens who checked in for a
// booking.
func (b *Booked) BookedShareOf() float64 {
	if b.Visitors == 0 {
		return 0
	}
	return float64(b.CheckedIn) / float64(b.Visitors)
}

// BookedWorkShare is the share of the counters' work on the booked day
// that booked tickets took.
func (b *Booked) BookedWorkShare() float64 {
	if b.Work == 0 {
		return 0
	}
	return b.BookedWork.Seconds() / b.Work.Seconds()
}

// Predicted is the most the walk-ins' mean wait may be on the booked day.
// A hall's counters do the same work whatever the order of calling, and
// when the order does not look at how long each visit takes, what stays
// the same is the waiting weighted by the work each group brings
// (Kleinrock's conservation law: Σ load × mean wait): a group whose
// visits are longer costs the others more waiting when it goes first.
// If the booked citizens waited nothing at all, the walk-ins would carry
// all of it: every citizen's mean wait on the day without bookings ÷
// (1 − the booked tickets' share of the counters' work). Counting
// citizens instead of work missed on days whose booked visits were
// longer than the walk-ins' (seed 1: 6.4 min against 5.6).
func (b *Booked) Predicted() time.Duration {
	return time.Duration(float64(b.AllBefore.Mean) / (1 - b.BookedWorkShare())).Round(time.Second)
}

// SlotTarget is issue 19's target: booked citizens who check in within
// their window are called within 10 min of their slot start, at p90.
const SlotTarget = 10 * time.Minute

// RunBooked plays profile p's day (p.BookedShare of its citizens booked) in
// the demo hall on the engine in virtual time, then the same day with every
// citizen a walk-in, and compares them. The accuracy and result are the
// booked day's. The engine is told fs before each day, as RunVirtualWith
// tells it.
func RunBooked(ctx context.Context, p simday.Profile, date time.Time, fs Foresight) (*Booked, Accuracy, *simday.Result, error) {
	vs := p.Visitors()
	tickets, res, err := playDay(ctx, p, date, vs, fs)
	if err != nil {
		return nil, Accuracy{}, res, err
	}
	walkins := slices.Clone(vs)
	for i := range walkins {
		walkins[i].Booked, walkins[i].Late = false, false
	}
	before, _, err := playDay(ctx, p, date, walkins, fs)
	if err != nil {
		return nil, Accuracy{}, res, err
	}
	b := &Booked{Share: p.BookedShare, Visitors: len(vs)}
	for _, v := range vs {
		if v.Booked {
			b.Booked++
			if v.Late {
				b.Late++
			}
		}
	}
	for _, t := range tickets {
		if t.FinishedAt == nil || t.LastCalledAt == nil {
			continue
		}
		w := t.FinishedAt.Sub(*t.LastCalledAt)
		b.Work += w
		if t.SlotAt != nil {
			b.BookedWork += w
		}
	}
	var slot, hall, walk, walkBefore, allBefore []time.Duration
	for _, t := range firstLegs(tickets) {
		v := &vs[t.n-1]
		switch {
		case t.CalledAt == nil:
		case v.CheckedIn():
			// One called before the slot (booked tickets are due a few
			// minutes before it) waited nothing past it.
			b.CheckedIn++
			slot = append(slot, max(0, t.CalledAt.Sub(later(t.IssuedAt, *t.SlotAt))))
			hall = append(hall, t.CalledAt.Sub(t.IssuedAt))
		default:
			walk = append(walk, t.CalledAt.Sub(t.IssuedAt))
		}
	}
	for _, t := range firstLegs(before) {
		if t.CalledAt == nil {
			continue
		}
		w := t.CalledAt.Sub(t.IssuedAt)
		allBefore = append(allBefore, w)
		if !vs[t.n-1].CheckedIn() {
			walkBefore = append(walkBefore, w)
		}
	}
	b.SlotWait, b.HallWait = waitsOf(slot), waitsOf(hall)
	b.Walkins, b.WalkinsBefore, b.AllBefore = waitsOf(walk), waitsOf(walkBefore), waitsOf(allBefore)
	return b, MeasureAccuracy(tickets), res, nil
}

// playDay plays visitors vs of profile p in the demo hall, told fs, and
// returns its tickets.
func playDay(ctx context.Context, p simday.Profile, date time.Time, vs []simday.Visitor, fs Foresight) ([]hallq.Ticket, *simday.Result, error) {
	h, midnight, err := newVirtualHall(ctx, p, date, fs)
	if err != nil {
		return nil, nil, err
	}
	day := &simday.Day{Hall: h, Profile: &p, Counters: DemoCounters(), Date: midnight, Visitors: vs}
	res, err := day.Run(ctx)
	if err != nil {
		return nil, res, err
	}
	return h.Tickets(), res, nil
}

// leg is a printed ticket (not a transfer's second leg) and the number of
// its visitor, from the simulated kiosk's idempotency key (sim-DATE-N) or
// the booking checked in (simday.BookingCode).
type leg struct {
	*hallq.Ticket
	n int
}

func firstLegs(tickets []hallq.Ticket) []leg {
	var out []leg
	for i := range tickets {
		t := &tickets[i]
		if t.TransferredFrom != "" {
			continue
		}
		n, ok := simday.VisitorOfBooking(t.Booking)
		if !ok {
			var err error
			n, err = strconv.Atoi(t.IdempotencyKey[strings.LastIndexByte(t.IdempotencyKey, '-')+1:])
			if err != nil || n < 1 {
				panic(fmt.Sprintf("simhall: ticket %s has idempotency key %q, not sim-DATE-N, and booking %q", t.Label, t.IdempotencyKey, t.Booking))
			}
		}
		out = append(out, leg{t, n})
	}
	return out
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// Print writes the figures as hallsim day prints them.
func (b *Booked) Print(w io.Writer) {
	fmt.Fprintf(w, "  booked %.0f %%: %d of %d citizens booked, %d checked in within their window, %d came later and took a walk-in ticket\n",
		100*b.Share, b.Booked, b.Visitors, b.CheckedIn, b.Late)
	fmt.Fprintf(w, "    booked, slot start (or check-in, if later) to call: mean %v, p90 %v, max %v (target p90 ≤ %v: %s)\n",
		b.SlotWait.Mean, b.SlotWait.P90, b.SlotWait.Max, SlotTarget, metText(b.SlotWait.P90 <= SlotTarget))
	fmt.Fprintf(w, "    booked, check-in to call:                          mean %v, p90 %v\n", b.HallWait.Mean, b.HallWait.P90)
	rise := func(d time.Duration) float64 { return 100 * (d.Seconds()/b.WalkinsBefore.Mean.Seconds() - 1) }
	fmt.Fprintf(w, "    walk-ins (%d): mean wait %v; the same citizens on the day without bookings %v (%+.1f %%)\n",
		b.Walkins.N, b.Walkins.Mean, b.WalkinsBefore.Mean, rise(b.Walkins.Mean))
	fmt.Fprintf(w, "    predicted at most: every citizen's mean wait without bookings %v ÷ (1 − %.3f of the counters' work booked) = %v (%+.1f %%): %s\n",
		b.AllBefore.Mean, b.BookedWorkShare(), b.Predicted(), rise(b.Predicted()), metText(b.Walkins.Mean <= b.Predicted()))
	fmt.Fprintf(w, "    (the booked citizens were %.1f %% of those called and took %.1f %% of the counters' work)\n",
		100*b.BookedShareOf(), 100*b.BookedWorkShare())
}

func metText(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}
