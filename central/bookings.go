package central

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/report"
)

// Bookings in the city's reports (issue 19). The central store keeps no
// booking rows: a hall ships its booking.* events, which carry the
// booking without name or phone, and a report reads each booking's
// latest one (by seq) for its state — the state the hall's own row holds
// — and each day's last booking.offer for the slots offered, exactly as
// the hall counts them.

// BookingReports is hall's bookings as report.CountBookings reads them.
func (db *DB) BookingReports(hall string) report.BookingStore { return hallReports{db, hall} }

// bookingEvents are the events that carry a booking's state.
const bookingEvents = `('booking.made', 'booking.cancelled', 'booking.checked_in', 'booking.no_show')`

// BookingRecords calls fn for every booking of the hall whose slot's day
// is in [from, to], in its latest state, by slot.
func (s hallReports) BookingRecords(ctx context.Context, from, to string, fn func(report.BookingRecord) error) error {
	rows, err := s.db.pool.Query(ctx, `SELECT DISTINCT ON (body::jsonb #>> '{booking,code}') body FROM booking_events
		WHERE hall_id = $1 AND type IN `+bookingEvents+`
			AND substr(body::jsonb #>> '{booking,start}', 1, 10) BETWEEN $2 AND $3
		ORDER BY body::jsonb #>> '{booking,code}', seq DESC`, s.hall, from, to)
	if err != nil {
		return fmt.Errorf("central: booking counts: %w", err)
	}
	bodies, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		return fmt.Errorf("central: booking counts: %w", err)
	}
	var out []report.BookingRecord
	for _, body := range bodies {
		var ev hallq.Event
		if err := json.Unmarshal(body, &ev); err != nil || ev.Booking == nil {
			return fmt.Errorf("central: booking event of hall %s: %v", s.hall, err)
		}
		b := ev.Booking
		r := report.BookingRecord{Code: b.Code, Service: b.Service, Day: b.Start.Format("2006-01-02"), Start: b.Start.UnixMilli(),
			Status: b.Status, Imported: b.ExternalID != "", CancelledBy: b.CancelledBy}
		if r.Status == hallq.BookingCancelled && r.CancelledBy == "" {
			// Cancelled before the hall said who did: staff act as
			// user:NAME, a citizen with the booking's secret as system
			// (the hall's migration 0011 reads its own rows the same way).
			r.CancelledBy = hallq.CancelledByCitizen
			if strings.HasPrefix(ev.Actor, "user:") {
				r.CancelledBy = hallq.CancelledByStaff
			}
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b report.BookingRecord) int {
		if a.Start != b.Start {
			return int(a.Start - b.Start)
		}
		return strings.Compare(a.Code, b.Code)
	})
	for _, r := range out {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// SlotOffers calls fn for every slot of each service's last booking.offer
// of each day in [from, to].
func (s hallReports) SlotOffers(ctx context.Context, from, to string, fn func(report.SlotOffer) error) error {
	lo, hi, err := report.OfferBounds(from, to)
	if err != nil {
		return err
	}
	rows, err := s.db.pool.Query(ctx, `SELECT body FROM booking_events WHERE hall_id = $1 AND type = 'booking.offer' AND at >= $2 AND at < $3
		ORDER BY seq`, s.hall, lo, hi)
	if err != nil {
		return fmt.Errorf("central: offered slots: %w", err)
	}
	bodies, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		return fmt.Errorf("central: offered slots: %w", err)
	}
	return report.LastOffers(bodies, from, to, fn)
}

// CountBookings counts the bookings and offered slots of halls as each
// hall counts its own (its day and zone), merged as Summarize merges
// tickets: by ByHall one group per hall, its total; services, days and
// hours across halls; by counter or officer the total only.
func (db *DB) CountBookings(ctx context.Context, halls []HallRecord, q report.Query) (*report.BookingResult, error) {
	by := q.By
	if by == ByHall {
		q.By = report.ByService
	}
	results, err := eachHall(halls, func(h *HallRecord) (*report.BookingResult, error) {
		return report.CountBookings(ctx, db.BookingReports(h.ID), h.HallQuery(q))
	})
	if err != nil {
		return nil, err
	}
	type gkey struct{ day, key string }
	groups := map[gkey]*report.BookingCounts{}
	add := func(k gkey, c *report.BookingCounts) {
		g := groups[k]
		if g == nil {
			g = &report.BookingCounts{}
			groups[k] = g
		}
		g.Merge(c)
	}
	out := &report.BookingResult{}
	for i, res := range results {
		if by == ByHall {
			add(gkey{key: halls[i].ID}, &res.Total)
			continue
		}
		for _, g := range res.Groups {
			add(gkey{g.Day, g.Key}, &g.Counts)
		}
		if len(res.Groups) == 0 {
			out.Total.Merge(&res.Total) // by counter or officer: totals only
		}
	}
	keys := slices.Collect(maps.Keys(groups))
	slices.SortFunc(keys, func(a, b gkey) int {
		if c := strings.Compare(a.day, b.day); c != 0 {
			return c
		}
		return strings.Compare(a.key, b.key)
	})
	for _, k := range keys {
		c := groups[k]
		out.Total.Merge(c)
		c.Finish()
		out.Groups = append(out.Groups, report.BookingGroup{Day: k.day, Key: k.key, Counts: *c})
	}
	out.Total.Finish()
	return out, nil
}
