package server_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/server/api"
	"github.com/hallq/hallq/server/servertest"
)

// caller is one kind of principal the sweep tries.
type caller struct {
	name  string
	token func(h *servertest.Hall) string
	user  hallq.Role
	kind  hallq.DeviceKind
}

var callers = []caller{
	{"officer", func(h *servertest.Hall) string { return h.Login("canbo1") }, hallq.RoleOfficer, ""},
	{"manager", func(h *servertest.Hall) string { return h.Login("quanly") }, hallq.RoleManager, ""},
	{"admin", func(h *servertest.Hall) string { return h.Login("admin") }, hallq.RoleAdmin, ""},
	{"kiosk", func(*servertest.Hall) string { return servertest.KioskToken }, "", hallq.DeviceKiosk},
	{"display", func(*servertest.Hall) string { return servertest.DisplayToken }, "", hallq.DeviceDisplay},
	{"pad-1", func(*servertest.Hall) string { return servertest.PadToken(1) }, "", hallq.DevicePad},
}

// TestRouteAccessSweep takes every route from the server's own route table
// (the one the mux is built from) and proves that each write refuses
// anonymous callers with 401 and every caller its rule leaves out with 403,
// and that the refusals changed nothing.
func TestRouteAccessSweep(t *testing.T) {
	h := servertest.Start(t, servertest.Options{})
	var tk hallq.Ticket
	if code := h.Do("POST", "/api/v1/tickets", servertest.KioskToken, map[string]string{"service": "A"}, &tk); code != 201 {
		t.Fatalf("issue: %d", code)
	}
	before := eventCount(t, h)
	routes := h.Server.Routes()
	if len(routes) < 20 {
		t.Fatalf("only %d routes registered", len(routes))
	}
	writes := 0
	for _, rt := range routes {
		path := strings.ReplaceAll(rt.Path(), "{id}", "1")
		if strings.HasPrefix(rt.Path(), "/api/v1/tickets/{id}") {
			path = strings.ReplaceAll(rt.Path(), "{id}", tk.ID)
		}
		if rt.Access.Public {
			// The public writes: signing in, a device asking to enrol
			// (rate limited per address; it gets nothing until an admin
			// approves, see enrol_test.go), a citizen booking (rate limited
			// per address) and cancelling with the booking's secret
			// (bookings_test.go).
			publicWrites := []string{"POST /api/v1/login", "POST /api/v1/enrol", "POST /api/v1/bookings", "POST /api/v1/bookings/{code}/cancel"}
			if rt.Method() != "GET" && !slices.Contains(publicWrites, rt.Pattern) {
				t.Errorf("%s is a public write route", rt.Pattern)
			}
			continue
		}
		if rt.Method() != "GET" {
			writes++
		}
		t.Run(rt.Pattern, func(t *testing.T) {
			if !rt.Access.PublicDisplay {
				if code, body := h.Raw(rt.Method(), path, "", "{}"); code != http.StatusUnauthorized {
					t.Errorf("anonymous: got %d %s, want 401", code, body)
				}
			}
			if code, _ := h.Raw(rt.Method(), path, "forged-token", "{}"); code != http.StatusUnauthorized {
				t.Errorf("forged token: got %d, want 401", code)
			}
			for _, c := range callers {
				if allowed(rt.Access, c) {
					continue
				}
				if code, body := h.Raw(rt.Method(), path, c.token(h), "{}"); code != http.StatusForbidden {
					t.Errorf("%s: got %d %s, want 403", c.name, code, body)
				}
			}
			if rt.Access.PadCounter {
				p2 := strings.Replace(path, "/counters/1/", "/counters/2/", 1)
				if code, body := h.Raw(rt.Method(), p2, servertest.PadToken(1), "{}"); code != http.StatusForbidden {
					t.Errorf("pad of counter 1 at counter 2: got %d %s, want 403", code, body)
				}
			}
		})
	}
	if writes < 15 {
		t.Errorf("swept %d write routes, want at least 15", writes)
	}
	if after := eventCount(t, h); after != before {
		t.Errorf("refused requests changed the log: %d events before, %d after", before, after)
	}
}

func allowed(acc api.Access, c caller) bool {
	if c.user != "" {
		for _, r := range acc.Roles {
			if r == c.user || (c.user == hallq.RoleAdmin && r == hallq.RoleManager) {
				return true
			}
		}
		return false
	}
	return slices.Contains(acc.Devices, c.kind)
}

func eventCount(t *testing.T, h *servertest.Hall) int {
	t.Helper()
	var out struct {
		Events []hallq.Event `json:"events"`
	}
	if code := h.Do("GET", "/api/v1/events?since=0&limit=1000", h.Login("admin"), nil, &out); code != 200 {
		t.Fatalf("events: %d", code)
	}
	return len(out.Events)
}

// Handler-level rules the route table cannot express.
func TestAccessInHandlers(t *testing.T) {
	h := servertest.Start(t, servertest.Options{})
	admin := h.Login("admin")
	// A second kiosk may not cancel the first one's ticket.
	if code, body := h.Raw("GET", "/api/v1/devices", admin, nil); code != 200 {
		t.Fatalf("devices: %d %s", code, body)
	}
	other := addDevice(t, h, hallq.Device{Name: "kiosk-2", Kind: hallq.DeviceKiosk})
	var tk hallq.Ticket
	h.Do("POST", "/api/v1/tickets", servertest.KioskToken, map[string]string{"service": "B"}, &tk)
	if code, body := h.Raw("POST", "/api/v1/tickets/"+tk.ID+"/cancel", other, `{"reason":"print_failed"}`); code != 403 {
		t.Errorf("other kiosk cancels: got %d %s, want 403", code, body)
	}
	// A pad may rate only at its own counter.
	if code, body := h.Raw("POST", "/api/v1/ratings", servertest.PadToken(1), `{"counter":2,"score":3,"device_seq":1,"age_ms":0}`); code != 403 {
		t.Errorf("pad-1 rates counter 2: got %d %s, want 403", code, body)
	}
	// A ticket's status needs its secret.
	if code, _ := h.Raw("GET", "/api/v1/tickets/"+tk.ID, "", nil); code != 401 {
		t.Errorf("ticket without secret: got %d, want 401", code)
	}
	if code, _ := h.Raw("GET", "/api/v1/tickets/"+tk.ID+"?k=wrong", "", nil); code != 403 {
		t.Errorf("ticket with a wrong secret: got %d, want 403", code)
	}
	k := tk.StatusURL[strings.Index(tk.StatusURL, "?k=")+3:]
	var got hallq.Ticket
	if code := h.Do("GET", "/api/v1/tickets/"+tk.ID+"?k="+k, "", nil, &got); code != 200 || got.Label != tk.Label {
		t.Errorf("ticket with its secret: got %d %q, want 200 %q", code, got.Label, tk.Label)
	}
	// The stream and the hall need credentials once public_display is off.
	if code, _ := h.Raw("GET", "/api/v1/hall", "", nil); code != 200 {
		t.Errorf("hall while public: got %d, want 200", code)
	}
}

func addDevice(t *testing.T, h *servertest.Hall, d hallq.Device) string {
	t.Helper()
	token := fmt.Sprintf("test-token-%s", d.Name)
	if err := h.Store.AddDevice(t.Context(), d, api.HashToken(token)); err != nil {
		t.Fatal(err)
	}
	return token
}
