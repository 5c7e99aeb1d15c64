package simhall

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/hallclient"
	"github.com/hallq/hallq/simday"
)

// requestTimeout bounds one API request of the simulator: generous, as a
// busy machine (a test under -race beside others) answers sign-ins, with
// their bcrypt, slowly; a killed server fails requests at once anyway.
const requestTimeout = time.Minute

// Demo hall credentials: the logins and tokens `hallserver -demo` creates.
const (
	DemoAdmin         = "admin"
	DemoAdminPassword = "demo-admin"
	DemoManager       = "quanly"
	DemoManagerPass   = "demo-quanly"
	DemoOfficerPass   = "demo-canbo"
	DemoKioskToken    = "demo-kiosk-1"
)

// DemoPadToken is the demo token of counter n's pad.
func DemoPadToken(n int) string { return fmt.Sprintf("demo-pad-%d", n) }

// APIHall plays a simulated day against a live hall server in simulation
// mode (hallserver -sim-clock): it sets the server's clock to the day's
// start and speed, then acts as the kiosk, the officers and the pads, each
// at its moment of virtual time.
type APIHall struct {
	C *hallclient.Client
	// KioskToken, PadToken and the officers' logins; the demo hall's by
	// default.
	KioskToken string
	PadToken   func(counter int) string
	Officer    func(counter int) (user, password string)

	mu         sync.Mutex
	anchorReal time.Time
	anchorVirt time.Time
	speed      float64
	admin      string
	officers   map[int]string
	padSeq     map[int]int64
	idemBase   string
}

// NewAPIHall is a hall on the demo server at url.
func NewAPIHall(url string) *APIHall {
	return &APIHall{C: hallclient.NewPool(url, requestTimeout, 64), KioskToken: DemoKioskToken, PadToken: DemoPadToken,
		Officer:  func(n int) (string, string) { return fmt.Sprintf("canbo%d", n), DemoOfficerPass },
		officers: map[int]string{}, padSeq: map[int]int64{}, idemBase: fmt.Sprint(time.Now().UnixNano())}
}

// SetClock moves the server's simulated clock to at with the given speed
// and follows it here.
func (h *APIHall) SetClock(ctx context.Context, at time.Time, speed float64) error {
	if h.admin == "" {
		s, err := h.C.Login(ctx, DemoAdmin, DemoAdminPassword)
		if err != nil {
			return err
		}
		h.admin = s.Token
	}
	before := time.Now()
	out, err := h.C.SetSimClock(ctx, h.admin, hallq.SimClockRequest{At: at, Speed: speed})
	if err != nil {
		return fmt.Errorf("simhall: set the server's clock (is it started with -sim-clock?): %w", err)
	}
	h.mu.Lock()
	// The server anchored somewhere between before and now: take the middle.
	h.anchorReal = before.Add(time.Since(before) / 2)
	h.anchorVirt, h.speed = out.Now, out.Speed
	h.mu.Unlock()
	// Sessions are judged on the hall's clock: sign in again after a jump.
	h.officers = map[int]string{}
	h.admin = ""
	return nil
}

// Now is the server's virtual time as followed here.
func (h *APIHall) Now() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.anchorVirt.Add(time.Duration(float64(time.Since(h.anchorReal)) * h.speed))
}

// Speed is the clock's speed-up.
func (h *APIHall) Speed() float64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.speed
}

// Advance sleeps until the server's clock reads t.
func (h *APIHall) Advance(ctx context.Context, t time.Time) error {
	d := t.Sub(h.Now())
	if d <= 0 {
		return nil
	}
	timer := time.NewTimer(time.Duration(float64(d) / h.Speed()))
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

func (h *APIHall) officer(ctx context.Context, counter int) (string, error) {
	if tok := h.officers[counter]; tok != "" {
		return tok, nil
	}
	user, pw := h.Officer(counter)
	s, err := h.C.Login(ctx, user, pw)
	if err != nil {
		return "", err
	}
	h.officers[counter] = s.Token
	return s.Token, nil
}

// act runs a ticket action at the counter as its officer and returns the
// ticket's id ("" for none).
func (h *APIHall) act(ctx context.Context, counter int, action string) (string, error) {
	tok, err := h.officer(ctx, counter)
	if err != nil {
		return "", err
	}
	return ticketID(h.C.Act(ctx, tok, counter, action))
}

func ticketID(t *hallq.Ticket, err error) (string, error) {
	if t == nil {
		return "", err
	}
	return t.ID, err
}

// Open opens the counter for its officer.
func (h *APIHall) Open(ctx context.Context, counter int) error {
	tok, err := h.officer(ctx, counter)
	if err != nil {
		return err
	}
	_, err = h.C.SetCounter(ctx, tok, counter, hallclient.CounterOpen)
	return err
}

// Close closes the counter.
func (h *APIHall) Close(ctx context.Context, counter int) error {
	tok, err := h.officer(ctx, counter)
	if err != nil {
		return err
	}
	_, err = h.C.SetCounter(ctx, tok, counter, hallclient.CounterClose)
	return err
}

// Issue takes a ticket at the kiosk.
func (h *APIHall) Issue(ctx context.Context, v *simday.Visitor) (string, error) {
	return ticketID(h.C.Issue(ctx, h.KioskToken, hallq.TicketRequest{Service: v.Service, Priority: v.Priority,
		IdempotencyKey: fmt.Sprintf("sim-%s-%s-%d", h.idemBase, h.Now().Format("20060102"), v.N)}))
}

// Next calls the counter's next ticket ("" when nobody waits).
func (h *APIHall) Next(ctx context.Context, counter int) (string, error) {
	return h.act(ctx, counter, hallclient.ActNext)
}

// Recall calls the counter's ticket again.
func (h *APIHall) Recall(ctx context.Context, counter int) error {
	_, err := h.act(ctx, counter, hallclient.ActRecall)
	return err
}

// NoShow marks the counter's ticket a no-show.
func (h *APIHall) NoShow(ctx context.Context, counter int) error {
	_, err := h.act(ctx, counter, hallclient.ActNoShow)
	return err
}

// Finish ends the counter's service.
func (h *APIHall) Finish(ctx context.Context, counter int) error {
	_, err := h.act(ctx, counter, hallclient.ActFinish)
	return err
}

// Transfer sends the counter's ticket to another service.
func (h *APIHall) Transfer(ctx context.Context, counter int, service string) (string, error) {
	tok, err := h.officer(ctx, counter)
	if err != nil {
		return "", err
	}
	return ticketID(h.C.Transfer(ctx, tok, counter, service))
}

// Rate presses the counter's pad.
func (h *APIHall) Rate(ctx context.Context, counter, score int) error {
	if h.padSeq[counter] == 0 {
		// A pad's device_seq never repeats, also across runs on one hall.
		h.padSeq[counter] = time.Now().UnixMilli()
	}
	h.padSeq[counter]++
	_, err := h.C.Rate(ctx, h.PadToken(counter), hallq.RatingPress{Counter: counter, Score: score, DeviceSeq: h.padSeq[counter]})
	return err
}
