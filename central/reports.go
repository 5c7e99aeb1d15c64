package central

import (
	"context"
	"fmt"
	"slices"
	"strconv"
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
	coalesce(called_at, 0), coalesce(started_at, 0), coalesce(finished_at, 0), rating, issue_estimate_s,
	transferred_from, transferred_to, flagged, reason`

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
			&t.Called, &t.Started, &t.Finished, &t.Rating, &t.EstimateS, &t.TransferredFrom, &t.TransferredTo, &t.Flagged, &t.Reason); err != nil {
			return fmt.Errorf("central: report tickets: %w", err)
		}
		t.State = hallq.TicketState(state)
		if err := fn(&t); err != nil {
			return err
		}
	}
	return rows.Err()
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
func (h *Hall) Today(now time.Time) string {
	cal := now.In(h.Loc).Format(time.DateOnly)
	if h.LastAt.IsZero() {
		return cal
	}
	return min(cal, h.LastAt.In(h.Loc).Format(time.DateOnly))
}

// HallQuery is q for one hall: its own day, zone and target waits, as the
// hall itself computes its reports.
func (h *Hall) HallQuery(q report.Query) report.Query {
	q.Today = h.Today(q.Now)
	q.Loc = h.Loc
	q.TargetWaitS = map[string]int{}
	for _, sv := range h.Profile.Services {
		q.TargetWaitS[sv.Code] = sv.TargetWaitMin * 60
	}
	return q
}

// parallel bounds how many halls are summarised at once.
const parallel = 8

// Summarize computes a summary across halls: each hall's by package report
// exactly as the hall computes its own (its day, zone and targets), merged
// by adding their accumulators. By ByHall, each hall is one group, its
// total. Across several halls, counters and officers belong to their hall:
// their keys are "HALL/KEY"; services, days and hours merge across halls.
func (db *DB) Summarize(ctx context.Context, halls []Hall, q report.Query) (*report.Result, error) {
	by := q.By
	if by == ByHall {
		q.By = report.ByService
	}
	results := make([]*report.Result, len(halls))
	errs := make([]error, len(halls))
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i := range halls {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			results[i], errs[i] = report.Summarize(ctx, db.Reports(halls[i].ID), halls[i].HallQuery(q))
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("hall %s: %w", halls[i].ID, err)
		}
	}
	groups := map[string]*report.Acc{}
	add := func(key string, a *report.Acc) {
		g := groups[key]
		if g == nil {
			g = &report.Acc{}
			groups[key] = g
		}
		g.Merge(a)
	}
	qualify := len(halls) > 1 && (by == report.ByCounter || by == report.ByOfficer)
	for i, res := range results {
		if by == ByHall {
			add(halls[i].ID, &res.Total)
			continue
		}
		for _, g := range res.Groups {
			key := g.Key
			if qualify {
				key = halls[i].ID + "/" + key
			}
			add(key, &g.Acc)
		}
	}
	out := &report.Result{}
	for _, k := range groupOrder(groups, by) {
		out.Groups = append(out.Groups, report.Group{Key: k, Acc: *groups[k]})
		out.Total.Merge(groups[k])
	}
	return out, nil
}

// SplitKey splits a qualified key "HALL/KEY"; ok is false for a plain one.
func SplitKey(key string) (hall, k string, ok bool) {
	i := strings.IndexByte(key, '/')
	if i < 0 {
		return "", key, false
	}
	return key[:i], key[i+1:], true
}

// groupOrder orders keys as package report does: counters by number (within
// their hall), the rest as text.
func groupOrder(groups map[string]*report.Acc, by report.Dim) []string {
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if by == report.ByCounter {
			ha, ka, _ := SplitKey(a)
			hb, kb, _ := SplitKey(b)
			if c := strings.Compare(ha, hb); c != 0 {
				return c
			}
			x, _ := strconv.Atoi(ka)
			y, _ := strconv.Atoi(kb)
			return x - y
		}
		return strings.Compare(a, b)
	})
	return keys
}

// Tickets calls fn for every ticket of halls whose day is in [from, to],
// hall by hall, each in the order the hall's own log gives them.
func (db *DB) Tickets(ctx context.Context, halls []Hall, from, to string, fn func(hall *Hall, t *report.Ticket) error) error {
	for i := range halls {
		h := &halls[i]
		if err := db.Reports(h.ID).DayTickets(ctx, from, to, func(t *report.Ticket) error { return fn(h, t) }); err != nil {
			return err
		}
	}
	return nil
}
