package simhall

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/simday"
)

// Client talks to a hall server's API as the devices and staff do.
type Client struct {
	URL string
	HC  *http.Client
}

// NewClient is a client with kept-alive connections and a timeout.
func NewClient(url string) *Client {
	tr := &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: time.Minute}
	return &Client{URL: strings.TrimRight(url, "/"), HC: &http.Client{Transport: tr, Timeout: 20 * time.Second}}
}

// APIError is a refusal from the server.
type APIError struct {
	Status int
	Code   string
	Msg    string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Msg)
}

// Do sends a JSON request (in may be nil) and decodes a JSON answer into
// out (may be nil). It returns the status; a status of 400 or more is an
// *APIError.
func (c *Client) Do(ctx context.Context, method, path, token string, in, out any) (int, error) {
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return 0, err
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.URL+path, body)
	if err != nil {
		return 0, err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.HC.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, err
	}
	if resp.StatusCode >= 400 {
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		json.Unmarshal(data, &e)
		return resp.StatusCode, &APIError{Status: resp.StatusCode, Code: e.Error.Code, Msg: e.Error.Message}
	}
	if out != nil && len(data) > 0 && resp.StatusCode != http.StatusNoContent {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.StatusCode, fmt.Errorf("simhall: %s %s: decode %.100q: %w", method, path, data, err)
		}
	}
	return resp.StatusCode, nil
}

// Login signs a staff user in and returns the session token.
func (c *Client) Login(ctx context.Context, user, password string) (string, error) {
	var out struct {
		Token string `json:"token"`
	}
	if _, err := c.Do(ctx, "POST", "/api/v1/login", "", map[string]string{"username": user, "password": password}, &out); err != nil {
		return "", fmt.Errorf("simhall: login %s: %w", user, err)
	}
	return out.Token, nil
}

// Events reads the whole event log as a manager.
func (c *Client) Events(ctx context.Context, token string) ([]hallq.Event, error) {
	var all []hallq.Event
	since := int64(0)
	for {
		var out struct {
			Events []hallq.Event `json:"events"`
			Next   int64         `json:"next"`
		}
		if _, err := c.Do(ctx, "GET", fmt.Sprintf("/api/v1/events?since=%d&limit=1000", since), token, nil, &out); err != nil {
			return nil, err
		}
		if len(out.Events) == 0 {
			return all, nil
		}
		all = append(all, out.Events...)
		since = out.Events[len(out.Events)-1].Seq
	}
}

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
	C *Client
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
	return &APIHall{C: NewClient(url), KioskToken: DemoKioskToken, PadToken: DemoPadToken,
		Officer:  func(n int) (string, string) { return fmt.Sprintf("canbo%d", n), DemoOfficerPass },
		officers: map[int]string{}, padSeq: map[int]int64{}, idemBase: fmt.Sprint(time.Now().UnixNano())}
}

// SetClock moves the server's simulated clock to at with the given speed
// and follows it here.
func (h *APIHall) SetClock(ctx context.Context, at time.Time, speed float64) error {
	if h.admin == "" {
		tok, err := h.C.Login(ctx, DemoAdmin, DemoAdminPassword)
		if err != nil {
			return err
		}
		h.admin = tok
	}
	var out struct {
		Now   time.Time `json:"now"`
		Speed float64   `json:"speed"`
	}
	before := time.Now()
	if _, err := h.C.Do(ctx, "POST", "/api/v1/sim/clock", h.admin, map[string]any{"at": at, "speed": speed}, &out); err != nil {
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
	tok, err := h.C.Login(ctx, user, pw)
	if err != nil {
		return "", err
	}
	h.officers[counter] = tok
	return tok, nil
}

func (h *APIHall) counterDo(ctx context.Context, counter int, action string, in any, out any) (int, error) {
	tok, err := h.officer(ctx, counter)
	if err != nil {
		return 0, err
	}
	return h.C.Do(ctx, "POST", fmt.Sprintf("/api/v1/counters/%d/%s", counter, action), tok, in, out)
}

// Open opens the counter for its officer.
func (h *APIHall) Open(ctx context.Context, counter int) error {
	_, err := h.counterDo(ctx, counter, "open", nil, nil)
	return err
}

// Issue takes a ticket at the kiosk.
func (h *APIHall) Issue(ctx context.Context, v *simday.Visitor) (string, error) {
	var t hallq.Ticket
	_, err := h.C.Do(ctx, "POST", "/api/v1/tickets", h.KioskToken, map[string]string{
		"service": v.Service, "priority": v.Priority, "idempotency_key": fmt.Sprintf("sim-%s-%s-%d", h.idemBase, h.Now().Format("20060102"), v.N)}, &t)
	return t.ID, err
}

// Next calls the counter's next ticket.
func (h *APIHall) Next(ctx context.Context, counter int) (string, error) {
	var t hallq.Ticket
	status, err := h.counterDo(ctx, counter, "next", nil, &t)
	if err != nil || status == http.StatusNoContent {
		return "", err
	}
	return t.ID, nil
}

// Recall calls the counter's ticket again.
func (h *APIHall) Recall(ctx context.Context, counter int) error {
	_, err := h.counterDo(ctx, counter, "recall", nil, nil)
	return err
}

// NoShow marks the counter's ticket a no-show.
func (h *APIHall) NoShow(ctx context.Context, counter int) error {
	_, err := h.counterDo(ctx, counter, "no-show", nil, nil)
	return err
}

// Finish ends the counter's service.
func (h *APIHall) Finish(ctx context.Context, counter int) error {
	_, err := h.counterDo(ctx, counter, "finish", nil, nil)
	return err
}

// Transfer sends the counter's ticket to another service.
func (h *APIHall) Transfer(ctx context.Context, counter int, service string) (string, error) {
	var t hallq.Ticket
	_, err := h.counterDo(ctx, counter, "transfer", map[string]string{"service": service}, &t)
	return t.ID, err
}

// Rate presses the counter's pad.
func (h *APIHall) Rate(ctx context.Context, counter, score int) error {
	if h.padSeq[counter] == 0 {
		// A pad's device_seq never repeats, also across runs on one hall.
		h.padSeq[counter] = time.Now().UnixMilli()
	}
	h.padSeq[counter]++
	_, err := h.C.Do(ctx, "POST", "/api/v1/ratings", h.PadToken(counter),
		map[string]any{"counter": counter, "score": score, "device_seq": h.padSeq[counter], "age_ms": 0}, nil)
	return err
}
