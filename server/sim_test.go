package server_test

import (
	"sync"
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/server"
	"github.com/hallq/hallq/server/servertest"
)

// fakeReal is a settable real clock.
type fakeReal struct {
	mu sync.Mutex
	t  time.Time
}

func (f *fakeReal) now() time.Time      { f.mu.Lock(); defer f.mu.Unlock(); return f.t }
func (f *fakeReal) add(d time.Duration) { f.mu.Lock(); f.t = f.t.Add(d); f.mu.Unlock() }
func newFakeReal(t time.Time) *fakeReal { return &fakeReal{t: t} }
func at(s string) time.Time             { t, _ := time.Parse(time.RFC3339, s); return t }
func sameInstant(a, b time.Time) bool   { return a.Equal(b) }
func newSim(start time.Time, speed float64, real *fakeReal) *server.SimClock {
	c := &server.SimClock{Real: real.now}
	c.Set(start, speed) // from the zero anchor, any start is forward
	return c
}

func TestSimClock(t *testing.T) {
	real := newFakeReal(at("2026-11-27T01:00:00Z"))
	c := newSim(at("2026-12-01T00:15:00Z"), 10, real)
	real.add(6 * time.Minute)
	if got, want := c.Now(), at("2026-12-01T01:15:00Z"); !sameInstant(got, want) {
		t.Errorf("after 6 real minutes at 10×: got %v, want %v", got, want)
	}
	if _, err := c.Set(at("2026-12-01T01:00:00Z"), 0); hallq.ErrorCode(err) != hallq.ECONFLICT {
		t.Errorf("going back: got %v, want ECONFLICT", err)
	}
	if _, err := c.Set(time.Time{}, 5000); hallq.ErrorCode(err) != hallq.EINVALID {
		t.Errorf("speed 5000: got %v, want EINVALID", err)
	}
	got, err := c.Set(time.Time{}, 1)
	if err != nil || !sameInstant(got, at("2026-12-01T01:15:00Z")) {
		t.Errorf("slowing down where it is: got %v, %v", got, err)
	}
	real.add(time.Minute)
	if got, want := c.Now(), at("2026-12-01T01:16:00Z"); !sameInstant(got, want) || c.Speed() != 1 {
		t.Errorf("at 1×: got %v (speed %g), want %v", got, c.Speed(), want)
	}
}

func TestSimClockRoute(t *testing.T) {
	start := time.Now().Add(48 * time.Hour).Truncate(time.Second)
	h := servertest.Start(t, servertest.Options{Sim: server.NewSimClock(start, 1)})
	admin := h.Login("admin")
	var out struct {
		Now   time.Time `json:"now"`
		Speed float64   `json:"speed"`
	}
	target := start.Add(24 * time.Hour)
	if code := h.Do("POST", "/api/v1/sim/clock", admin, map[string]any{"at": target, "speed": 60}, &out); code != 200 {
		t.Fatalf("set: got status %d, want 200", code)
	}
	if !out.Now.Equal(target) || out.Speed != 60 {
		t.Errorf("set: got %v at %g×, want %v at 60×", out.Now, out.Speed, target)
	}
	var tk hallq.Ticket
	if code := h.Do("POST", "/api/v1/tickets", servertest.KioskToken, map[string]any{"service": "A"}, &tk); code != 201 {
		t.Fatalf("issue: status %d", code)
	}
	if d := tk.IssuedAt.Sub(target); d < 0 || d > 10*time.Minute {
		t.Errorf("issued at %v, want just after the simulated %v", tk.IssuedAt, target)
	}
	// Sessions follow the hall's clock: the day's jump ended the first one.
	if code := h.Do("GET", "/api/v1/sim/clock", admin, nil, nil); code != 401 {
		t.Errorf("a session from a simulated day ago: got status %d, want 401", code)
	}
	var login struct {
		Token string `json:"token"`
	}
	h.Do("POST", "/api/v1/login", "", map[string]string{"username": "admin", "password": "demo-admin"}, &login)
	admin = login.Token
	if code := h.Do("POST", "/api/v1/sim/clock", admin, map[string]any{"at": start}, nil); code != 409 {
		t.Errorf("back in time: got status %d, want 409", code)
	}
	if code := h.Do("POST", "/api/v1/sim/clock", admin, map[string]any{"speed": -1}, nil); code != 400 {
		t.Errorf("negative speed: got status %d, want 400", code)
	}
	if code := h.Do("GET", "/api/v1/sim/clock", h.Login("quanly"), nil, nil); code != 403 {
		t.Errorf("a manager reading the clock: got status %d, want 403", code)
	}

	plain := servertest.Start(t, servertest.Options{})
	if code := plain.Do("GET", "/api/v1/sim/clock", plain.Login("admin"), nil, nil); code != 404 {
		t.Errorf("without simulation mode: got status %d, want 404", code)
	}
}
