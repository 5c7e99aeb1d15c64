package central

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/report"
)

// ByHall groups a summary by hall: one row per hall, its total.
const ByHall report.Dim = "hall"

// Reports is hall's tickets and roll-ups as package report reads them: the
// same rows, ordered the same way, as the hall's own SQLite gives it.
func (db *DB) Reports(hall string) report.Store { return hallReports{db, hall} }

type hallReports struct {
	db   *DB
	hall string
}

func (s hallReports) RolledDays(ctx context.Context, from, to string) (map[string]bool, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT day FROM report_days WHERE hall_id = $1 AND day BETWEEN $2 AND $3`, s.hall, from, to)
	if err != nil {
		return nil, fmt.Errorf("central: rolled days: %w", err)
	}
	days, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("central: rolled days: %w", err)
	}
	out := make(map[string]bool, len(days))
	for _, d := range days {
		out[d] = true
	}
	return out, nil
}

// reportColumns match the hall store's report columns, in the same order.
const reportColumns = `id, day, service, counter, officer, state, priority, label, issued_at,
	coalesce(called_at, 0), coalesce(started_at, 0), coalesce(finished_at, 0), coalesce(queued_at, 0),
	coalesce(last_called_at, 0), waited_ms, coalesce(target_wait_s, -1), rating, issue_estimate_s,
	transferred_from, transferred_to, flagged, reason, booking, coalesce(slot_at, 0)`

func (s hallReports) DayTickets(ctx context.Context, from, to string, fn func(*report.Ticket) error) error {
	rows, err := s.db.pool.Query(ctx, `SELECT `+reportColumns+` FROM tickets
		WHERE hall_id = $1 AND day BETWEEN $2 AND $3 ORDER BY day, issued_at, id`, s.hall, from, to)
	if err != nil {
		return fmt.Errorf("central: report tickets: %w", err)
	}
	defer rows.Close()
	var t report.Ticket
	var state string
	for rows.Next() {
		if err := rows.Scan(&t.ID, &t.Day, &t.Service, &t.Counter, &t.Officer, &state, &t.Priority, &t.Label, &t.Issued,
			&t.Called, &t.Started, &t.Finished, &t.Queued, &t.LastCalled, &t.WaitedMS, &t.TargetWaitS, &t.Rating, &t.EstimateS,
			&t.TransferredFrom, &t.TransferredTo, &t.Flagged, &t.Reason, &t.Booking, &t.SlotAt); err != nil {
			return fmt.Errorf("central: report tickets: %w", err)
		}
		t.State = hallq.TicketState(state)
		if err := fn(&t); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (s hallReports) Presses(ctx context.Context, fromMS, toMS int64, fn func(report.Press) error) error {
	rows, err := s.db.pool.Query(ctx, `SELECT at, counter, score FROM ratings
		WHERE hall_id = $1 AND ticket_id = '' AND at >= $2 AND at < $3 ORDER BY at, id`, s.hall, fromMS, toMS)
	if err != nil {
		return fmt.Errorf("central: report presses: %w", err)
	}
	defer rows.Close()
	var p report.Press
	for rows.Next() {
		if err := rows.Scan(&p.At, &p.Counter, &p.Score); err != nil {
			return fmt.Errorf("central: report presses: %w", err)
		}
		if err := fn(p); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (s hallReports) TargetHistory(ctx context.Context) ([]report.TargetsSince, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT body FROM target_events WHERE hall_id = $1 ORDER BY at, seq`, s.hall)
	if err != nil {
		return nil, fmt.Errorf("central: targets: %w", err)
	}
	bodies, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("central: targets: %w", err)
	}
	out := make([]report.TargetsSince, 0, len(bodies))
	for _, b := range bodies {
		ts, err := report.ParseTargetsEvent([]byte(b))
		if err != nil {
			return nil, fmt.Errorf("central: targets of %s: %w", s.hall, err)
		}
		out = append(out, ts)
	}
	return out, nil
}

func (s hallReports) PutRollup(ctx context.Context, day string, groups []report.Rollup) error {
	err := pgx.BeginFunc(ctx, s.db.pool, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		b.Queue(`DELETE FROM report_groups WHERE hall_id = $1 AND day = $2`, s.hall, day)
		for _, g := range groups {
			b.Queue(`INSERT INTO report_groups (hall_id, dim, day, key, data) VALUES ($1, $2, $3, $4, $5)`, s.hall, string(g.Dim), day, g.Key, g.Data)
		}
		b.Queue(`INSERT INTO report_days (hall_id, day, rolled_at) VALUES ($1, $2, $3)
			ON CONFLICT (hall_id, day) DO UPDATE SET rolled_at = excluded.rolled_at`, s.hall, day, time.Now().UnixMilli())
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return fmt.Errorf("central: roll-up %s %s: %w", s.hall, day, err)
	}
	return nil
}

func (s hallReports) Rollups(ctx context.Context, from, to string, dim report.Dim, fn func(day, key string, data []byte) error) error {
	rows, err := s.db.pool.Query(ctx, `SELECT day, key, data FROM report_groups WHERE hall_id = $1 AND dim = $2 AND day BETWEEN $3 AND $4`,
		s.hall, string(dim), from, to)
	if err != nil {
		return fmt.Errorf("central: roll-ups: %w", err)
	}
	defer rows.Close()
	var day, key string
	var data []byte
	for rows.Next() {
		if err := rows.Scan(&day, &key, &data); err != nil {
			return fmt.Errorf("central: roll-ups: %w", err)
		}
		if err := fn(day, key, data); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Today is the hall's first day whose figures are computed from its
// tickets rather than roll-ups: the calendar day at now in the hall's
// zone, or the day of the last event the hall shipped if that is earlier.
// A day is rolled up only once an event of a later day has arrived, so a
// hall that is behind never has a day rolled up half-shipped.
func (h *HallRecord) Today(now time.Time) string {
	cal := now.In(h.Loc).Format(time.DateOnly)
	if h.LastAt.IsZero() {
		return cal
	}
	return min(cal, h.LastAt.In(h.Loc).Format(time.DateOnly))
}

// HallQuery is q for one hall: its own day, zone and target waits, as the
// hall itself computes its reports.
func (h *HallRecord) HallQuery(q report.Query) report.Query {
	q.Today = h.Today(q.Now)
	q.Loc = h.Loc
	q.Default = h.Profile.Settings.Targets(h.Profile.Services)
	return q
}

// parallel bounds how many halls are summarised at once.
const parallel = 8

// Summarize computes a summary across halls: each hall's by package report
// exactly as the hall computes its own (its day, zone and targets), merged
// by adding their accumulators. By ByHall, each hall is one group, its
// total. Across several halls, counters and officers belong to their hall:
// their keys are "HALL/KEY"; services, days and hours merge across halls.
// The result's goals are the halls' where they agree, else the defaults; a
// group of one hall (by hall, its counters, its officers) whose goals
// differ from those carries its hall's own (report.Group.Targets).
func (db *DB) Summarize(ctx context.Context, halls []HallRecord, q report.Query) (*report.Result, error) {
	by := q.By
	if by == ByHall {
		q.By = report.ByService
	}
	results, err := eachHall(halls, func(h *HallRecord) (*report.Result, error) {
		return report.Summarize(ctx, db.Reports(h.ID), h.HallQuery(q))
	})
	if err != nil {
		return nil, err
	}
	type gkey struct{ day, key string }
	groups := map[gkey]*report.Acc{}
	own := map[gkey]*report.Targets{} // a hall's group: its hall's goals
	add := func(k gkey, a *report.Acc) {
		g := groups[k]
		if g == nil {
			g = &report.Acc{}
			groups[k] = g
		}
		g.Merge(a)
	}
	qualify := len(halls) > 1 && (by == report.ByCounter || by == report.ByOfficer)
	out := &report.Result{}
	for i, res := range results {
		if by == ByHall {
			k := gkey{key: halls[i].ID}
			add(k, &res.Total)
			own[k] = &res.Targets
		} else {
			for _, g := range res.Groups {
				key := g.Key
				if qualify {
					key = halls[i].ID + "/" + key
				}
				k := gkey{g.Day, key}
				add(k, &g.Acc)
				if qualify {
					own[k] = &res.Targets
				}
			}
		}
		// One hall's figures are held against its own targets; several
		// halls' against theirs where they agree, else the defaults —
		// but a hall's own row (by hall, or a counter or officer of it)
		// always against its own.
		switch {
		case i == 0:
			out.Targets, out.Changes = res.Targets, res.Changes
		case !sameGoals(out.Targets, res.Targets):
			def := hallq.DefaultSettings()
			out.Targets = def.Targets(nil)
			out.Changes = nil
		}
	}
	keys := slices.Collect(maps.Keys(groups))
	slices.SortFunc(keys, func(a, b gkey) int {
		if c := strings.Compare(a.day, b.day); c != 0 {
			return c
		}
		return compareKeys(by, a.key, b.key)
	})
	for _, k := range keys {
		g := report.Group{Day: k.day, Key: k.key, Acc: *groups[k]}
		if tg := own[k]; tg != nil && !sameGoals(*tg, out.Targets) {
			g.Targets = tg
		}
		out.Groups = append(out.Groups, g)
		out.Total.Merge(groups[k])
	}
	return out, nil
}

// eachHall runs fn for every hall, parallel at most at once, and gives
// their results in the halls' order; the first hall's error in that order
// fails them all.
func eachHall[T any](halls []HallRecord, fn func(h *HallRecord) (T, error)) ([]T, error) {
	results := make([]T, len(halls))
	errs := make([]error, len(halls))
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i := range halls {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			results[i], errs[i] = fn(&halls[i])
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("hall %s: %w", halls[i].ID, err)
		}
	}
	return results, nil
}

// sameGoals reports whether two halls hold their periods to the same
// goals (their target waits are their own tickets').
func sameGoals(a, b hallq.Targets) bool {
	return a.OverWaitPct == b.OverWaitPct && a.SatisfiedPct == b.SatisfiedPct && a.SatisfiedMin == b.SatisfiedMin && a.TopScore == b.TopScore
}

// SplitKey splits a qualified key "HALL/KEY"; ok is false for a plain one.
func SplitKey(key string) (hall, k string, ok bool) {
	i := strings.IndexByte(key, '/')
	if i < 0 {
		return "", key, false
	}
	return key[:i], key[i+1:], true
}

// compareKeys orders keys as package report does: counters by number
// (within their hall), the rest as text.
func compareKeys(by report.Dim, a, b string) int {
	if by == report.ByCounter {
		ha, ka, _ := SplitKey(a)
		hb, kb, _ := SplitKey(b)
		if c := strings.Compare(ha, hb); c != 0 {
			return c
		}
		return report.CompareKeys(by, ka, kb)
	}
	return strings.Compare(a, b)
}

// Tickets calls fn for every ticket of halls whose day is in [from, to],
// hall by hall, each in the order the hall's own log gives them.
func (db *DB) Tickets(ctx context.Context, halls []HallRecord, from, to string, fn func(hall *HallRecord, t *report.Ticket) error) error {
	for i := range halls {
		h := &halls[i]
		if err := db.Reports(h.ID).DayTickets(ctx, from, to, func(t *report.Ticket) error { return fn(h, t) }); err != nil {
			return err
		}
	}
	return nil
}
