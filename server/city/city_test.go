package city_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/central"
	"github.com/hallq/hallq/central/pgtest"
	"github.com/hallq/hallq/server/api"
	"github.com/hallq/hallq/server/city"
)

// TestMain runs the package's tests with one throwaway PostgreSQL.
func TestMain(m *testing.M) {
	api.PasswordCost = bcrypt.MinCost
	pgtest.Main(m)
}

// cityServer is a city server on an empty central store with one user of
// each role (password "city-password").
type cityServer struct {
	t   *testing.T
	srv *city.Server
	url string
}

func start(t *testing.T) *cityServer {
	t.Helper()
	ctx := context.Background()
	// Set up as docs/CENTRAL.md says: the owner migrates the store and
	// adds the staff; the city server connects with its own role.
	o := pgtest.NewOwnedDB(t)
	if _, err := central.Migrate(ctx, o.DSN); err != nil {
		t.Fatal(err)
	}
	owner, err := central.Open(ctx, o.DSN, central.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(owner.Close)
	hash, err := api.HashPassword("city-password")
	if err != nil {
		t.Fatal(err)
	}
	for name, role := range map[string]hallq.Role{"cb": hallq.RoleOfficer, "tp": hallq.RoleManager, "ad": hallq.RoleAdmin} {
		if err := owner.AddUser(ctx, hallq.User{Username: name, Role: role}, hash); err != nil {
			t.Fatal(err)
		}
	}
	cr, err := owner.AddCityServer(ctx, "", false)
	if err != nil {
		t.Fatal(err)
	}
	db, err := central.Open(ctx, pgtest.Shared(t).RoleDSN(o.DB, cr.Role, cr.Password, ""), central.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	srv := city.New(db, slog.New(slog.DiscardHandler))
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &cityServer{t: t, srv: srv, url: hs.URL}
}

// do sends a request with an optional bearer token and returns the
// status and body.
func (c *cityServer) do(method, path, token string, body string) (int, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.url+path, bytes.NewReader([]byte(body)))
	if err != nil {
		c.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
}

func (c *cityServer) login(user string) string {
	c.t.Helper()
	code, data := c.do("POST", "/api/v1/login", "", `{"username":"`+user+`","password":"city-password"}`)
	var s hallq.Session
	if code != 200 || json.Unmarshal(data, &s) != nil {
		c.t.Fatalf("login %s: %d %s", user, code, data)
	}
	return s.Token
}

// TestCityRouteAccessSweep takes every route from the city server's own
// route table and proves that each refuses anonymous and forged callers
// with 401 and every role its rule leaves out with 403, and lets the
// roles it names in.
func TestCityRouteAccessSweep(t *testing.T) {
	c := start(t)
	routes := c.srv.Routes()
	if len(routes) < 6 {
		t.Fatalf("only %d routes registered", len(routes))
	}
	users := map[hallq.Role]string{hallq.RoleOfficer: "cb", hallq.RoleManager: "tp", hallq.RoleAdmin: "ad"}
	for _, rt := range routes {
		if rt.Access.Public {
			if rt.Pattern != "POST /api/v1/login" {
				t.Errorf("%s is public; only signing in may be", rt.Pattern)
			}
			continue
		}
		if len(rt.Access.Devices) > 0 || rt.Access.PublicDisplay || rt.Access.PadCounter {
			t.Errorf("%s lets devices or displays in: the city server knows none", rt.Pattern)
		}
		t.Run(rt.Pattern, func(t *testing.T) {
			if code, body := c.do(rt.Method(), rt.Path(), "", ""); code != http.StatusUnauthorized {
				t.Errorf("anonymous: got %d %s, want 401", code, body)
			}
			if code, _ := c.do(rt.Method(), rt.Path(), "forged-token", ""); code != http.StatusUnauthorized {
				t.Errorf("forged token: got %d, want 401", code)
			}
			for role, user := range users {
				code, body := c.do(rt.Method(), rt.Path(), c.login(user), "")
				allowed := rt.Access.Allows(hallq.Principal{User: &hallq.User{Username: user, Role: role}})
				switch {
				case !allowed && code != http.StatusForbidden:
					t.Errorf("%s: got %d %s, want 403", role, code, body)
				case allowed && (code == http.StatusUnauthorized || code == http.StatusForbidden):
					t.Errorf("%s: got %d %s, want it let in", role, code, body)
				}
			}
		})
	}
}

// TestCityPages: the city server sends every user to the reports and has
// no officer console, hall administration or stream.
func TestCityPages(t *testing.T) {
	c := start(t)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, user := range []string{"cb", "tp", "ad"} {
		req, _ := http.NewRequest("GET", c.url+"/", nil)
		req.AddCookie(&http.Cookie{Name: api.SessionCookie, Value: c.login(user)})
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/manager" {
			t.Errorf("%s at /: got %d to %q, want 303 to /manager", user, resp.StatusCode, loc)
		}
	}
	for _, path := range []string{"/officer", "/admin", "/display/hall"} {
		if code, _ := c.do("GET", path, "", ""); code != http.StatusNotFound {
			t.Errorf("GET %s: got %d, want 404", path, code)
		}
	}
	if code, _ := c.do("GET", "/api/v1/stream", c.login("ad"), ""); code != http.StatusNotFound {
		t.Errorf("GET /api/v1/stream: got %d, want 404", code)
	}
	var health struct{ Status, Mode string }
	code, data := c.do("GET", "/healthz", "", "")
	if json.Unmarshal(data, &health); code != 200 || health.Status != "ok" || health.Mode != "central" {
		t.Errorf("healthz: got %d %s", code, data)
	}
}
