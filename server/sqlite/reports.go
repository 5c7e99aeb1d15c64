package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/report"
)

// Reports is the store as the report package reads it.
func (db *DB) Reports() report.Store { return reportStore{db} }

type reportStore struct{ db *DB }

// RolledDays returns the days in [from, to] that have a roll-up.
func (s reportStore) RolledDays(ctx context.Context, from, to string) (map[string]bool, error) {
	rows, err := s.db.r.QueryContext(ctx, `SELECT day FROM report_days WHERE day BETWEEN ? AND ?`, from, to)
	if err != nil {
		return nil, fmt.Errorf("sqlite: rolled days: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			return nil, fmt.Errorf("sqlite: rolled days: %w", err)
		}
		out[d] = true
	}
	return out, rows.Err()
}

// reportTicketColumns are what report.Ticket holds, in its order; the
// central store reads the same.
const reportTicketColumns = `id, day, service, counter, officer, state, priority, label, issued_at,
	coalesce(called_at, 0), coalesce(started_at, 0), coalesce(finished_at, 0), coalesce(queued_at, 0),
	coalesce(last_called_at, 0), waited_ms, coalesce(target_wait_s, -1), rating, issue_estimate_s,
	transferred_from, transferred_to, flagged, reason, booking, coalesce(slot_at, 0)`

func scanReportTicket(rows *sql.Rows, t *report.Ticket) error {
	var state string
	var flagged int
	err := rows.Scan(&t.ID, &t.Day, &t.Service, &t.Counter, &t.Officer, &state, &t.Priority, &t.Label, &t.Issued,
		&t.Called, &t.Started, &t.Finished, &t.Queued, &t.LastCalled, &t.WaitedMS, &t.TargetWaitS, &t.Rating, &t.EstimateS,
		&t.TransferredFrom, &t.TransferredTo, &flagged, &t.Reason, &t.Booking, &t.SlotAt)
	t.State = hallq.TicketState(state)
	t.Flagged = flagged != 0
	return err
}

// Presses calls fn for every press that reached the server in [fromMS,
// toMS) and that no ticket took, in the order they arrived.
func (s reportStore) Presses(ctx context.Context, fromMS, toMS int64, fn func(report.Press) error) error {
	rows, err := s.db.r.QueryContext(ctx, `SELECT at, counter, score FROM ratings WHERE ticket_id = '' AND at >= ? AND at < ? ORDER BY at, id`, fromMS, toMS)
	if err != nil {
		return fmt.Errorf("sqlite: report presses: %w", err)
	}
	defer rows.Close()
	var p report.Press
	for rows.Next() {
		if err := rows.Scan(&p.At, &p.Counter, &p.Score); err != nil {
			return fmt.Errorf("sqlite: report presses: %w", err)
		}
		if err := fn(p); err != nil {
			return err
		}
	}
	return rows.Err()
}

// TargetHistory returns the targets the log recorded, oldest first.
func (s reportStore) TargetHistory(ctx context.Context) ([]report.TargetsSince, error) {
	rows, err := s.db.r.QueryContext(ctx, `SELECT body FROM events WHERE type = 'hall.targets' ORDER BY at, seq`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: targets: %w", err)
	}
	defer rows.Close()
	var out []report.TargetsSince
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return nil, fmt.Errorf("sqlite: targets: %w", err)
		}
		ts, err := report.ParseTargetsEvent([]byte(body))
		if err != nil {
			return nil, fmt.Errorf("sqlite: targets: %w", err)
		}
		out = append(out, ts)
	}
	return out, rows.Err()
}

// DayTickets calls fn for every ticket whose day is in [from, to], by day
// and issue time.
func (s reportStore) DayTickets(ctx context.Context, from, to string, fn func(*report.Ticket) error) error {
	rows, err := s.db.r.QueryContext(ctx, `SELECT `+reportTicketColumns+` FROM tickets WHERE day BETWEEN ? AND ? ORDER BY day, issued_at, id`, from, to)
	if err != nil {
		return fmt.Errorf("sqlite: report tickets: %w", err)
	}
	defer rows.Close()
	var t report.Ticket
	for rows.Next() {
		if err := scanReportTicket(rows, &t); err != nil {
			return fmt.Errorf("sqlite: report tickets: %w", err)
		}
		if err := fn(&t); err != nil {
			return err
		}
	}
	return rows.Err()
}

// PutRollup replaces a day's roll-up in one transaction.
func (s reportStore) PutRollup(ctx context.Context, day string, groups []report.Rollup) error {
	tx, err := s.db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: roll-up %s: %w", day, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM report_groups WHERE day = ?`, day); err != nil {
		return fmt.Errorf("sqlite: roll-up %s: %w", day, err)
	}
	for _, g := range groups {
		if _, err := tx.ExecContext(ctx, `INSERT INTO report_groups (dim, day, key, data) VALUES (?, ?, ?, ?)`, string(g.Dim), day, g.Key, g.Data); err != nil {
			return fmt.Errorf("sqlite: roll-up %s: %w", day, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO report_days (day, rolled_at) VALUES (?, ?)
		ON CONFLICT (day) DO UPDATE SET rolled_at = excluded.rolled_at`, day, time.Now().UnixMilli()); err != nil {
		return fmt.Errorf("sqlite: roll-up %s: %w", day, err)
	}
	return tx.Commit()
}

// Rollups calls fn for each roll-up group of dim in [from, to].
func (s reportStore) Rollups(ctx context.Context, from, to string, dim report.Dim, fn func(day, key string, data []byte) error) error {
	rows, err := s.db.r.QueryContext(ctx, `SELECT day, key, data FROM report_groups WHERE dim = ? AND day BETWEEN ? AND ?`, string(dim), from, to)
	if err != nil {
		return fmt.Errorf("sqlite: roll-ups: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var day, key string
		var data []byte
		if err := rows.Scan(&day, &key, &data); err != nil {
			return fmt.Errorf("sqlite: roll-ups: %w", err)
		}
		if err := fn(day, key, data); err != nil {
			return err
		}
	}
	return rows.Err()
}

// DropRollups forgets the roll-ups of days in [from, to], so that they are
// computed again from their tickets (after a repair of the data).
func (db *DB) DropRollups(ctx context.Context, from, to string) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: drop roll-ups: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM report_groups WHERE day BETWEEN ? AND ?`, from, to); err != nil {
		return fmt.Errorf("sqlite: drop roll-ups: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM report_days WHERE day BETWEEN ? AND ?`, from, to); err != nil {
		return fmt.Errorf("sqlite: drop roll-ups: %w", err)
	}
	return tx.Commit()
}

// Exec runs a statement on the writer connection; for tests and
// benchmarks that generate data directly.
func (db *DB) Exec(ctx context.Context, query string, args ...any) error {
	_, err := db.w.ExecContext(ctx, query, args...)
	return err
}

// BulkTickets inserts tickets through fn in one transaction, bypassing the
// engine; for benchmarks and fixtures only.
func (db *DB) BulkTickets(ctx context.Context, fn func(insert func(t *hallq.Ticket) error) error) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, `INSERT INTO tickets (`+ticketColumns+`)
		VALUES (`+ticketPlaces+`)`)
	if err != nil {
		return err
	}
	defer st.Close()
	err = fn(func(t *hallq.Ticket) error {
		_, err := st.ExecContext(ctx, ticketValues(t)...)
		return err
	})
	if err != nil {
		return err
	}
	return tx.Commit()
}
