// Package outbox keeps a kiosk's rating presses and pending ticket
// cancellations in a local SQLite file (modernc.org/sqlite, WAL,
// synchronous=FULL) until the hall server has them, so that nothing is lost
// while the server is unreachable or the kiosk restarts.
//
// A press is committed here, with its device sequence number, before the
// kiosk tries to send it; it is deleted only after the server has answered.
// A crash between the two resends it, and the server, which deduplicates by
// device and sequence number, answers with the first copy: each press is
// recorded exactly once.
package outbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"time"

	_ "modernc.org/sqlite" // registers "sqlite"
)

const schema = `
CREATE TABLE IF NOT EXISTS seqs (
	device TEXT PRIMARY KEY,
	last   INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS ratings (
	device  TEXT    NOT NULL,
	seq     INTEGER NOT NULL,
	counter INTEGER NOT NULL,
	score   INTEGER NOT NULL,
	wall_ms INTEGER NOT NULL, -- the kiosk's wall clock at the press (untrusted)
	boot_id TEXT    NOT NULL, -- the machine's boot, to know whether boot_ns still counts
	boot_ns INTEGER NOT NULL, -- CLOCK_BOOTTIME at the press
	run_id  TEXT    NOT NULL, -- the kiosk process that took the press
	PRIMARY KEY (device, seq)
);
CREATE TABLE IF NOT EXISTS cancels (
	id         INTEGER PRIMARY KEY,
	ticket_id  TEXT NOT NULL, -- "" while only the idempotency key is known
	idem_key   TEXT NOT NULL,
	service    TEXT NOT NULL,
	priority   TEXT NOT NULL,
	reason     TEXT NOT NULL,
	created_ms INTEGER NOT NULL
);
`

// Outbox is the local store. It is safe for concurrent use.
type Outbox struct {
	db *sql.DB
}

// Press is a rating press waiting to be sent.
type Press struct {
	Device  string // the pad's identity in this kiosk, e.g. "pad-3"
	Seq     int64  // device_seq: increases with each press of Device, also across restarts
	Counter int
	Score   int
	Wall    time.Time // wall clock at the press
	BootID  string
	BootNS  int64
	RunID   string
}

// Cancel is a ticket the server must cancel: printing it failed, or the
// kiosk never learnt whether the server issued it.
type Cancel struct {
	ID       int64
	TicketID string // "" when only the idempotency key is known
	Key      string // the idempotency key it was issued with
	Service  string
	Priority string
	Reason   string
	Created  time.Time
}

// Open opens (creating if needed) the outbox at path.
func Open(ctx context.Context, path string) (*Outbox, error) {
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() +
		"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("outbox: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1) // one writer; the kiosk's traffic is tiny
	var mode string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		db.Close()
		return nil, fmt.Errorf("outbox: open %s: %w", path, err)
	}
	if mode != "wal" {
		db.Close()
		return nil, fmt.Errorf("outbox: %s: journal_mode is %q, want wal", path, mode)
	}
	if _, err := db.ExecContext(ctx, schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("outbox: create tables in %s: %w", path, err)
	}
	return &Outbox{db: db}, nil
}

// Close closes the database.
func (o *Outbox) Close() error { return o.db.Close() }

// AddPress numbers p with the next sequence number of p.Device and stores
// it durably, in one transaction; it returns p as stored.
func (o *Outbox) AddPress(ctx context.Context, p Press) (Press, error) {
	tx, err := o.db.BeginTx(ctx, nil)
	if err != nil {
		return p, fmt.Errorf("outbox: add press: %w", err)
	}
	defer tx.Rollback()
	var last int64
	err = tx.QueryRowContext(ctx, "SELECT last FROM seqs WHERE device = ?", p.Device).Scan(&last)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("outbox: add press: %w", err)
	}
	p.Seq = last + 1
	if _, err := tx.ExecContext(ctx, "INSERT INTO seqs (device, last) VALUES (?, ?) ON CONFLICT (device) DO UPDATE SET last = excluded.last", p.Device, p.Seq); err != nil {
		return p, fmt.Errorf("outbox: add press: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO ratings (device, seq, counter, score, wall_ms, boot_id, boot_ns, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		p.Device, p.Seq, p.Counter, p.Score, p.Wall.UnixMilli(), p.BootID, p.BootNS, p.RunID); err != nil {
		return p, fmt.Errorf("outbox: add press: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return p, fmt.Errorf("outbox: add press: %w", err)
	}
	return p, nil
}

// SetNextSeq makes device's next press number at least next: for a kiosk
// whose outbox was lost and that learns the last number the server has.
func (o *Outbox) SetNextSeq(ctx context.Context, device string, next int64) error {
	_, err := o.db.ExecContext(ctx, "INSERT INTO seqs (device, last) VALUES (?, ?) ON CONFLICT (device) DO UPDATE SET last = max(last, excluded.last)", device, next-1)
	if err != nil {
		return fmt.Errorf("outbox: set sequence of %s: %w", device, err)
	}
	return nil
}

// LastSeq returns the last sequence number given to device; ok is false
// when this outbox never numbered a press of it.
func (o *Outbox) LastSeq(ctx context.Context, device string) (last int64, ok bool, err error) {
	err = o.db.QueryRowContext(ctx, "SELECT last FROM seqs WHERE device = ?", device).Scan(&last)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("outbox: last sequence of %s: %w", device, err)
	}
	return last, true, nil
}

// Renumber gives the stored press device#seq the next sequence number of
// its device, at least next, in one transaction, and returns it as stored:
// for a press whose number the server already holds for another press (an
// outbox lost and started again).
func (o *Outbox) Renumber(ctx context.Context, device string, seq, next int64) (Press, error) {
	tx, err := o.db.BeginTx(ctx, nil)
	if err != nil {
		return Press{}, fmt.Errorf("outbox: renumber: %w", err)
	}
	defer tx.Rollback()
	var last int64
	if err := tx.QueryRowContext(ctx, "SELECT last FROM seqs WHERE device = ?", device).Scan(&last); err != nil {
		return Press{}, fmt.Errorf("outbox: renumber %s#%d: %w", device, seq, err)
	}
	newSeq := max(last+1, next)
	if _, err := tx.ExecContext(ctx, "UPDATE seqs SET last = ? WHERE device = ?", newSeq, device); err != nil {
		return Press{}, fmt.Errorf("outbox: renumber: %w", err)
	}
	res, err := tx.ExecContext(ctx, "UPDATE ratings SET seq = ? WHERE device = ? AND seq = ?", newSeq, device, seq)
	if err != nil {
		return Press{}, fmt.Errorf("outbox: renumber: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return Press{}, fmt.Errorf("outbox: renumber: no press %s#%d", device, seq)
	}
	if err := tx.Commit(); err != nil {
		return Press{}, fmt.Errorf("outbox: renumber: %w", err)
	}
	var p Press
	var wall int64
	err = o.db.QueryRowContext(ctx, "SELECT device, seq, counter, score, wall_ms, boot_id, boot_ns, run_id FROM ratings WHERE device = ? AND seq = ?", device, newSeq).
		Scan(&p.Device, &p.Seq, &p.Counter, &p.Score, &wall, &p.BootID, &p.BootNS, &p.RunID)
	p.Wall = time.UnixMilli(wall)
	return p, err
}

// Pending returns up to limit presses of device not yet delivered, oldest first.
func (o *Outbox) Pending(ctx context.Context, device string, limit int) ([]Press, error) {
	rows, err := o.db.QueryContext(ctx, "SELECT device, seq, counter, score, wall_ms, boot_id, boot_ns, run_id FROM ratings WHERE device = ? ORDER BY seq LIMIT ?", device, limit)
	if err != nil {
		return nil, fmt.Errorf("outbox: pending: %w", err)
	}
	defer rows.Close()
	var out []Press
	for rows.Next() {
		var p Press
		var wall int64
		if err := rows.Scan(&p.Device, &p.Seq, &p.Counter, &p.Score, &wall, &p.BootID, &p.BootNS, &p.RunID); err != nil {
			return nil, fmt.Errorf("outbox: pending: %w", err)
		}
		p.Wall = time.UnixMilli(wall)
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("outbox: pending: %w", err)
	}
	return out, nil
}

// Delivered removes a press the server has recorded.
func (o *Outbox) Delivered(ctx context.Context, device string, seq int64) error {
	if _, err := o.db.ExecContext(ctx, "DELETE FROM ratings WHERE device = ? AND seq = ?", device, seq); err != nil {
		return fmt.Errorf("outbox: delivered %s#%d: %w", device, seq, err)
	}
	return nil
}

// AddCancel stores a ticket to cancel and returns its id.
func (o *Outbox) AddCancel(ctx context.Context, c Cancel) (int64, error) {
	res, err := o.db.ExecContext(ctx, "INSERT INTO cancels (ticket_id, idem_key, service, priority, reason, created_ms) VALUES (?, ?, ?, ?, ?, ?)",
		c.TicketID, c.Key, c.Service, c.Priority, c.Reason, c.Created.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("outbox: add cancel: %w", err)
	}
	return res.LastInsertId()
}

// Cancels returns the pending cancellations, oldest first.
func (o *Outbox) Cancels(ctx context.Context) ([]Cancel, error) {
	rows, err := o.db.QueryContext(ctx, "SELECT id, ticket_id, idem_key, service, priority, reason, created_ms FROM cancels ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("outbox: cancels: %w", err)
	}
	defer rows.Close()
	var out []Cancel
	for rows.Next() {
		var c Cancel
		var ms int64
		if err := rows.Scan(&c.ID, &c.TicketID, &c.Key, &c.Service, &c.Priority, &c.Reason, &ms); err != nil {
			return nil, fmt.Errorf("outbox: cancels: %w", err)
		}
		c.Created = time.UnixMilli(ms)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("outbox: cancels: %w", err)
	}
	return out, nil
}

// SetCancelTicket records the ticket id learnt for a cancellation.
func (o *Outbox) SetCancelTicket(ctx context.Context, id int64, ticketID string) error {
	if _, err := o.db.ExecContext(ctx, "UPDATE cancels SET ticket_id = ? WHERE id = ?", ticketID, id); err != nil {
		return fmt.Errorf("outbox: cancel %d: %w", id, err)
	}
	return nil
}

// CancelDone removes a cancellation the server has carried out (or that
// no longer applies).
func (o *Outbox) CancelDone(ctx context.Context, id int64) error {
	if _, err := o.db.ExecContext(ctx, "DELETE FROM cancels WHERE id = ?", id); err != nil {
		return fmt.Errorf("outbox: cancel %d done: %w", id, err)
	}
	return nil
}

// Len counts presses and cancellations not yet delivered.
func (o *Outbox) Len(ctx context.Context) (presses, cancels int, err error) {
	err = o.db.QueryRowContext(ctx, "SELECT (SELECT count(*) FROM ratings), (SELECT count(*) FROM cancels)").Scan(&presses, &cancels)
	if err != nil {
		err = fmt.Errorf("outbox: count: %w", err)
	}
	return presses, cancels, err
}
