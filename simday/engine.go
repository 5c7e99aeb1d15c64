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
	if err := h.keep(ctx, h.Engine.Tick(h.now)); err != nil {
		return err
	}
	// Missed bookings, as the hall server's chores mark them.
	return h.keep(ctx, h.Engine.ExpireBookings(h.now))
}

// Book makes the bookings of the day's booked visitors (the late ones
// too: they booked, then came after their window) at the day's midnight,
// as bookings made elsewhere (imported: a slot's capacity does not refuse
// them), each with the code BookingCode(v.N).
func (h *EngineHall) Book(ctx context.Context, midnight time.Time, vs []Visitor) error {
	var rows []queue.BookRequest
	for i := range vs {
		v := &vs[i]
		if !v.Booked {
			continue
		}
		code := BookingCode(v.N)
		rows = append(rows, queue.BookRequest{Service: v.Service, Start: midnight.Add(v.Slot), Name: "Khách mô phỏng",
			Phone: fmt.Sprintf("09%08d", v.N), Code: code, Secret: "s" + code, Source: "sim", ExternalID: code})
	}
	if len(rows) == 0 {
		return nil
	}
	if err := h.Advance(ctx, midnight); err != nil {
		return err
	}
	_, ch, err := h.Engine.ImportBookings(h.now, rows, queue.Actor{User: "sim", Role: hallq.RoleAdmin})
	if err != nil {
		return fmt.Errorf("simday: the day's bookings: %w", err)
	}
	return h.keep(ctx, ch)
}

// BookingCode is the booking code of the simulated day's visitor n, and
// VisitorOfBooking the visitor of a code.
func BookingCode(n int) string { return fmt.Sprintf("SIM%05d", n) }

// VisitorOfBooking is the number of the visitor whose booking code is
// code (BookingCode), false for another code.
func VisitorOfBooking(code string) (int, bool) {
	var n int
	if _, err := fmt.Sscanf(code, "SIM%05d", &n); err != nil || BookingCode(n) != code {
		return 0, false
	}
	return n, true
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
	if v.CheckedIn() {
		// The booking's check-in at the kiosk (Book made it).
		t, _, ch, err := h.Engine.CheckIn(h.now, queue.CheckInRequest{Code: BookingCode(v.N), Device: "kiosk-1", ID: id, Secret: secret})
		if err != nil {
			return "", err
		}
		return t.ID, h.keep(ctx, ch)
	}
	req := queue.IssueRequest{Service: v.Service, Priority: v.Priority,
		Device: "kiosk-1", IdempotencyKey: fmt.Sprintf("sim-%s-%d", h.now.Format("20060102"), v.N), ID: id, Secret: secret}
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
