package server_test

import (
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/server/hall"
	"github.com/hallq/hallq/server/servertest"
)

func TestSimClockRoute(t *testing.T) {
	start := time.Now().Add(48 * time.Hour).Truncate(time.Second)
	h := servertest.Start(t, servertest.Options{Sim: hall.NewSimClock(start, 1)})
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
