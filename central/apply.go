package central

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hallq/hallq"
)

// HallSeq is the last sequence number of hall's log that the central store
// holds (0: none). It is the truth a shipper resumes from.
func (db *DB) HallSeq(ctx context.Context, hall string) (int64, error) {
	var seq int64
	err := db.pool.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM events WHERE hall_id = $1`, hall).Scan(&seq)
	if err != nil {
		return 0, fmt.Errorf("central: last seq of %s: %w", hall, err)
	}
	return seq, nil
}

// Apply stores a batch of hall's events, in order, with the tickets and
// ratings they carry, in one transaction, and returns the last sequence
// number the store holds for the hall afterwards.
//
// Events the store already holds are skipped, so a batch sent again
// changes nothing; a batch that would leave a gap after them is refused.
// A ticket's row moves only forward: an event older than the one that
// last wrote it does not overwrite it. The roll-ups of the days whose
// tickets changed are dropped, to be computed again.
func (db *DB) Apply(ctx context.Context, hall string, evs []hallq.RawEvent) (int64, error) {
	if hall == "" {
		return 0, fmt.Errorf("central: apply: no hall id")
	}
	var last int64
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		// One shipper per hall is the rule; the lock makes two harmless.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('hallq/' || $1))`, hall); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM events WHERE hall_id = $1`, hall).Scan(&last); err != nil {
			return err
		}
		i := 0
		for i < len(evs) && evs[i].Seq <= last {
			i++
		}
		evs = evs[i:]
		if len(evs) == 0 {
			return nil
		}
		rows := make([][]any, 0, len(evs))
		tickets := map[string]ticketAt{}
		ratings := map[ratingKey]ratingAt{}
		days := map[string]bool{}
		var lastAt int64
		for _, raw := range evs {
			if raw.Seq != last+1 {
				return fmt.Errorf("event %d does not follow %d: refusing a gap in hall %s's log", raw.Seq, last, hall)
			}
			last = raw.Seq
			var ev hallq.Event
			if err := json.Unmarshal(raw.JSON, &ev); err != nil {
				return fmt.Errorf("event %d: %w", raw.Seq, err)
			}
			tid := ""
			if ev.Ticket != nil {
				tid = ev.Ticket.ID
			}
			lastAt = ev.At.UnixMilli()
			rows = append(rows, []any{hall, raw.Seq, string(ev.Type), lastAt, tid, ev.Counter, string(raw.JSON)})
			for _, t := range []*hallq.Ticket{ev.Ticket, ev.NewTicket} {
				if t != nil {
					tickets[t.ID] = ticketAt{raw.Seq, t}
					days[t.Day] = true
				}
			}
			if ev.Rating != nil {
				ratings[ratingKey{ev.Rating.Device, ev.Rating.DeviceSeq}] = ratingAt{raw.Seq, ev.Rating}
			}
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"events"},
			[]string{"hall_id", "seq", "type", "at", "ticket_id", "counter", "body"}, pgx.CopyFromRows(rows)); err != nil {
			return err
		}
		b := &pgx.Batch{}
		for _, id := range sortedKeys(tickets) {
			queueTicket(b, hall, tickets[id])
		}
		for _, r := range ratings {
			queueRating(b, hall, r)
		}
		dayList := sortedKeys(days)
		b.Queue(`DELETE FROM report_groups WHERE hall_id = $1 AND day = ANY($2)`, hall, dayList)
		b.Queue(`DELETE FROM report_days WHERE hall_id = $1 AND day = ANY($2)`, hall, dayList)
		b.Queue(`INSERT INTO halls (hall_id, last_seq, last_event_at, shipped_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (hall_id) DO UPDATE SET last_seq = excluded.last_seq, last_event_at = excluded.last_event_at,
				shipped_at = excluded.shipped_at`, hall, last, lastAt, time.Now().UnixMilli())
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return 0, fmt.Errorf("central: apply %s: %w", hall, err)
	}
	return last, nil
}

type ticketAt struct {
	seq int64
	t   *hallq.Ticket
}

type ratingKey struct {
	device string
	seq    int64
}

type ratingAt struct {
	seq int64
	r   *hallq.Rating
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// ticketColumns are the central tickets' columns after hall_id, in the
// order queueTicket gives them.
const ticketColumns = `id, seq, day, service, number, label, priority, state, issued_at, called_at, started_at, finished_at,
	counter, officer, recalls, out_of_order, reason, flagged, transferred_to, transferred_from, rating,
	issue_estimate_s, issue_ahead, device, queued_at, last_called_at, waited_ms, target_wait_s`

func queueTicket(b *pgx.Batch, hall string, ta ticketAt) {
	t := ta.t
	b.Queue(`INSERT INTO tickets (hall_id, `+ticketColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25,
			$26, $27, $28, $29)
		ON CONFLICT (hall_id, id) DO UPDATE SET seq = excluded.seq, day = excluded.day, service = excluded.service,
			number = excluded.number, label = excluded.label, priority = excluded.priority, state = excluded.state,
			issued_at = excluded.issued_at, called_at = excluded.called_at, started_at = excluded.started_at,
			finished_at = excluded.finished_at, counter = excluded.counter, officer = excluded.officer,
			recalls = excluded.recalls, out_of_order = excluded.out_of_order, reason = excluded.reason,
			flagged = excluded.flagged, transferred_to = excluded.transferred_to, transferred_from = excluded.transferred_from,
			rating = excluded.rating, issue_estimate_s = excluded.issue_estimate_s, issue_ahead = excluded.issue_ahead,
			device = excluded.device, queued_at = excluded.queued_at, last_called_at = excluded.last_called_at,
			waited_ms = excluded.waited_ms, target_wait_s = excluded.target_wait_s
		WHERE tickets.seq < excluded.seq`,
		hall, t.ID, ta.seq, t.Day, t.Service, t.Number, t.Label, t.Priority, string(t.State),
		t.IssuedAt.UnixMilli(), msPtr(t.CalledAt), msPtr(t.StartedAt), msPtr(t.FinishedAt),
		t.Counter, t.Officer, t.Recalls, t.OutOfOrder, t.Reason, t.Flagged, t.TransferredTo, t.TransferredFrom, t.Rating,
		t.IssueEstimateS, t.IssueAhead, t.Device, msPtr(t.QueuedAt), msPtr(t.LastCalledAt), t.WaitedMS, t.TargetWaitS)
}

func queueRating(b *pgx.Batch, hall string, ra ratingAt) {
	r := ra.r
	b.Queue(`INSERT INTO ratings (hall_id, device, device_seq, id, seq, counter, score, pressed_at, at, ticket_id, officer, unattached, age_capped)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
		ON CONFLICT (hall_id, device, device_seq) DO UPDATE SET id = excluded.id, seq = excluded.seq, counter = excluded.counter,
			score = excluded.score, pressed_at = excluded.pressed_at, at = excluded.at, ticket_id = excluded.ticket_id,
			officer = excluded.officer, unattached = excluded.unattached, age_capped = excluded.age_capped
		WHERE ratings.seq < excluded.seq`,
		hall, r.Device, r.DeviceSeq, r.ID, ra.seq, r.Counter, r.Score, r.PressedAt.UnixMilli(), r.At.UnixMilli(),
		r.TicketID, r.Officer, r.Unattached, r.AgeCapped)
}

func msPtr(t *time.Time) *int64 {
	if t == nil {
		return nil
	}
	v := t.UnixMilli()
	return &v
}
