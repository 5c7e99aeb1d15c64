package simday

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/server/queue"
)

// Applier writes the engine's changes; *sqlite.DB is one.
type Applier interface {
	Apply(ctx context.Context, changes []*queue.Change) error
}

// EngineHall runs a simulated day on the queue engine in virtual time: no
// server, no clock, no goroutines. With Store set, every change goes
// through the store's own Apply (in batches), so the database holds
// exactly what a hall server would have written.
type EngineHall struct {
	Engine *queue.Engine
	// Store, if set, receives every change; Flush writes what is pending.
	Store Applier
	// Officer names the officer of each counter (default "canboN").
	Officer func(counter int) string
	// BatchSize is how many changes go into one Apply (default 2000).
	BatchSize int

	now     time.Time
	pending []*queue.Change
	tickets map[string]*hallq.Ticket
	order   []string
	padSeq  map[int]int64
	ids     *rand.Rand
}

// NewEngineHall builds a virtual hall from a stored state, with ticket ids
// drawn from seed so that a run is reproducible.
func NewEngineHall(st queue.State, seed uint64) (*EngineHall, error) {
	e, err := queue.New(st)
	if err != nil {
		return nil, err
	}
	h := &EngineHall{Engine: e, tickets: map[string]*hallq.Ticket{}, padSeq: map[int]int64{},
		ids: rand.New(rand.NewPCG(seed, 0x1d5))}
	e.NewID = h.newID
	return h, nil
}

const idAlphabet = "abcdefghijkmnpqrstuvwxyz23456789"

func (h *EngineHall) newID() (string, string) {
	b := make([]byte, 26)
	for i := range b {
		b[i] = idAlphabet[h.ids.IntN(len(idAlphabet))]
	}
	return string(b[:13]), string(b[13:])
}

// Now is the virtual time.
func (h *EngineHall) Now() time.Time { return h.now }

// Advance moves the virtual clock to t (never back) and applies the
// calendar, as the hall server does before each batch.
func (h *EngineHall) Advance(ctx context.Context, t time.Time) error {
	if t.After(h.now) {
		h.now = t
	}
	return h.keep(ctx, h.Engine.Tick(h.now))
}

func (h *EngineHall) keep(ctx context.Context, ch *queue.Change) error {
	if ch == nil {
		return nil
	}
	for _, t := range ch.Tickets {
		if h.tickets[t.ID] == nil {
			h.order = append(h.order, t.ID)
		}
		h.tickets[t.ID] = t.Clone()
	}
	if h.Store == nil {
		return nil
	}
	h.pending = append(h.pending, ch)
	size := h.BatchSize
	if size <= 0 {
		size = 2000
	}
	if len(h.pending) >= size {
		return h.Flush(ctx)
	}
	return nil
}

// Flush writes the pending changes to Store.
func (h *EngineHall) Flush(ctx context.Context) error {
	if h.Store == nil || len(h.pending) == 0 {
		return nil
	}
	err := h.Store.Apply(ctx, h.pending)
	h.pending = h.pending[:0]
	return err
}

// Tickets are the tickets as last written, in order of first appearance.
func (h *EngineHall) Tickets() []hallq.Ticket {
	out := make([]hallq.Ticket, 0, len(h.order))
	for _, id := range h.order {
		out = append(out, *h.tickets[id])
	}
	return out
}

// ForgetTickets drops the tickets kept for Tickets (between days).
func (h *EngineHall) ForgetTickets() {
	h.tickets, h.order = map[string]*hallq.Ticket{}, nil
}

func (h *EngineHall) officer(counter int) queue.Actor {
	name := fmt.Sprintf("canbo%d", counter)
	if h.Officer != nil {
		name = h.Officer(counter)
	}
	return queue.Actor{User: name, Role: hallq.RoleOfficer}
}

// Open opens a counter for its officer.
func (h *EngineHall) Open(ctx context.Context, counter int) error {
	_, ch, err := h.Engine.Open(h.now, counter, h.officer(counter))
	if err != nil {
		return err
	}
	return h.keep(ctx, ch)
}

// Close closes a counter.
func (h *EngineHall) Close(ctx context.Context, counter int) error {
	_, ch, err := h.Engine.Close(h.now, counter, h.officer(counter))
	if err != nil {
		return err
	}
	return h.keep(ctx, ch)
}

// Issue takes a ticket at the kiosk.
func (h *EngineHall) Issue(ctx context.Context, v *Visitor) (string, error) {
	id, secret := h.newID()
	req := queue.IssueRequest{Service: v.Service, Priority: v.Priority,
		Device: "kiosk-1", IdempotencyKey: fmt.Sprintf("sim-%s-%d", h.now.Format("20060102"), v.N), ID: id, Secret: secret}
	if v.CheckedIn() {
		// The check-in of a booking made elsewhere: the simulated day
		// gives the engine what the booking's check-in would.
		req.Booking = fmt.Sprintf("SIM%05d", v.N)
		req.SlotAt = LocalMidnight(h.now, h.now.Location()).Add(v.Slot)
	}
	t, ch, err := h.Engine.Issue(h.now, req)
	if err != nil {
		return "", err
	}
	return t.ID, h.keep(ctx, ch)
}

// Next calls the next ticket.
func (h *EngineHall) Next(ctx context.Context, counter int) (string, error) {
	t, ch, err := h.Engine.Next(h.now, counter, h.officer(counter))
	if err != nil || t == nil {
		return "", err
	}
	return t.ID, h.keep(ctx, ch)
}

func (h *EngineHall) act(ctx context.Context, fn func(time.Time, int, queue.Actor) (*hallq.Ticket, *queue.Change, error), counter int) error {
	_, ch, err := fn(h.now, counter, h.officer(counter))
	if err != nil {
		return err
	}
	return h.keep(ctx, ch)
}

// Recall calls the counter's ticket again.
func (h *EngineHall) Recall(ctx context.Context, counter int) error {
	return h.act(ctx, h.Engine.Recall, counter)
}

// NoShow marks the counter's ticket a no-show.
func (h *EngineHall) NoShow(ctx context.Context, counter int) error {
	return h.act(ctx, h.Engine.NoShow, counter)
}

// Finish ends the counter's service.
func (h *EngineHall) Finish(ctx context.Context, counter int) error {
	return h.act(ctx, h.Engine.Finish, counter)
}

// Transfer sends the counter's ticket to another service.
func (h *EngineHall) Transfer(ctx context.Context, counter int, service string) (string, error) {
	t, ch, err := h.Engine.Transfer(h.now, counter, service, h.officer(counter))
	if err != nil {
		return "", err
	}
	return t.ID, h.keep(ctx, ch)
}

// Rate presses the counter's pad.
func (h *EngineHall) Rate(ctx context.Context, counter, score int) error {
	h.padSeq[counter]++
	_, ch, err := h.Engine.Rate(h.now, queue.RateRequest{Counter: counter, Score: score,
		Device: fmt.Sprintf("pad-%d", counter), DeviceSeq: h.padSeq[counter]})
	if err != nil {
		return err
	}
	return h.keep(ctx, ch)
}

// LocalMidnight is date's midnight in the hall's zone.
func LocalMidnight(date time.Time, loc *time.Location) time.Time {
	y, m, d := date.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}
