package report

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/hallq/hallq"
)

// Bookings (issue 19) are counted from the bookings themselves, not from
// the tickets their check-ins gave: each booking counts on its slot's day
// (and hour, and service) in the state it is in when the report is asked
// for. They are few (a slot holds a handful), so every report counts them
// afresh from their rows and keeps no roll-up: a count can never disagree
// with an earlier one but by a booking that changed state meanwhile —
// only a booking still ahead of its check-in window's end can.

// BookingRecord is one booking as the reports count it: no name or phone.
type BookingRecord struct {
	Code    string
	Service string
	Day     string // the slot's local day, YYYY-MM-DD
	Start   int64  // the slot's start, Unix ms
	Status  hallq.BookingStatus
	// Imported: made elsewhere and imported (it has an external id).
	Imported bool
	// CancelledBy is hallq.CancelledByCitizen or CancelledByStaff ("" for
	// a booking cancelled before the hall recorded who did).
	CancelledBy string
}

// SlotOffer is one slot a service offered on a day and its places: the
// day's last booking.offer event of the service.
type SlotOffer struct {
	Service  string
	Day      string
	Start    int64 // Unix ms
	Capacity int
}

// BookingStore is where the booking counts are read: a hall's SQLite, or
// the central store for one hall.
type BookingStore interface {
	// BookingRecords calls fn for every booking whose slot's day is in
	// [from, to].
	BookingRecords(ctx context.Context, from, to string, fn func(BookingRecord) error) error
	// SlotOffers calls fn for every slot offered on a day in [from, to]
	// (each service's last offer of each day).
	SlotOffers(ctx context.Context, from, to string, fn func(SlotOffer) error) error
}

// BookingCounts are the booking figures of one group (docs/REPORTS.md,
// bookings, defines each).
type BookingCounts struct {
	// Made are the bookings of the group's slots, however made:
	// CheckedIn + Missed + Cancelled + Pending.
	Made      int `json:"made"`
	CheckedIn int `json:"checked_in"`
	// Missed are those whose check-in window closed without a check-in.
	Missed int `json:"missed"`
	// MissedPct is Missed of CheckedIn + Missed: the bookings that came
	// to their time, or did not.
	MissedPct          *float64 `json:"missed_pct"`
	Cancelled          int      `json:"cancelled"`
	CancelledByCitizen int      `json:"cancelled_by_citizen"`
	CancelledByStaff   int      `json:"cancelled_by_staff"`
	// Pending are still booked: their check-in window has not closed.
	Pending int `json:"pending"`
	// Imported are the bookings made elsewhere (any state), of Made.
	Imported int `json:"imported"`
	// Slots and Capacity are the slots offered and their places; Places
	// are the places bookings took (every booking not cancelled), and
	// UtilisationPct is Places of Capacity.
	Slots          int      `json:"slots_offered"`
	Capacity       int      `json:"capacity"`
	Places         int      `json:"places_booked"`
	UtilisationPct *float64 `json:"utilisation_pct"`
}

// Any reports whether the group has a booking or offered a slot.
func (c *BookingCounts) Any() bool { return c != nil && (c.Made > 0 || c.Slots > 0) }

// add counts one booking.
func (c *BookingCounts) add(b BookingRecord) {
	c.Made++
	switch b.Status {
	case hallq.BookingCheckedIn:
		c.CheckedIn++
	case hallq.BookingNoShow:
		c.Missed++
	case hallq.BookingCancelled:
		c.Cancelled++
		switch b.CancelledBy {
		case hallq.CancelledByCitizen:
			c.CancelledByCitizen++
		case hallq.CancelledByStaff:
			c.CancelledByStaff++
		}
	default:
		c.Pending++
	}
	if b.Status != hallq.BookingCancelled {
		c.Places++
	}
	if b.Imported {
		c.Imported++
	}
}

// Merge adds o's counts (not the shares: Finish works them out).
func (c *BookingCounts) Merge(o *BookingCounts) {
	c.Made += o.Made
	c.CheckedIn += o.CheckedIn
	c.Missed += o.Missed
	c.Cancelled += o.Cancelled
	c.CancelledByCitizen += o.CancelledByCitizen
	c.CancelledByStaff += o.CancelledByStaff
	c.Pending += o.Pending
	c.Imported += o.Imported
	c.Slots += o.Slots
	c.Capacity += o.Capacity
	c.Places += o.Places
}

// Finish works out the shares.
func (c *BookingCounts) Finish() {
	c.MissedPct = pct(c.Missed, c.CheckedIn+c.Missed)
	c.UtilisationPct = pct(c.Places, c.Capacity)
}

// BookingGroup is one group of booking counts.
type BookingGroup struct {
	Day    string // with Query.PerDay
	Key    string
	Counts BookingCounts
}

// BookingResult is the booking counts of a report: its groups in key
// order and their total.
type BookingResult struct {
	Groups []BookingGroup
	Total  BookingCounts
}

// Group is the counts of (day, key), nil when it has none.
func (r *BookingResult) Group(day, key string) *BookingCounts {
	for i := range r.Groups {
		if r.Groups[i].Day == day && r.Groups[i].Key == key {
			return &r.Groups[i].Counts
		}
	}
	return nil
}

// BookingKey is a booking's (or an offered slot's) group under dim: its
// service, its slot's day, or the hour its slot starts ("08"); "" for
// groupings bookings have no part in (counter, officer), which only the
// total counts.
func BookingKey(dim Dim, service, day string, start int64, loc *time.Location) string {
	switch dim {
	case ByService:
		return service
	case ByDay:
		return day
	case ByHour:
		return hourKey(start, loc)
	}
	return ""
}

// CountBookings counts the bookings and offered slots of q's days, grouped
// as q asks (service, day, hour, and day with PerDay); grouped by counter
// or officer, only the total.
func CountBookings(ctx context.Context, st BookingStore, q Query) (*BookingResult, error) {
	if _, err := Days(q.From, q.To); err != nil {
		return nil, err
	}
	grouped := q.By == ByService || q.By == ByDay || q.By == ByHour
	perDay := q.PerDay && q.By != ByDay
	groups := map[gkey]*BookingCounts{}
	total := &BookingCounts{}
	get := func(service, day string, start int64) *BookingCounts {
		if !grouped {
			return total
		}
		k := gkey{key: BookingKey(q.By, service, day, start, q.Loc)}
		if perDay {
			k.day = day
		}
		c := groups[k]
		if c == nil {
			c = &BookingCounts{}
			groups[k] = c
		}
		return c
	}
	err := st.BookingRecords(ctx, q.From, q.To, func(b BookingRecord) error {
		get(b.Service, b.Day, b.Start).add(b)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("report: bookings: %w", err)
	}
	err = st.SlotOffers(ctx, q.From, q.To, func(o SlotOffer) error {
		c := get(o.Service, o.Day, o.Start)
		c.Slots++
		c.Capacity += o.Capacity
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("report: offered slots: %w", err)
	}
	res := &BookingResult{}
	if grouped {
		total = &BookingCounts{}
		for _, k := range sortedKeys(groups, q.By) {
			c := groups[k]
			total.Merge(c)
			c.Finish()
			res.Groups = append(res.Groups, BookingGroup{Day: k.day, Key: k.key, Counts: *c})
		}
	}
	total.Finish()
	res.Total = *total
	return res, nil
}

// OfferBounds are Unix ms bounds that hold every booking.offer event of
// the local days [from, to] in any zone: an offer is recorded on its day,
// so two days either side of the range in UTC.
func OfferBounds(from, to string) (lo, hi int64, err error) {
	f, err := time.Parse(time.DateOnly, from)
	if err != nil {
		return 0, 0, fmt.Errorf("report: from %q is not a date (YYYY-MM-DD)", from)
	}
	t, err := time.Parse(time.DateOnly, to)
	if err != nil {
		return 0, 0, fmt.Errorf("report: to %q is not a date (YYYY-MM-DD)", to)
	}
	return f.AddDate(0, 0, -2).UnixMilli(), t.AddDate(0, 0, 3).UnixMilli(), nil
}

// LastOffers reads booking.offer events as the log stores them, oldest
// first, and calls fn for every slot of each service's last offer of each
// day in [from, to], by day, service and slot.
func LastOffers(bodies [][]byte, from, to string, fn func(SlotOffer) error) error {
	type dayService struct{ day, service string }
	last := map[dayService]*hallq.BookingOffer{}
	for _, body := range bodies {
		var ev hallq.Event
		if err := json.Unmarshal(body, &ev); err != nil {
			return fmt.Errorf("report: booking offer: %w", err)
		}
		if ev.Type != hallq.EventBookingOffer || ev.Offer == nil {
			return fmt.Errorf("report: event %d is not a booking offer", ev.Seq)
		}
		if ev.Offer.Day >= from && ev.Offer.Day <= to {
			last[dayService{ev.Offer.Day, ev.Offer.Service}] = ev.Offer
		}
	}
	keys := slices.SortedFunc(maps.Keys(last), func(a, b dayService) int {
		return cmp.Or(strings.Compare(a.day, b.day), strings.Compare(a.service, b.service))
	})
	for _, k := range keys {
		for _, s := range last[k].Slots {
			if err := fn(SlotOffer{Service: k.service, Day: k.day, Start: s.Start.UnixMilli(), Capacity: s.Capacity}); err != nil {
				return err
			}
		}
	}
	return nil
}
