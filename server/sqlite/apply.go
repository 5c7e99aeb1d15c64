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

// applyStmts are the hot statements of Apply, prepared once on the writer
// connection: parsing them for every batch cost a fifth of a commit.
type applyStmts struct {
	lastSeq, upTicket, insEvent, upCounter, upNumber *sql.Stmt
}

func (db *DB) applyStatements(ctx context.Context) (*applyStmts, error) {
	db.stmtMu.Lock()
	defer db.stmtMu.Unlock()
	if db.stmts != nil {
		return db.stmts, nil
	}
	var st applyStmts
	var err error
	prep := func(q string) *sql.Stmt {
		if err != nil {
			return nil
		}
		var s *sql.Stmt
		s, err = db.w.PrepareContext(ctx, q)
		return s
	}
	st.lastSeq = prep(`SELECT seq, chain FROM events ORDER BY seq DESC LIMIT 1`)
	st.upTicket = prep(`INSERT INTO tickets (` + ticketColumns + `)
		VALUES (` + ticketPlaces + `)
		ON CONFLICT (id) DO UPDATE SET
			priority = excluded.priority, state = excluded.state, called_at = excluded.called_at,
			started_at = excluded.started_at, finished_at = excluded.finished_at, counter = excluded.counter,
			officer = excluded.officer, recalls = excluded.recalls, out_of_order = excluded.out_of_order,
			reason = excluded.reason, flagged = excluded.flagged, transferred_to = excluded.transferred_to,
			rating = excluded.rating, held_until = excluded.held_until, queued_at = excluded.queued_at,
			last_called_at = excluded.last_called_at, waited_ms = excluded.waited_ms, target_wait_s = excluded.target_wait_s`)
	st.insEvent = prep(`INSERT INTO events (seq, type, at, ticket_id, counter, body, chain) VALUES (?, ?, ?, ?, ?, ?, ?)`)
	st.upCounter = prep(`INSERT INTO counters (id, name, services, state, officer, current_id, since_priority)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, services = excluded.services, state = excluded.state,
			officer = excluded.officer, current_id = excluded.current_id, since_priority = excluded.since_priority`)
	st.upNumber = prep(`INSERT INTO numbers (day, service, last) VALUES (?, ?, ?)
		ON CONFLICT (day, service) DO UPDATE SET last = excluded.last`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: prepare: %w", err)
	}
	db.stmts = &st
	return db.stmts, nil
}

// Apply writes the changes of one batch of commands in one immediate
// transaction, and returns once it is durably committed. Event sequence
// numbers must continue the log without a gap; otherwise nothing is written.
func (db *DB) Apply(ctx context.Context, changes []*queue.Change) error {
	// Prepare before beginning: the writer has one connection, which the
	// transaction would hold.
	st, err := db.applyStatements(ctx)
	if err != nil {
		return err
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: apply: %w", err)
	}
	defer tx.Rollback()

	a := &applyTx{ctx: ctx, tx: tx, upTicket: tx.StmtContext(ctx, st.upTicket), insEvent: tx.StmtContext(ctx, st.insEvent),
		upCounter: tx.StmtContext(ctx, st.upCounter), numbers: map[[2]string]int{}}
	if err := tx.StmtContext(ctx, st.lastSeq).QueryRowContext(ctx).Scan(&a.last, &a.chain); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("sqlite: apply: %w", err)
	}
	for _, ch := range changes {
		if ch == nil {
			continue
		}
		if err := a.change(ch); err != nil {
			return err
		}
	}
	if err := a.writeNumbers(tx.StmtContext(ctx, st.upNumber)); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	for _, ch := range changes {
		if ch == nil {
			continue
		}
		for _, t := range ch.Tickets {
			if t.IdempotencyKey != "" {
				db.keyAdded(t.Device, t.IdempotencyKey)
			}
		}
	}
	return nil
}

// applyTx writes the rows of changes in one transaction, one helper per
// kind of row.
type applyTx struct {
	ctx                           context.Context
	tx                            *sql.Tx
	upTicket, insEvent, upCounter *sql.Stmt
	last                          int64  // the log's last sequence number so far
	chain                         []byte // and its hash chain (hallq.ChainNext)
	// Every issue moves its service's last number: only the batch's last
	// for each day and service needs writing (writeNumbers).
	numbers map[[2]string]int
}

// change writes one command's rows: ratings before the events that name
// them, events last.
func (a *applyTx) change(ch *queue.Change) error {
	for _, t := range ch.Tickets {
		if err := a.ticket(t); err != nil {
			return err
		}
	}
	for _, c := range ch.Counters {
		if err := a.counter(c); err != nil {
			return err
		}
	}
	for _, n := range ch.Numbers {
		a.numbers[[2]string{n.Day, n.Service}] = n.Last
	}
	for _, r := range ch.Ratings {
		if err := a.rating(r); err != nil {
			return err
		}
	}
	if ch.Day != nil {
		if err := putMeta(a.ctx, a.tx, metaDay, ch.Day.Day); err != nil {
			return err
		}
		if err := putMeta(a.ctx, a.tx, metaClosedDay, ch.Day.ClosedDay); err != nil {
			return err
		}
	}
	if ch.Settings != nil {
		if err := putSettings(a.ctx, a.tx, ch.Settings); err != nil {
			return err
		}
	}
	for _, sv := range ch.Services {
		if err := a.service(sv); err != nil {
			return err
		}
	}
	for _, b := range ch.Bookings {
		if err := a.booking(b); err != nil {
			return err
		}
	}
	ch.EventJSON = ch.EventJSON[:0]
	for i := range ch.Events {
		body, err := a.event(&ch.Events[i], ch.Ratings)
		if err != nil {
			return err
		}
		ch.EventJSON = append(ch.EventJSON, body)
	}
	return nil
}

func (a *applyTx) ticket(t *hallq.Ticket) error {
	_, err := a.upTicket.ExecContext(a.ctx, ticketValues(t)...)
	if err != nil {
		return fmt.Errorf("sqlite: ticket %s (%s %s): %w", t.ID, t.Day, t.Label, err)
	}
	return nil
}

func (a *applyTx) counter(c *hallq.Counter) error {
	sv, _ := json.Marshal(c.Services)
	_, err := a.upCounter.ExecContext(a.ctx, c.ID, c.Name, string(sv), string(c.State), c.Officer, c.CurrentID, c.SincePriority)
	if err != nil {
		return fmt.Errorf("sqlite: counter %d: %w", c.ID, err)
	}
	return nil
}

// writeNumbers writes each service's last number of the batch.
func (a *applyTx) writeNumbers(upNumber *sql.Stmt) error {
	for k, last := range a.numbers {
		if _, err := upNumber.ExecContext(a.ctx, k[0], k[1], last); err != nil {
			return fmt.Errorf("sqlite: numbers: %w", err)
		}
	}
	return nil
}

// rating inserts a rating and gives it the id the store numbered it with.
func (a *applyTx) rating(r *hallq.Rating) error {
	res, err := a.tx.ExecContext(a.ctx, `INSERT INTO ratings (device, device_seq, counter, score, pressed_at, at, ticket_id, officer, unattached, age_capped)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.Device, r.DeviceSeq, r.Counter, r.Score, ms(r.PressedAt), ms(r.At), r.TicketID, r.Officer, r.Unattached, b2i(r.AgeCapped))
	if err != nil {
		return fmt.Errorf("sqlite: rating %s/%d: %w", r.Device, r.DeviceSeq, err)
	}
	if r.ID, err = res.LastInsertId(); err != nil {
		return fmt.Errorf("sqlite: rating: %w", err)
	}
	return nil
}

func (a *applyTx) service(sv *hallq.Service) error {
	def, err := json.Marshal(sv)
	if err != nil {
		return fmt.Errorf("sqlite: service %s: %w", sv.Code, err)
	}
	if _, err := a.tx.ExecContext(a.ctx, `INSERT INTO services (code, ord, def) VALUES (?, ?, ?)
		ON CONFLICT (code) DO UPDATE SET ord = excluded.ord, def = excluded.def`, sv.Code, sv.Order, string(def)); err != nil {
		return fmt.Errorf("sqlite: service %s: %w", sv.Code, err)
	}
	return nil
}

// event appends ev to the log; it must follow the last one without a gap.
// ratings are its command's, whose ids the store has just given.
// event appends ev to the log and returns its JSON as written.
func (a *applyTx) event(ev *hallq.Event, ratings []*hallq.Rating) ([]byte, error) {
	if ev.Seq != a.last+1 {
		return nil, fmt.Errorf("sqlite: event %d (%s) does not follow %d: refusing a gap in the log", ev.Seq, ev.Type, a.last)
	}
	a.last = ev.Seq
	if ev.Rating != nil && ev.Rating.ID == 0 {
		// The rating event was built before the store gave the rating its
		// id; it is the same press.
		for _, r := range ratings {
			if r.Device == ev.Rating.Device && r.DeviceSeq == ev.Rating.DeviceSeq {
				ev.Rating.ID = r.ID
			}
		}
	}
	body, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("sqlite: event %d: %w", ev.Seq, err)
	}
	tid := ""
	if ev.Ticket != nil {
		tid = ev.Ticket.ID
	}
	a.chain = hallq.ChainNext(a.chain, ev.Seq, body)
	if _, err := a.insEvent.ExecContext(a.ctx, ev.Seq, string(ev.Type), ms(ev.At), tid, ev.Counter, string(body), a.chain); err != nil {
		return nil, fmt.Errorf("sqlite: event %d: %w", ev.Seq, err)
	}
	return body, nil
}

// Events reads up to limit events with seq > since, in order.
func (db *DB) Events(ctx context.Context, since int64, limit int) ([]hallq.Event, error) {
	rows, err := db.rc.QueryContext(ctx, `SELECT body FROM events WHERE seq > ? ORDER BY seq LIMIT ?`, since, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: events: %w", err)
	}
	defer rows.Close()
	var out []hallq.Event
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return nil, fmt.Errorf("sqlite: events: %w", err)
		}
		var ev hallq.Event
		if err := json.Unmarshal([]byte(body), &ev); err != nil {
			return nil, fmt.Errorf("sqlite: events: %w", err)
		}
		out = append(out, ev)
	}
	return out, rows.Err()
}

// EventsRaw reads up to limit events with seq > since as their stored JSON
// with their chain, for streaming and shipping without decoding and
// encoding again.
func (db *DB) EventsRaw(ctx context.Context, since int64, limit int) ([]hallq.RawEvent, error) {
	rows, err := db.rc.QueryContext(ctx, `SELECT seq, body, chain FROM events WHERE seq > ? ORDER BY seq LIMIT ?`, since, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: events: %w", err)
	}
	defer rows.Close()
	var out []hallq.RawEvent
	for rows.Next() {
		var r hallq.RawEvent
		var body string
		if err := rows.Scan(&r.Seq, &body, &r.Chain); err != nil {
			return nil, fmt.Errorf("sqlite: events: %w", err)
		}
		r.JSON = []byte(body)
		out = append(out, r)
	}
	return out, rows.Err()
}

// CounterEvents reads the counter.opened, counter.paused and
// counter.closed events from from (inclusive) to to, in order. The log is
// in time order, so the range is found by bisecting the sequence numbers
// (a clock set back would only move its ends by the events out of order).
func (db *DB) CounterEvents(ctx context.Context, from, to time.Time) ([]hallq.Event, error) {
	first, err := db.seqAt(ctx, from.UnixMilli())
	if err != nil {
		return nil, err
	}
	end, err := db.seqAt(ctx, to.UnixMilli())
	if err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT body FROM events WHERE seq >= ? AND seq < ? AND type IN (?, ?, ?) ORDER BY seq`,
		first, end, hallq.EventCounterOpened, hallq.EventCounterPaused, hallq.EventCounterClosed)
	if err != nil {
		return nil, fmt.Errorf("sqlite: counter events: %w", err)
	}
	defer rows.Close()
	var out []hallq.Event
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return nil, fmt.Errorf("sqlite: counter events: %w", err)
		}
		var ev hallq.Event
		if err := json.Unmarshal([]byte(body), &ev); err != nil {
			return nil, fmt.Errorf("sqlite: counter events: %w", err)
		}
		out = append(out, ev)
	}
	return out, rows.Err()
}

// seqAt is the first sequence number whose event is at or after atMS
// (one past the last if none).
func (db *DB) seqAt(ctx context.Context, atMS int64) (int64, error) {
	var lo, hi sql.NullInt64
	if err := db.r.QueryRowContext(ctx, `SELECT MIN(seq), MAX(seq) FROM events`).Scan(&lo, &hi); err != nil {
		return 0, fmt.Errorf("sqlite: events: %w", err)
	}
	if !lo.Valid {
		return 1, nil
	}
	l, h := lo.Int64, hi.Int64+1
	for l < h {
		mid := l + (h-l)/2
		var at int64
		err := db.r.QueryRowContext(ctx, `SELECT at FROM events WHERE seq >= ? ORDER BY seq LIMIT 1`, mid).Scan(&at)
		if err != nil {
			return 0, fmt.Errorf("sqlite: events: %w", err)
		}
		if at < atMS {
			l = mid + 1
		} else {
			h = mid
		}
	}
	return l, nil
}

// ChainAt is the log's hash chain at event seq (hallq.ChainNext); nil for
// seq 0. ENOTFOUND if the log has no such event.
func (db *DB) ChainAt(ctx context.Context, seq int64) ([]byte, error) {
	if seq == 0 {
		return nil, nil
	}
	var chain []byte
	err := db.rc.QueryRowContext(ctx, `SELECT chain FROM events WHERE seq = ?`, seq).Scan(&chain)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, hallq.Errorf(hallq.ENOTFOUND, "no event %d in the hall's log", seq)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: chain at %d: %w", seq, err)
	}
	return chain, nil
}

// fillChains chains the events logged before the log had a chain
// (migration 6), in order, in one pass, chainBatch events to a
// transaction (a crash in between resumes where the chain stops). It runs
// once, on the first opening after the upgrade; a year of a busy hall's
// log takes a while (docs/BENCHMARKS.md), which the server tells systemd.
func (db *DB) fillChains(ctx context.Context) error {
	var first sql.NullInt64
	if err := db.w.QueryRowContext(ctx, `SELECT min(seq) FROM events WHERE chain IS NULL`).Scan(&first); err != nil {
		return fmt.Errorf("sqlite: chain the log: %w", err)
	}
	if !first.Valid {
		return nil
	}
	var prev []byte
	err := db.w.QueryRowContext(ctx, `SELECT chain FROM events WHERE seq = ?`, first.Int64-1).Scan(&prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("sqlite: chain the log: %w", err)
	}
	for next := first.Int64; ; {
		var done bool
		if next, prev, done, err = db.chainFrom(ctx, next, prev); err != nil {
			return fmt.Errorf("sqlite: chain the log from %d: %w", next, err)
		}
		if done {
			return nil
		}
	}
}

// chainBatch is how many events fillChains chains in one transaction.
const chainBatch = 20000

// chainFrom chains up to chainBatch events from seq first on, given the
// chain before it, and returns where to go on, with the chain so far.
func (db *DB) chainFrom(ctx context.Context, first int64, prev []byte) (next int64, chain []byte, done bool, err error) {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return first, prev, false, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT seq, body FROM events WHERE seq >= ? ORDER BY seq LIMIT ?`, first, chainBatch)
	if err != nil {
		return first, prev, false, err
	}
	type link struct {
		seq   int64
		chain []byte
	}
	links := make([]link, 0, chainBatch)
	var body []byte
	for rows.Next() {
		var seq int64
		if err := rows.Scan(&seq, &body); err != nil {
			rows.Close()
			return first, prev, false, err
		}
		prev = hallq.ChainNext(prev, seq, body)
		links = append(links, link{seq, prev})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return first, prev, false, err
	}
	if len(links) == 0 {
		return first, prev, true, nil
	}
	up, err := tx.PrepareContext(ctx, `UPDATE events SET chain = ? WHERE seq = ?`)
	if err != nil {
		return first, prev, false, err
	}
	defer up.Close()
	for _, l := range links {
		if _, err := up.ExecContext(ctx, l.chain, l.seq); err != nil {
			return first, prev, false, err
		}
	}
	if err := tx.Commit(); err != nil {
		return first, prev, false, err
	}
	return links[len(links)-1].seq + 1, prev, len(links) < chainBatch, nil
}
