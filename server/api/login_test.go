package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/server/api"
	"github.com/hallq/hallq/server/sqlite"
)

// TestLoginSameWorkForEveryone: a sign-in for a username that does not
// exist, for a disabled account and with a wrong password each check the
// password against a bcrypt hash of the cost real accounts have, once — so
// the time of the answer cannot tell which usernames exist. (The work is
// counted, not timed: a busy machine cannot flake it.)
func TestLoginSameWorkForEveryone(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hall.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	hash, err := api.HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	db.PutUser(ctx, hallq.User{Username: "ann", Role: hallq.RoleOfficer}, hash)
	db.PutUser(ctx, hallq.User{Username: "bob", Role: hallq.RoleOfficer, Disabled: true}, hash)

	m := api.New(api.Config{
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
		Accounts: db,
		Now:      time.Now,
		Location: func() *time.Location { return time.UTC },
	})
	var costs []int
	api.WatchPasswords(m, func(h, pw []byte) error {
		c, err := bcrypt.Cost(h)
		if err != nil {
			t.Errorf("checked against %q, not a bcrypt hash", h)
		}
		costs = append(costs, c)
		return bcrypt.CompareHashAndPassword(h, pw)
	})
	m.Route(api.Route{Pattern: "POST /api/v1/login", Access: api.Access{Public: true}, Handle: m.Login})
	want, _ := bcrypt.Cost([]byte(hash))
	for _, c := range []struct {
		name, body string
		status     int
	}{
		{"right password", `{"username":"ann","password":"correct horse"}`, 200},
		{"wrong password", `{"username":"ann","password":"wrong horse"}`, 401},
		{"unknown user", `{"username":"nobody","password":"correct horse"}`, 401},
		{"disabled user", `{"username":"bob","password":"correct horse"}`, 401},
	} {
		costs = nil
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("POST", "/api/v1/login", strings.NewReader(c.body))
		req.RemoteAddr = "10.0.0.7:5000"
		m.Handler().ServeHTTP(rec, req)
		if rec.Code != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, rec.Code, rec.Body, c.status)
		}
		if len(costs) != 1 || costs[0] != want {
			t.Errorf("%s: bcrypt checks of cost %v, want one of cost %d as for any account", c.name, costs, want)
		}
		if c.status == 401 && !strings.Contains(rec.Body.String(), "wrong username or password") {
			t.Errorf("%s: %s, want the same answer as any failed sign-in", c.name, rec.Body)
		}
	}
}
