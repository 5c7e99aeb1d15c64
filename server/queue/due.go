package queue

import (
	"slices"
	"time"

	"github.com/hallq/hallq"
)

// Bookings in the wait estimate. A booked citizen who has not checked in
// yet will, at their slot, be served ahead of the walk-ins waiting then
// (docs/QUEUE.md): a walk-in who waits an hour and a half sees the
// bookings of that hour and a half pass them. The engine holds every
// booking of the day, so the estimate counts them exactly instead of
// guessing them from the pace of past check-ins: each service's bookings
// still to check in come into its front group when they fall due
// (BookedEarly before the slot; citizens check in a few minutes before
// on average), each counted with the share of booked citizens who come
// (showRate). The day's arrival forecast, which counts every printed
// ticket, booked or not, expects that many fewer walk-ins, and booked
// check-ins no longer count in the pace of the priority visitors.
//
// The pending counts are kept per slot as bookings are made, checked in,
// cancelled and missed, so a forecast reads only the slots of the rest of
// the day: a few dozen per service at most.

// slotCount is how many bookings of a slot are still to check in.
type slotCount struct {
	start time.Time
	n     int
}

// count adds delta for b to the counts its status is in.
func (bb *bookingBook) count(b *hallq.Booking, delta int) {
	switch b.Status {
	case hallq.BookingCheckedIn:
		bb.shown += delta
	case hallq.BookingNoShow:
		bb.missed += delta
	case hallq.BookingBooked:
		slots := bb.pending[b.Service]
		i, found := slices.BinarySearchFunc(slots, b.Start, func(s slotCount, t time.Time) int { return s.start.Compare(t) })
		switch {
		case found:
			slots[i].n += delta
			if slots[i].n <= 0 {
				slots = slices.Delete(slots, i, i+1)
			}
		case delta > 0:
			slots = slices.Insert(slots, i, slotCount{b.Start, delta})
		}
		if len(slots) == 0 {
			delete(bb.pending, b.Service)
		} else {
			bb.pending[b.Service] = slots
		}
	}
}

// The share of booked citizens expected to come: the bookings the engine
// holds (yesterday's and today's) that were checked in or missed, drawn
// towards priorShow by showWeight bookings' weight.
const (
	priorShow  = 0.9
	showWeight = 10
)

func (e *Engine) showRate() float64 {
	return (float64(e.book.shown) + priorShow*showWeight) / float64(e.book.shown+e.book.missed+showWeight)
}

// addDue appends to f.dueAts when each booked citizen of the service is
// expected: the bookings still to check in today whose check-in has not
// closed, each when it falls due (at once if it is due already); the k-th
// comes when more than k − ½ are expected. It returns how many are
// expected in all.
func (f *forecast) addDue(service string) float64 {
	e := f.e
	slots := e.book.pending[service]
	if len(slots) == 0 {
		return 0
	}
	after := time.Duration(hallq.DefaultBookingSettings().CheckInAfterMin) * time.Minute
	if s := e.services[service]; s != nil && s.Booking != nil {
		after = time.Duration(s.Booking.CheckInAfterMin) * time.Minute
	}
	local := e.local(f.now)
	end := e.midnight(local).AddDate(0, 0, 1)
	i, _ := slices.BinarySearchFunc(slots, local.Add(-after), func(s slotCount, t time.Time) int {
		if s.start.After(t) {
			return 1
		}
		return -1
	})
	show := e.showRate()
	cum, k := 0.0, 0
	for _, s := range slots[i:] {
		if !s.start.Before(end) {
			break
		}
		cum += float64(s.n) * show
		at := min(max(0, s.start.Add(-BookedEarly).Sub(local)), forecastHorizon)
		for ; float64(k)+0.5 < cum && k < maxExpected; k++ {
			f.dueAts = append(f.dueAts, at)
		}
	}
	return cum
}

// newDueArrival is the arrivals at the times ats (in order).
func newDueArrival(ats []time.Duration) arrival {
	return arrival{ats: ats, total: float64(len(ats)), max: len(ats)}
}

// dueBy is how many of a's booked citizens have come by d (at or before).
func (a *arrival) dueBy(d time.Duration) int {
	i, _ := slices.BinarySearchFunc(a.ats, d, func(at, d time.Duration) int {
		if at > d {
			return 1
		}
		return -1
	})
	return i
}
