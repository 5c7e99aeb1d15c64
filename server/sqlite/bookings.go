package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/report"
)

// Bookings (issue 19): the engine writes their rows through Apply; the
// staff's list, the citizen's status page and the erasure of personal
// data read and write them here.

const bookingColumns = `code, service, day, slot_start, slot_end, status, name, phone, source, external_id,
	made_at, checked_in_at, cancelled_at, ticket_id, secret, erased_at, cancelled_by`

// booking writes a booking's row: a new one whole; an existing one's state
// only (its name and phone are never written again, so an erasure stays).
func (a *applyTx) booking(b *hallq.Booking) error {
	_, err := a.tx.ExecContext(a.ctx, `INSERT INTO bookings (`+bookingColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)
		ON CONFLICT (code) DO UPDATE SET status = excluded.status, checked_in_at = excluded.checked_in_at,
			cancelled_at = excluded.cancelled_at, ticket_id = excluded.ticket_id, cancelled_by = excluded.cancelled_by`,
		b.Code, b.Service, b.Start.Format(time.DateOnly), ms(b.Start), ms(b.End), string(b.Status), b.Name, b.Phone,
		b.Source, b.ExternalID, ms(b.MadeAt), msPtr(b.CheckedInAt), msPtr(b.CancelledAt), b.TicketID, b.Secret, b.CancelledBy)
	if err != nil {
		return fmt.Errorf("sqlite: booking %s: %w", b.Code, err)
	}
	return nil
}

func bookings(ctx context.Context, q querier, loc *time.Location, where string, args ...any) ([]hallq.Booking, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+bookingColumns+` FROM bookings `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: bookings: %w", err)
	}
	defer rows.Close()
	var out []hallq.Booking
	for rows.Next() {
		var b hallq.Booking
		var day, status string
		var start, end, made int64
		var checked, cancelled, erased sql.NullInt64
		if err := rows.Scan(&b.Code, &b.Service, &day, &start, &end, &status, &b.Name, &b.Phone, &b.Source, &b.ExternalID,
			&made, &checked, &cancelled, &b.TicketID, &b.Secret, &erased, &b.CancelledBy); err != nil {
			return nil, fmt.Errorf("sqlite: bookings: %w", err)
		}
		b.Status = hallq.BookingStatus(status)
		b.Start, b.End, b.MadeAt = fromMS(start, loc), fromMS(end, loc), fromMS(made, loc)
		b.CheckedInAt, b.CancelledAt = fromNullMS(checked, loc), fromNullMS(cancelled, loc)
		b.Erased = erased.Valid
		out = append(out, b)
	}
	return out, rows.Err()
}

// BookingByCode reads one booking. ENOTFOUND if there is none.
func (db *DB) BookingByCode(ctx context.Context, code string, loc *time.Location) (*hallq.Booking, error) {
	bs, err := bookings(ctx, db.rc, loc, `WHERE code = ?`, code)
	if err != nil {
		return nil, err
	}
	if len(bs) == 0 {
		return nil, hallq.Errorf(hallq.ENOTFOUND, "no booking %s", code)
	}
	return &bs[0], nil
}

// BookingFilter selects bookings for the staff's list; empty fields
// select all.
type BookingFilter struct {
	Day     string // local date of the slot, YYYY-MM-DD
	Service string
	Status  hallq.BookingStatus
	// Query matches the code, or a part of the name or the phone.
	Query string
	Limit int // at most this many (0: 1000)
}

// Bookings lists bookings by slot, then code.
func (db *DB) Bookings(ctx context.Context, f BookingFilter, loc *time.Location) ([]hallq.Booking, error) {
	var where []string
	var args []any
	if f.Day != "" {
		where, args = append(where, "day = ?"), append(args, f.Day)
	}
	if f.Service != "" {
		where, args = append(where, "service = ?"), append(args, f.Service)
	}
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, string(f.Status))
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(q) + "%"
		where = append(where, `(code = ? OR name LIKE ? ESCAPE '\' OR phone LIKE ? ESCAPE '\')`)
		args = append(args, strings.ToUpper(q), like, like)
	}
	sqlWhere := ""
	if len(where) > 0 {
		sqlWhere = "WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 1000
	}
	return bookings(ctx, db.rc, loc, sqlWhere+` ORDER BY slot_start, code LIMIT ?`, append(args, limit)...)
}

// EraseBooking erases one booking's name and phone now (a citizen's
// request); ENOTFOUND for an unknown code.
func (db *DB) EraseBooking(ctx context.Context, code string, now time.Time) error {
	res, err := db.w.ExecContext(ctx, `UPDATE bookings SET name = '', phone = '', erased_at = coalesce(erased_at, ?) WHERE code = ?`, ms(now), code)
	if err != nil {
		return fmt.Errorf("sqlite: erase booking %s: %w", code, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return hallq.Errorf(hallq.ENOTFOUND, "no booking %s", code)
	}
	return nil
}

// EraseBookingData erases the name and phone of every booking whose slot
// ended before cutoff, keeping the rows (and so the counts); it returns
// how many it erased.
func (db *DB) EraseBookingData(ctx context.Context, cutoff, now time.Time) (int64, error) {
	res, err := db.w.ExecContext(ctx, `UPDATE bookings SET name = '', phone = '', erased_at = ? WHERE erased_at IS NULL AND slot_end < ?`,
		ms(now), ms(cutoff))
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return 0, err
		}
		return 0, fmt.Errorf("sqlite: erase booking data: %w", err)
	}
	return res.RowsAffected()
}

// BookingReports is the store as the booking counts of the reports read
// it (report.CountBookings).
func (db *DB) BookingReports() report.BookingStore { return reportStore{db} }

// BookingRecords calls fn for every booking whose slot's day is in [from,
// to], by slot.
func (s reportStore) BookingRecords(ctx context.Context, from, to string, fn func(report.BookingRecord) error) error {
	rows, err := s.db.r.QueryContext(ctx, `SELECT code, service, day, slot_start, status, external_id <> '', cancelled_by
		FROM bookings WHERE day BETWEEN ? AND ? ORDER BY slot_start, code`, from, to)
	if err != nil {
		return fmt.Errorf("sqlite: booking counts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var b report.BookingRecord
		var status string
		if err := rows.Scan(&b.Code, &b.Service, &b.Day, &b.Start, &status, &b.Imported, &b.CancelledBy); err != nil {
			return fmt.Errorf("sqlite: booking counts: %w", err)
		}
		b.Status = hallq.BookingStatus(status)
		if err := fn(b); err != nil {
			return err
		}
	}
	return rows.Err()
}

// SlotOffers calls fn for every slot of each service's last booking.offer
// of each day in [from, to].
func (s reportStore) SlotOffers(ctx context.Context, from, to string, fn func(report.SlotOffer) error) error {
	// An offer is recorded on its day, in the hall's zone: two days either
	// side of the range in UTC hold every zone's.
	lo, hi, err := report.OfferBounds(from, to)
	if err != nil {
		return err
	}
	rows, err := s.db.r.QueryContext(ctx, `SELECT body FROM events WHERE type = 'booking.offer' AND at >= ? AND at < ? ORDER BY seq`, lo, hi)
	if err != nil {
		return fmt.Errorf("sqlite: offered slots: %w", err)
	}
	defer rows.Close()
	var bodies [][]byte
	for rows.Next() {
		var body []byte
		if err := rows.Scan(&body); err != nil {
			return fmt.Errorf("sqlite: offered slots: %w", err)
		}
		bodies = append(bodies, body)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: offered slots: %w", err)
	}
	return report.LastOffers(bodies, from, to, fn)
}
