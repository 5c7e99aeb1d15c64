package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/server/queue"
)

// Meta keys.
const (
	metaSettings  = "settings"
	metaDay       = "day"
	metaClosedDay = "closed_day"
)

// Seeded reports whether the hall has been set up (its settings stored).
func (db *DB) Seeded(ctx context.Context) (bool, error) {
	var n int
	err := db.w.QueryRowContext(ctx, `SELECT count(*) FROM meta WHERE key = ?`, metaSettings).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("sqlite: %w", err)
	}
	return n > 0, nil
}

// Seed stores a hall's settings, services and counters in an empty
// database, in one transaction. ECONFLICT if the hall is already set up.
func (db *DB) Seed(ctx context.Context, s hallq.Settings, services []hallq.Service, counters []hallq.Counter) error {
	if err := s.Validate(); err != nil {
		return err
	}
	codes := map[string]bool{}
	for i := range services {
		if err := services[i].Validate(); err != nil {
			return err
		}
		if codes[services[i].Code] {
			return hallq.Errorf(hallq.EINVALID, "service %s is defined twice", services[i].Code)
		}
		codes[services[i].Code] = true
	}
	ids := map[int]bool{}
	for _, c := range counters {
		if c.ID <= 0 {
			return hallq.Errorf(hallq.EINVALID, "counter number %d: must be a positive integer", c.ID)
		}
		if ids[c.ID] {
			return hallq.Errorf(hallq.EINVALID, "counter %d is defined twice", c.ID)
		}
		ids[c.ID] = true
		if err := hallq.CheckName(fmt.Sprintf("counter %d: name", c.ID), c.Name, hallq.MaxNameLen); err != nil {
			return err
		}
		if len(c.Services) == 0 {
			return hallq.Errorf(hallq.EINVALID, "counter %d serves no service", c.ID)
		}
		for _, code := range c.Services {
			if !codes[code] {
				return hallq.Errorf(hallq.EINVALID, "counter %d serves unknown service %q", c.ID, code)
			}
		}
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: seed: %w", err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM meta WHERE key = ?`, metaSettings).Scan(&n); err != nil {
		return fmt.Errorf("sqlite: seed: %w", err)
	}
	if n > 0 {
		return hallq.Errorf(hallq.ECONFLICT, "the hall in %s is already set up", db.path)
	}
	if err := putSettings(ctx, tx, &s); err != nil {
		return err
	}
	for i := range services {
		def, _ := json.Marshal(services[i])
		if _, err := tx.ExecContext(ctx, `INSERT INTO services (code, ord, def) VALUES (?, ?, ?)`, services[i].Code, services[i].Order, string(def)); err != nil {
			return fmt.Errorf("sqlite: seed service %s: %w", services[i].Code, err)
		}
	}
	for _, c := range counters {
		sv, _ := json.Marshal(c.Services)
		if c.Name == "" {
			c.Name = fmt.Sprintf("Quầy %d", c.ID)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO counters (id, name, services) VALUES (?, ?, ?)`, c.ID, c.Name, string(sv)); err != nil {
			return fmt.Errorf("sqlite: seed counter %d: %w", c.ID, err)
		}
	}
	return tx.Commit()
}

func putSettings(ctx context.Context, tx *sql.Tx, s *hallq.Settings) error {
	b, _ := json.Marshal(s)
	_, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, metaSettings, string(b))
	if err != nil {
		return fmt.Errorf("sqlite: settings: %w", err)
	}
	return nil
}

func putMeta(ctx context.Context, tx *sql.Tx, key, value string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return fmt.Errorf("sqlite: meta %s: %w", key, err)
	}
	return nil
}

// Settings reads the hall settings. ENOTFOUND if the hall is not set up.
func (db *DB) Settings(ctx context.Context) (hallq.Settings, error) {
	return settings(ctx, db.r)
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func settings(ctx context.Context, q querier) (hallq.Settings, error) {
	var raw string
	err := q.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, metaSettings).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return hallq.Settings{}, hallq.Errorf(hallq.ENOTFOUND, "the hall is not set up: start with -config FILE or -demo")
	}
	if err != nil {
		return hallq.Settings{}, fmt.Errorf("sqlite: settings: %w", err)
	}
	s := hallq.DefaultSettings()
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		return hallq.Settings{}, fmt.Errorf("sqlite: settings: %w", err)
	}
	if s.BaseURL == oldDefaultBaseURL {
		// Halls set up before base_url became optional saved the old
		// built-in default, which no phone on the hall's LAN can reach: read
		// it as unset, so status links follow the address the kiosk used.
		s.BaseURL = ""
	}
	return s, nil
}

// oldDefaultBaseURL was base_url's built-in default until it became optional.
const oldDefaultBaseURL = "http://localhost:8080"

// LoadState reads what the queue engine needs to resume: settings, services,
// counters, the current day's tickets and ratings, every still-active ticket,
// the day's last numbers and the last event sequence number.
func (db *DB) LoadState(ctx context.Context) (queue.State, error) {
	// Read through the writer so nothing committed is missed and nothing
	// commits in between.
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return queue.State{}, fmt.Errorf("sqlite: load: %w", err)
	}
	defer tx.Rollback()
	var st queue.State
	if st.Settings, err = settings(ctx, tx); err != nil {
		return st, err
	}
	loc, err := st.Settings.Location()
	if err != nil {
		return st, fmt.Errorf("sqlite: load: %w", err)
	}
	st.Day = metaValue(ctx, tx, metaDay)
	st.ClosedDay = metaValue(ctx, tx, metaClosedDay)
	if st.Services, err = jsonRows[hallq.Service](ctx, tx, "services", `SELECT def FROM services ORDER BY ord, code`); err != nil {
		return st, err
	}
	if st.Counters, err = counters(ctx, tx); err != nil {
		return st, err
	}
	st.Tickets, err = tickets(ctx, tx, loc, `WHERE day = ? OR state IN ('waiting', 'called', 'serving') ORDER BY issued_at, id`, st.Day)
	if err != nil {
		return st, err
	}
	dayStart, dayEnd := dayBounds(st.Day, loc)
	st.Ratings, err = ratings(ctx, tx, loc, `WHERE at >= ? AND at < ? ORDER BY id`, dayStart, dayEnd)
	if err != nil {
		return st, err
	}
	if st.LastNumbers, err = lastNumbers(ctx, tx, st.Day); err != nil {
		return st, err
	}
	if st.LastSeq, st.LastEventAt, err = lastEvent(ctx, tx, loc); err != nil {
		return st, err
	}
	targets, err := jsonRows[hallq.Event](ctx, tx, "targets", `SELECT body FROM events WHERE type = 'hall.targets' ORDER BY at DESC, seq DESC LIMIT 1`)
	if err != nil {
		return st, err
	}
	if len(targets) > 0 {
		st.Targets = targets[0].Targets
	}
	// Bookings from the day before the engine's day on (booking.go), and
	// any older one still booked: a hall that was off when its check-in
	// window closed marks it missed once it runs again.
	from := int64(0)
	if dayStart != 0 {
		from = time.UnixMilli(dayStart).In(loc).AddDate(0, 0, -1).UnixMilli()
	}
	if st.Bookings, err = bookings(ctx, tx, loc, `WHERE slot_start >= ? OR status = 'booked' ORDER BY slot_start, code`, from); err != nil {
		return st, err
	}
	st.RecentCalls, err = jsonRows[hallq.Event](ctx, tx, "recent calls", `SELECT body FROM events WHERE type IN ('ticket.called', 'ticket.recalled') AND at >= ? AND at < ?
		ORDER BY seq DESC LIMIT 50`, dayStart, dayEnd) // more than the 10 kept: recalls repeat tickets
	for i := range st.RecentCalls {
		st.RecentCalls[i].At = st.RecentCalls[i].At.In(loc)
	}
	return st, err
}

// jsonRows decodes the one JSON column of each row of query into a T;
// what names the rows in errors.
func jsonRows[T any](ctx context.Context, q querier, what, query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: load %s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var raw string
		var v T
		if err := rows.Scan(&raw); err != nil {
			return nil, fmt.Errorf("sqlite: load %s: %w", what, err)
		}
		if err := json.Unmarshal([]byte(raw), &v); err != nil {
			return nil, fmt.Errorf("sqlite: load %s: %w", what, err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// lastNumbers is the last number given of each service on day.
func lastNumbers(ctx context.Context, q querier, day string) (map[string]int, error) {
	rows, err := q.QueryContext(ctx, `SELECT service, last FROM numbers WHERE day = ?`, day)
	if err != nil {
		return nil, fmt.Errorf("sqlite: load numbers: %w", err)
	}
	defer rows.Close()
	last := map[string]int{}
	for rows.Next() {
		var code string
		var n int
		if err := rows.Scan(&code, &n); err != nil {
			return nil, err
		}
		last[code] = n
	}
	return last, rows.Err()
}

// lastEvent is the last event's sequence number and the latest time among
// the last 10,000 events (zero without events): a clock set back shows as
// reading before it (the health check), and a set-back further back than
// that is long past.
func lastEvent(ctx context.Context, q querier, loc *time.Location) (seq int64, at time.Time, err error) {
	var ms int64
	if err := q.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0),
		coalesce((SELECT max(at) FROM (SELECT at FROM events ORDER BY seq DESC LIMIT 10000)), 0) FROM events`).Scan(&seq, &ms); err != nil {
		return 0, time.Time{}, fmt.Errorf("sqlite: load: %w", err)
	}
	if ms != 0 {
		at = fromMS(ms, loc)
	}
	return seq, at, nil
}

// dayBounds gives the Unix-millisecond bounds of a local day; an empty or
// bad day gives an empty range.
func dayBounds(day string, loc *time.Location) (int64, int64) {
	d, err := time.ParseInLocation(time.DateOnly, day, loc)
	if err != nil {
		return 0, 0
	}
	return d.UnixMilli(), d.AddDate(0, 0, 1).UnixMilli()
}

func metaValue(ctx context.Context, q querier, key string) string {
	var v string
	q.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, key).Scan(&v)
	return v
}

func counters(ctx context.Context, q querier) ([]hallq.Counter, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, name, services, state, officer, current_id, since_priority FROM counters ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: counters: %w", err)
	}
	defer rows.Close()
	var out []hallq.Counter
	for rows.Next() {
		var c hallq.Counter
		var sv, state string
		if err := rows.Scan(&c.ID, &c.Name, &sv, &state, &c.Officer, &c.CurrentID, &c.SincePriority); err != nil {
			return nil, fmt.Errorf("sqlite: counters: %w", err)
		}
		c.State = hallq.CounterState(state)
		if err := json.Unmarshal([]byte(sv), &c.Services); err != nil {
			return nil, fmt.Errorf("sqlite: counter %d services: %w", c.ID, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

const ticketColumns = `id, day, service, number, label, priority, state, issued_at, called_at, started_at, finished_at,
	counter, officer, recalls, out_of_order, reason, flagged, transferred_to, transferred_from, rating,
	issue_estimate_s, issue_ahead, device, idem_key, secret, held_until,
	queued_at, last_called_at, waited_ms, target_wait_s, issue_seq, booking, slot_at`

// ticketValues are the values of ticketColumns for t, in their order.
func ticketValues(t *hallq.Ticket) []any {
	return []any{t.ID, t.Day, t.Service, t.Number, t.Label, t.Priority, string(t.State),
		ms(t.IssuedAt), msPtr(t.CalledAt), msPtr(t.StartedAt), msPtr(t.FinishedAt),
		t.Counter, t.Officer, t.Recalls, b2i(t.OutOfOrder), t.Reason, b2i(t.Flagged), t.TransferredTo, t.TransferredFrom, t.Rating,
		t.IssueEstimateS, t.IssueAhead, t.Device, t.IdempotencyKey, t.Secret, msPtr(t.HeldUntil),
		msPtr(t.QueuedAt), msPtr(t.LastCalledAt), t.WaitedMS, intPtr(t.TargetWaitS), t.IssueSeq, t.Booking, msPtr(t.SlotAt)}
}

// ticketPlaces are the placeholders of ticketColumns.
const ticketPlaces = `?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?`

func tickets(ctx context.Context, q querier, loc *time.Location, where string, args ...any) ([]hallq.Ticket, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+ticketColumns+` FROM tickets `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: tickets: %w", err)
	}
	defer rows.Close()
	var out []hallq.Ticket
	for rows.Next() {
		t, err := scanTicket(rows, loc)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

func scanTicket(rows interface{ Scan(...any) error }, loc *time.Location) (hallq.Ticket, error) {
	var t hallq.Ticket
	var state string
	var issued int64
	var called, started, finished, held, queued, lastCalled, target, slot sql.NullInt64
	var ooo, flagged int
	err := rows.Scan(&t.ID, &t.Day, &t.Service, &t.Number, &t.Label, &t.Priority, &state, &issued, &called, &started, &finished,
		&t.Counter, &t.Officer, &t.Recalls, &ooo, &t.Reason, &flagged, &t.TransferredTo, &t.TransferredFrom, &t.Rating,
		&t.IssueEstimateS, &t.IssueAhead, &t.Device, &t.IdempotencyKey, &t.Secret, &held,
		&queued, &lastCalled, &t.WaitedMS, &target, &t.IssueSeq, &t.Booking, &slot)
	if err != nil {
		return t, fmt.Errorf("sqlite: ticket: %w", err)
	}
	t.State = hallq.TicketState(state)
	t.IssuedAt = fromMS(issued, loc)
	t.CalledAt = fromNullMS(called, loc)
	t.StartedAt = fromNullMS(started, loc)
	t.FinishedAt = fromNullMS(finished, loc)
	t.HeldUntil = fromNullMS(held, loc)
	t.QueuedAt = fromNullMS(queued, loc)
	t.LastCalledAt = fromNullMS(lastCalled, loc)
	t.SlotAt = fromNullMS(slot, loc)
	if target.Valid {
		t.TargetWaitS = new(int(target.Int64))
	}
	t.OutOfOrder = ooo != 0
	t.Flagged = flagged != 0
	t.EstimatedWaitS = t.IssueEstimateS
	return t, nil
}

// Ticket reads one ticket by id. ENOTFOUND if there is none.
func (db *DB) Ticket(ctx context.Context, id string, loc *time.Location) (*hallq.Ticket, error) {
	ts, err := tickets(ctx, db.rc, loc, `WHERE id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(ts) == 0 {
		return nil, hallq.Errorf(hallq.ENOTFOUND, "no ticket %q", id)
	}
	return &ts[0], nil
}

// TicketByKey finds the ticket a device issued with an idempotency key.
// ENOTFOUND if there is none.
func (db *DB) TicketByKey(ctx context.Context, device, key string, loc *time.Location) (*hallq.Ticket, error) {
	if !db.mayExist(device, key) {
		return nil, hallq.Errorf(hallq.ENOTFOUND, "no ticket for key %q", key)
	}
	ts, err := tickets(ctx, db.rc, loc, `WHERE device = ? AND idem_key = ? AND idem_key <> ''`, device, key) // the condition lets SQLite use the partial index
	if err != nil {
		return nil, err
	}
	if len(ts) == 0 {
		return nil, hallq.Errorf(hallq.ENOTFOUND, "no ticket for key %q", key)
	}
	return &ts[0], nil
}

const ratingColumns = `id, device, device_seq, counter, score, pressed_at, at, ticket_id, officer, unattached, age_capped`

func ratings(ctx context.Context, q querier, loc *time.Location, where string, args ...any) ([]hallq.Rating, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+ratingColumns+` FROM ratings `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: ratings: %w", err)
	}
	defer rows.Close()
	var out []hallq.Rating
	for rows.Next() {
		var r hallq.Rating
		var pressed, at int64
		var capped int
		if err := rows.Scan(&r.ID, &r.Device, &r.DeviceSeq, &r.Counter, &r.Score, &pressed, &at, &r.TicketID, &r.Officer, &r.Unattached, &capped); err != nil {
			return nil, fmt.Errorf("sqlite: ratings: %w", err)
		}
		r.PressedAt = fromMS(pressed, loc)
		r.At = fromMS(at, loc)
		r.AgeCapped = capped != 0
		out = append(out, r)
	}
	return out, rows.Err()
}

// RatingBySeq finds a device's rating by its sequence number. ENOTFOUND if none.
func (db *DB) RatingBySeq(ctx context.Context, device string, seq int64, loc *time.Location) (*hallq.Rating, error) {
	rs, err := ratings(ctx, db.rc, loc, `WHERE device = ? AND device_seq = ?`, device, seq)
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, hallq.Errorf(hallq.ENOTFOUND, "no rating %s/%d", device, seq)
	}
	return &rs[0], nil
}
