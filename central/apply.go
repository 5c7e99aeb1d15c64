package central

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/hallq/hallq"
)

// Head is where a hall's log ends in the central store, as the hall's
// own role reads it (hallq_hall_head): which hall the role ships for, its
// last event held and that event's chain, the schema's version and the
// hall's epoch.
type Head struct {
	Hall    string
	Seq     int64
	Chain   []byte
	Version int
	Epoch   int
}

// Head reads where this role's hall's log ends in the store.
func (db *DB) Head(ctx context.Context) (Head, error) {
	var h Head
	err := db.pool.QueryRow(ctx, `SELECT hall_id, seq, chain, version, epoch FROM hallq_hall_head()`).
		Scan(&h.Hall, &h.Seq, &h.Chain, &h.Version, &h.Epoch)
	if err != nil {
		return h, fmt.Errorf("central: %w", db.hallOnly(err))
	}
	return h, nil
}

// ChainAt is the chain of this role's hall's event seq as the store holds
// it; nil if it holds none.
func (db *DB) ChainAt(ctx context.Context, seq int64) ([]byte, error) {
	var c []byte
	if err := db.pool.QueryRow(ctx, `SELECT hallq_hall_chain($1)`, seq).Scan(&c); err != nil {
		return nil, fmt.Errorf("central: chain at %d: %w", seq, db.hallOnly(err))
	}
	return c, nil
}

// hallOnly explains the errors of a hall's calls: a store without the
// functions (not migrated), a role that is not a hall's.
func (db *DB) hallOnly(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "42883", "42P01":
			return fmt.Errorf("%w (the central store has no hallq schema of this release: run hallserver central migrate as its owner)", err)
		case "42501":
			return fmt.Errorf("%w (role %s is not a hall's: ship with the role hallserver central add-hall made for this hall)", err, db.user)
		}
	}
	return err
}

// Shipped is what the store says of a batch: the last event it holds of
// the hall, and how many of the batch's events were new to it.
type Shipped struct {
	Last     int64
	Inserted int
}

// DivergedError is the store's refusal of a batch that does not continue
// the history it holds of the hall: another history (SQLSTATE HQ001).
type DivergedError struct {
	Hall string
	Seq  int64 // the first event of the batch the store refused
	Err  error
}

func (e *DivergedError) Error() string { return e.Err.Error() }
func (e *DivergedError) Unwrap() error { return e.Err }

// Ship stores a batch of this role's hall's events, in order, with the
// tickets and ratings they carry, in one transaction (hallq_hall_ship):
// events the store holds already are skipped if they are the same, a gap
// is refused, and a batch of another history is refused with a
// *DivergedError. Each event must carry its chain (hallq.ChainNext), which
// the store computes again from the body. A ticket's row moves only
// forward: an event older than the one that last wrote it does not
// overwrite it.
func (db *DB) Ship(ctx context.Context, evs []hallq.RawEvent) (Shipped, error) {
	var out Shipped
	n := len(evs)
	seqs, types, ats, tids, ctrs := make([]int64, n), make([]string, n), make([]int64, n), make([]string, n), make([]int32, n)
	bodies, chains := make([]string, n), make([][]byte, n)
	tickets := map[string]ticketAt{}
	ratings := map[ratingKey]ratingAt{}
	for i, raw := range evs {
		var ev hallq.Event
		if err := json.Unmarshal(raw.JSON, &ev); err != nil {
			return out, fmt.Errorf("central: event %d: %w", raw.Seq, err)
		}
		if raw.Chain == nil {
			return out, fmt.Errorf("central: event %d has no chain", raw.Seq)
		}
		seqs[i], types[i], ats[i], ctrs[i] = raw.Seq, string(ev.Type), ev.At.UnixMilli(), int32(ev.Counter)
		bodies[i], chains[i] = string(raw.JSON), raw.Chain
		if ev.Ticket != nil {
			tids[i] = ev.Ticket.ID
		}
		derive(raw.Seq, &ev, tickets, ratings)
	}
	trows, rrows := ticketRows(tickets), ratingRows(ratings)
	tj, err := json.Marshal(trows)
	if err != nil {
		return out, err
	}
	rj, err := json.Marshal(rrows)
	if err != nil {
		return out, err
	}
	err = db.pool.QueryRow(ctx, `SELECT last_seq, inserted FROM hallq_hall_ship($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		seqs, types, ats, tids, ctrs, bodies, chains, string(tj), string(rj)).Scan(&out.Last, &out.Inserted)
	if err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "HQ001" {
			first := int64(0)
			if n > 0 {
				first = evs[0].Seq
			}
			return out, &DivergedError{Seq: first, Err: fmt.Errorf("central: %s", pe.Message)}
		}
		if errors.As(err, &pe) && pe.Code == "HQ002" {
			return out, fmt.Errorf("central: %s", pe.Message)
		}
		return out, fmt.Errorf("central: ship: %w", db.hallOnly(err))
	}
	return out, nil
}

// derive notes the tickets and the rating an event carries, keeping for
// each the latest event that carried it.
func derive(seq int64, ev *hallq.Event, tickets map[string]ticketAt, ratings map[ratingKey]ratingAt) {
	for _, t := range []*hallq.Ticket{ev.Ticket, ev.NewTicket} {
		if t != nil {
			if old, ok := tickets[t.ID]; !ok || old.seq < seq {
				tickets[t.ID] = ticketAt{seq, t}
			}
		}
	}
	if r := ev.Rating; r != nil {
		k := ratingKey{r.Device, r.DeviceSeq}
		if old, ok := ratings[k]; !ok || old.seq < seq {
			ratings[k] = ratingAt{seq, r}
		}
	}
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

// ticketColumns are the central tickets' columns after hall_id, as
// ticketRow names them.
const ticketColumns = `id, seq, day, service, number, label, priority, state, issued_at, called_at, started_at, finished_at,
	counter, officer, recalls, out_of_order, reason, flagged, transferred_to, transferred_from, rating,
	issue_estimate_s, issue_ahead, device, queued_at, last_called_at, waited_ms, target_wait_s, booking, slot_at`

// ticketColumnsOf is ticketColumns, each qualified by alias.
func ticketColumnsOf(alias string) string {
	cols := strings.Split(ticketColumns, ",")
	for i, c := range cols {
		cols[i] = alias + "." + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}

// ticketRow is a central tickets row as hallq_hall_ship reads it (JSON
// named by column; times in Unix milliseconds). The secret and the kiosk's
// idempotency key never leave the hall.
type ticketRow struct {
	ID              string `json:"id"`
	Seq             int64  `json:"seq"`
	Day             string `json:"day"`
	Service         string `json:"service"`
	Number          int    `json:"number"`
	Label           string `json:"label"`
	Priority        string `json:"priority"`
	State           string `json:"state"`
	IssuedAt        int64  `json:"issued_at"`
	CalledAt        *int64 `json:"called_at"`
	StartedAt       *int64 `json:"started_at"`
	FinishedAt      *int64 `json:"finished_at"`
	Counter         int    `json:"counter"`
	Officer         string `json:"officer"`
	Recalls         int    `json:"recalls"`
	OutOfOrder      bool   `json:"out_of_order"`
	Reason          string `json:"reason"`
	Flagged         bool   `json:"flagged"`
	TransferredTo   string `json:"transferred_to"`
	TransferredFrom string `json:"transferred_from"`
	Rating          int    `json:"rating"`
	IssueEstimateS  int    `json:"issue_estimate_s"`
	IssueAhead      int    `json:"issue_ahead"`
	Device          string `json:"device"`
	QueuedAt        *int64 `json:"queued_at"`
	LastCalledAt    *int64 `json:"last_called_at"`
	WaitedMS        int64  `json:"waited_ms"`
	TargetWaitS     *int   `json:"target_wait_s"`
	Booking         string `json:"booking"`
	SlotAt          *int64 `json:"slot_at"`
}

func ticketRows(m map[string]ticketAt) []ticketRow {
	out := make([]ticketRow, 0, len(m))
	for _, id := range sortedKeys(m) {
		ta := m[id]
		t := ta.t
		out = append(out, ticketRow{ID: t.ID, Seq: ta.seq, Day: t.Day, Service: t.Service, Number: t.Number, Label: t.Label,
			Priority: t.Priority, State: string(t.State), IssuedAt: t.IssuedAt.UnixMilli(), CalledAt: msPtr(t.CalledAt),
			StartedAt: msPtr(t.StartedAt), FinishedAt: msPtr(t.FinishedAt), Counter: t.Counter, Officer: t.Officer,
			Recalls: t.Recalls, OutOfOrder: t.OutOfOrder, Reason: t.Reason, Flagged: t.Flagged, TransferredTo: t.TransferredTo,
			TransferredFrom: t.TransferredFrom, Rating: t.Rating, IssueEstimateS: t.IssueEstimateS, IssueAhead: t.IssueAhead,
			Device: t.Device, QueuedAt: msPtr(t.QueuedAt), LastCalledAt: msPtr(t.LastCalledAt), WaitedMS: t.WaitedMS,
			TargetWaitS: t.TargetWaitS, Booking: t.Booking, SlotAt: msPtr(t.SlotAt)})
	}
	return out
}

// ratingRow is a central ratings row as hallq_hall_ship reads it.
type ratingRow struct {
	Device     string `json:"device"`
	DeviceSeq  int64  `json:"device_seq"`
	ID         int64  `json:"id"`
	Seq        int64  `json:"seq"`
	Counter    int    `json:"counter"`
	Score      int    `json:"score"`
	PressedAt  int64  `json:"pressed_at"`
	At         int64  `json:"at"`
	TicketID   string `json:"ticket_id"`
	Officer    string `json:"officer"`
	Unattached string `json:"unattached"`
	AgeCapped  bool   `json:"age_capped"`
}

func ratingRows(m map[ratingKey]ratingAt) []ratingRow {
	out := make([]ratingRow, 0, len(m))
	for _, ra := range m {
		r := ra.r
		out = append(out, ratingRow{Device: r.Device, DeviceSeq: r.DeviceSeq, ID: r.ID, Seq: ra.seq, Counter: r.Counter, Score: r.Score,
			PressedAt: r.PressedAt.UnixMilli(), At: r.At.UnixMilli(), TicketID: r.TicketID, Officer: r.Officer,
			Unattached: r.Unattached, AgeCapped: r.AgeCapped})
	}
	return out
}

func msPtr(t *time.Time) *int64 {
	if t == nil {
		return nil
	}
	v := t.UnixMilli()
	return &v
}
