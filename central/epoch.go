package central

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hallq/hallq"
)

// Epoch is what NewEpoch did.
type Epoch struct {
	Hall     string
	Epoch    int   // the epoch that began
	After    int64 // the last event both histories share
	SetAside int64 // events moved to forked_events
	Through  int64 // the last of them
}

// NewEpoch resolves a hall whose history parted from the one the store
// holds after event after (the hall's status and the city's dashboard name
// it): the store's events of that hall after it are set aside in
// forked_events, as the epoch they belonged to, and leave the reports; the
// tickets and ratings they wrote go back to what the events up to after
// say; the hall then ships its own history from after+1. Nothing is
// deleted. It runs as the owner (hallserver central new-epoch).
func (db *DB) NewEpoch(ctx context.Context, hall string, after int64, reason string) (Epoch, error) {
	out := Epoch{Hall: hall, After: after}
	if err := HallID(hall); err != nil {
		return out, err
	}
	if after < 0 {
		return out, fmt.Errorf("central: -after %d: the last event both histories share, 0 or more", after)
	}
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('hallq/' || $1))`, hall); err != nil {
			return err
		}
		var last int64
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM events WHERE hall_id = $1`, hall).Scan(&last); err != nil {
			return err
		}
		if last <= after {
			return fmt.Errorf("hall %s: the store holds its log up to event %d, nothing after %d to set aside", hall, last, after)
		}
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(epoch), 1) FROM epochs WHERE hall_id = $1`, hall).Scan(&out.Epoch); err != nil {
			return err
		}
		old := out.Epoch
		out.Epoch++
		out.Through = last
		taken, err := takeRows(ctx, tx, hall, after)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO forked_events (hall_id, epoch, seq, type, at, ticket_id, counter, body, chain)
			SELECT hall_id, $3, seq, type, at, ticket_id, counter, body, chain FROM events WHERE hall_id = $1 AND seq > $2`, hall, after, old)
		if err != nil {
			return err
		}
		out.SetAside = tag.RowsAffected()
		if _, err := tx.Exec(ctx, `DELETE FROM events WHERE hall_id = $1 AND seq > $2`, hall, after); err != nil {
			return err
		}
		if err := restoreRows(ctx, tx, hall, after, taken); err != nil {
			return err
		}
		dayList := sortedKeys(taken.days)
		if _, err := tx.Exec(ctx, `DELETE FROM report_groups WHERE hall_id = $1 AND day = ANY($2)`, hall, dayList); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM report_days WHERE hall_id = $1 AND day = ANY($2)`, hall, dayList); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE halls SET last_seq = $2,
				last_event_at = coalesce((SELECT at FROM events WHERE hall_id = $1 AND seq = $2), 0),
				diverged_at = 0, diverged_after = 0, diverged_head = 0, diverged_note = ''
			WHERE hall_id = $1`, hall, after); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO epochs (hall_id, epoch, after_seq, set_aside, reason, at) VALUES ($1, $2, $3, $4, $5, $6)`,
			hall, out.Epoch, after, out.SetAside, reason, time.Now().UnixMilli())
		return err
	})
	if err != nil {
		return out, fmt.Errorf("central: new epoch: %w", db.ownerOnly(err))
	}
	return out, nil
}

// takenRows are the tickets and ratings the events set aside wrote, taken
// out of the store: their keys, the days whose roll-ups they touched, and
// the earliest issue or press among them (-1: none).
type takenRows struct {
	tickets map[string]bool
	ratings map[ratingKey]bool
	days    map[string]bool
	from    int64
}

// takeRows deletes the tickets and ratings the events after after wrote.
func takeRows(ctx context.Context, tx pgx.Tx, hall string, after int64) (takenRows, error) {
	t := takenRows{tickets: map[string]bool{}, ratings: map[ratingKey]bool{}, days: map[string]bool{}, from: -1}
	lower := func(v int64) {
		if t.from < 0 || v < t.from {
			t.from = v
		}
	}
	rows, err := tx.Query(ctx, `DELETE FROM tickets WHERE hall_id = $1 AND seq > $2 RETURNING id, day, issued_at`, hall, after)
	if err != nil {
		return t, err
	}
	for rows.Next() {
		var id, day string
		var issued int64
		if err := rows.Scan(&id, &day, &issued); err != nil {
			rows.Close()
			return t, err
		}
		t.tickets[id], t.days[day] = true, true
		lower(issued)
	}
	if err := rows.Err(); err != nil {
		return t, err
	}
	rows, err = tx.Query(ctx, `DELETE FROM ratings WHERE hall_id = $1 AND seq > $2 RETURNING device, device_seq, pressed_at`, hall, after)
	if err != nil {
		return t, err
	}
	for rows.Next() {
		var k ratingKey
		var pressed int64
		if err := rows.Scan(&k.device, &k.seq, &pressed); err != nil {
			rows.Close()
			return t, err
		}
		t.ratings[k] = true
		lower(pressed)
	}
	return t, rows.Err()
}

// restoreRows puts each taken row back as the latest event up to after
// that carried it left it. Every event that carries a ticket or a rating
// happens at or after its issue or its press, so the events since the
// earliest of those are enough (a day earlier, should the hall's clock
// have been set back).
func restoreRows(ctx context.Context, tx pgx.Tx, hall string, after int64, taken takenRows) error {
	if taken.from < 0 {
		return nil
	}
	from := taken.from - 24*60*60*1000
	back := map[string]ticketAt{}
	backR := map[ratingKey]ratingAt{}
	rows, err := tx.Query(ctx, `SELECT seq, body FROM events WHERE hall_id = $1 AND seq <= $2 AND at >= $3 ORDER BY seq`, hall, after, from)
	if err != nil {
		return err
	}
	for rows.Next() {
		var seq int64
		var body string
		if err := rows.Scan(&seq, &body); err != nil {
			rows.Close()
			return err
		}
		var ev hallq.Event
		if err := json.Unmarshal([]byte(body), &ev); err != nil {
			rows.Close()
			return fmt.Errorf("event %d: %w", seq, err)
		}
		derive(seq, &ev, back, backR)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	maps.DeleteFunc(back, func(id string, _ ticketAt) bool { return !taken.tickets[id] })
	maps.DeleteFunc(backR, func(k ratingKey, _ ratingAt) bool { return !taken.ratings[k] })
	tj, err := json.Marshal(ticketRows(back))
	if err != nil {
		return err
	}
	rj, err := json.Marshal(ratingRows(backR))
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO tickets (hall_id, `+ticketColumns+`)
		SELECT $1, `+ticketColumnsOf("r")+` FROM jsonb_populate_recordset(NULL::tickets, $2) r`, hall, string(tj)); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO ratings SELECT $1, r.device, r.device_seq, r.id, r.seq, r.counter, r.score, r.pressed_at,
		r.at, r.ticket_id, r.officer, r.unattached, r.age_capped
		FROM jsonb_populate_recordset(NULL::ratings, $2) r`, hall, string(rj))
	return err
}
