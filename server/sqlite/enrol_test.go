package sqlite_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/server/sqlite"
)

// poll is a device's poll from 10.0.0.9 that does not extend a pending
// request.
func poll(id, secretHash, tokenHash string, now time.Time) sqlite.EnrolPoll {
	return sqlite.EnrolPoll{ID: id, SecretHash: secretHash, TokenHash: tokenHash, Remote: "10.0.0.9", Now: now, KeepUntil: now}
}

func TestEnrolmentStore(t *testing.T) {
	db, _ := open(t)
	ctx := context.Background()
	loc := time.UTC
	t0 := time.Date(2026, 11, 27, 8, 0, 0, 0, loc)
	req := func(id, name string, at time.Time) hallq.Enrolment {
		return hallq.Enrolment{ID: id, Name: name, Kind: hallq.DeviceKiosk, Code: "AB12", Remote: "10.0.0.9",
			CreatedAt: at, ExpiresAt: at.Add(24 * time.Hour)}
	}
	lim2 := sqlite.EnrolLimits{Pending: 2, PerAddress: 5}
	if err := db.AddEnrolment(ctx, req("E1", "k1", t0), "hash-1", lim2); err != nil {
		t.Fatal(err)
	}
	if err := db.AddEnrolment(ctx, req("E2", "k2", t0), "hash-2", lim2); err != nil {
		t.Fatal(err)
	}
	// The cap counts pending requests.
	err := db.AddEnrolment(ctx, req("E3", "k3", t0), "hash-3", lim2)
	if hallq.ErrorCode(err) != hallq.EUNAVAILABLE {
		t.Errorf("third request over a cap of 2: got %v, want EUNAVAILABLE", err)
	}

	t.Run("wrong secret", func(t *testing.T) {
		if _, err := db.CollectEnrolment(ctx, poll("E1", "guess", "tok", t0), loc); hallq.ErrorCode(err) != hallq.EFORBIDDEN {
			t.Errorf("got %v, want EFORBIDDEN", err)
		}
	})
	t.Run("pending stays", func(t *testing.T) {
		e, err := db.CollectEnrolment(ctx, poll("E1", "hash-1", "tok", t0), loc)
		if err != nil || e.State != hallq.EnrolPending {
			t.Errorf("got %+v, %v; want pending", e, err)
		}
	})
	t.Run("approved becomes a device once", func(t *testing.T) {
		if _, err := db.DecideEnrolment(ctx, "E1", hallq.EnrolApproved, 0, "user:admin", t0, t0, loc); err != nil {
			t.Fatal(err)
		}
		e, err := db.CollectEnrolment(ctx, poll("E1", "hash-1", "token-hash-1", t0), loc)
		if err != nil || e.State != hallq.EnrolApproved {
			t.Fatalf("got %+v, %v; want approved", e, err)
		}
		d, err := db.DeviceByToken(ctx, "token-hash-1")
		if err != nil || d.Name != "k1" || d.Kind != hallq.DeviceKiosk {
			t.Errorf("device: got %+v, %v", d, err)
		}
		if _, err := db.CollectEnrolment(ctx, poll("E1", "hash-1", "token-hash-2", t0), loc); hallq.ErrorCode(err) != hallq.ENOTFOUND {
			t.Errorf("second collect: got %v, want ENOTFOUND", err)
		}
		if _, err := db.DeviceByToken(ctx, "token-hash-2"); hallq.ErrorCode(err) != hallq.ENOTFOUND {
			t.Errorf("a second token was stored: %v", err)
		}
	})
	t.Run("expired requests are gone", func(t *testing.T) {
		later := t0.Add(25 * time.Hour)
		if _, err := db.CollectEnrolment(ctx, poll("E2", "hash-2", "tok", later), loc); hallq.ErrorCode(err) != hallq.ENOTFOUND {
			t.Errorf("collect after expiry: got %v, want ENOTFOUND", err)
		}
		if _, err := db.DecideEnrolment(ctx, "E2", hallq.EnrolApproved, 0, "user:admin", later, later, loc); hallq.ErrorCode(err) != hallq.ENOTFOUND {
			t.Errorf("approve after expiry: got %v, want ENOTFOUND", err)
		}
		es, err := db.Enrolments(ctx, later, loc)
		if err != nil || len(es) != 0 {
			t.Errorf("list after expiry: got %+v, %v; want none", es, err)
		}
		// A new request drops the expired ones, freeing the cap.
		if err := db.AddEnrolment(ctx, req("E4", "k4", later), "hash-4", sqlite.EnrolLimits{Pending: 1, PerAddress: 1}); err != nil {
			t.Errorf("new request after expiry: %v", err)
		}
	})
}

// TestEnrolmentLimits: a flood from a few addresses cannot take every
// place — each address has its own cap, a device asking again replaces its
// own request, a request nobody polls expires while one that is polled
// stays, the admin rejects all pending at once (or all from one address),
// and the list names the devices already at a request's address.
func TestEnrolmentLimits(t *testing.T) {
	db, _ := open(t)
	ctx := context.Background()
	loc := time.UTC
	t0 := time.Date(2026, 11, 27, 8, 0, 0, 0, loc)
	lim := sqlite.EnrolLimits{Pending: 10, PerAddress: 3}
	idle := 10 * time.Minute
	add := func(id, name, remote string, at time.Time) error {
		return db.AddEnrolment(ctx, hallq.Enrolment{ID: id, Name: name, Kind: hallq.DeviceKiosk, Code: "AB12", Remote: remote,
			CreatedAt: at, ExpiresAt: at.Add(idle)}, "hash-"+id, lim)
	}
	pending := func(at time.Time) map[string]hallq.Enrolment {
		es, err := db.Enrolments(ctx, at, loc)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]hallq.Enrolment{}
		for _, e := range es {
			if e.State == hallq.EnrolPending {
				out[e.ID] = e
			}
		}
		return out
	}

	for i, name := range []string{"a1", "a2", "a3"} {
		if err := add(fmt.Sprint("A", i), name, "10.0.0.66", t0); err != nil {
			t.Fatal(err)
		}
	}
	err := add("A9", "a9", "10.0.0.66", t0)
	if he, ok := err.(*hallq.Error); !ok || he.Reason != "address_pending" || !strings.Contains(he.Message, "10.0.0.66") {
		t.Errorf("a fourth request from one address: got %v, want address_pending naming it", err)
	}
	// Another address still gets in; the same device asking again takes
	// its own request's place.
	if err := add("B0", "kiosk-b", "10.0.0.7", t0); err != nil {
		t.Fatalf("another address: %v", err)
	}
	if err := add("A0bis", "a1", "10.0.0.66", t0); err != nil {
		t.Fatalf("a1 asking again: %v", err)
	}
	if got := pending(t0); len(got) != 4 || got["A0"].ID != "" || got["A0bis"].ID == "" {
		t.Errorf("after a1 asked again: got %v, want its new request in place of its old one", keys(got))
	}

	// B0's device polls; the others do not: past the idle time only B0
	// is left, and the address has its places back.
	for m := time.Duration(0); m <= 15; m += 2 {
		at := t0.Add(m * time.Minute)
		if _, err := db.CollectEnrolment(ctx, sqlite.EnrolPoll{ID: "B0", SecretHash: "hash-B0", Now: at, KeepUntil: at.Add(idle)}, loc); err != nil {
			t.Fatalf("poll at +%v min: %v", m, err)
		}
	}
	t1 := t0.Add(15 * time.Minute)
	if got := pending(t1); len(got) != 1 || got["B0"].ID == "" {
		t.Errorf("after 15 min: got %v pending, want only the polled B0", keys(got))
	}
	for i, name := range []string{"a1", "a2", "a3"} {
		if err := add(fmt.Sprint("C", i), name, "10.0.0.66", t1); err != nil {
			t.Fatalf("the address after its requests expired: %v", err)
		}
	}

	// A device heard from 10.0.0.66 marks the requests from there.
	if err := db.AddDevice(ctx, hallq.Device{Name: "kiosk-66", Kind: hallq.DeviceKiosk, CreatedAt: t1}, "tok-66"); err != nil {
		t.Fatal(err)
	}
	if err := db.Heartbeat(ctx, "kiosk-66", map[string]any{"ok": true}, "10.0.0.66", t1); err != nil {
		t.Fatal(err)
	}
	got := pending(t1)
	if s := got["C0"].SameAddress; len(s) != 1 || s[0] != "kiosk-66" {
		t.Errorf("a request from 10.0.0.66: same_address %v, want [kiosk-66]", s)
	}
	if s := got["B0"].SameAddress; len(s) != 0 {
		t.Errorf("a request from 10.0.0.7: same_address %v, want none", s)
	}

	// Reject all from one address, then all.
	n, err := db.RejectPending(ctx, "10.0.0.66", "user:admin", t1, t1.Add(time.Hour))
	if err != nil || n != 3 {
		t.Errorf("reject from 10.0.0.66: %d, %v; want 3", n, err)
	}
	if got := pending(t1); len(got) != 1 || got["B0"].ID == "" {
		t.Errorf("after rejecting 10.0.0.66: got %v pending, want B0", keys(got))
	}
	if n, err := db.RejectPending(ctx, "", "user:admin", t1, t1.Add(time.Hour)); err != nil || n != 1 {
		t.Errorf("reject all: %d, %v; want 1", n, err)
	}
	// The device learns of it when it polls, an hour later too.
	if _, err := db.CollectEnrolment(ctx, sqlite.EnrolPoll{ID: "B0", SecretHash: "hash-B0", Now: t1.Add(50 * time.Minute)}, loc); err != nil {
		t.Errorf("the rejected device polls: %v", err)
	}
}

func keys(m map[string]hallq.Enrolment) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
