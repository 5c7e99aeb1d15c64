package sqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/hallq/hallq"
)

func TestEnrolmentStore(t *testing.T) {
	db, _ := open(t)
	ctx := context.Background()
	loc := time.UTC
	t0 := time.Date(2026, 11, 27, 8, 0, 0, 0, loc)
	req := func(id, name string, at time.Time) hallq.Enrolment {
		return hallq.Enrolment{ID: id, Name: name, Kind: hallq.DeviceKiosk, Code: "AB12", Remote: "10.0.0.9",
			CreatedAt: at, ExpiresAt: at.Add(24 * time.Hour)}
	}
	if err := db.AddEnrolment(ctx, req("E1", "k1", t0), "hash-1", 2); err != nil {
		t.Fatal(err)
	}
	if err := db.AddEnrolment(ctx, req("E2", "k2", t0), "hash-2", 2); err != nil {
		t.Fatal(err)
	}
	// The cap counts pending requests.
	err := db.AddEnrolment(ctx, req("E3", "k3", t0), "hash-3", 2)
	if hallq.ErrorCode(err) != hallq.EUNAVAILABLE {
		t.Errorf("third request over a cap of 2: got %v, want EUNAVAILABLE", err)
	}

	t.Run("wrong secret", func(t *testing.T) {
		if _, err := db.CollectEnrolment(ctx, "E1", "guess", "tok", t0, loc); hallq.ErrorCode(err) != hallq.EFORBIDDEN {
			t.Errorf("got %v, want EFORBIDDEN", err)
		}
	})
	t.Run("pending stays", func(t *testing.T) {
		e, err := db.CollectEnrolment(ctx, "E1", "hash-1", "tok", t0, loc)
		if err != nil || e.State != hallq.EnrolPending {
			t.Errorf("got %+v, %v; want pending", e, err)
		}
	})
	t.Run("approved becomes a device once", func(t *testing.T) {
		if _, err := db.DecideEnrolment(ctx, "E1", hallq.EnrolApproved, 0, "user:admin", t0, loc); err != nil {
			t.Fatal(err)
		}
		e, err := db.CollectEnrolment(ctx, "E1", "hash-1", "token-hash-1", t0, loc)
		if err != nil || e.State != hallq.EnrolApproved {
			t.Fatalf("got %+v, %v; want approved", e, err)
		}
		d, err := db.DeviceByToken(ctx, "token-hash-1")
		if err != nil || d.Name != "k1" || d.Kind != hallq.DeviceKiosk {
			t.Errorf("device: got %+v, %v", d, err)
		}
		if _, err := db.CollectEnrolment(ctx, "E1", "hash-1", "token-hash-2", t0, loc); hallq.ErrorCode(err) != hallq.ENOTFOUND {
			t.Errorf("second collect: got %v, want ENOTFOUND", err)
		}
		if _, err := db.DeviceByToken(ctx, "token-hash-2"); hallq.ErrorCode(err) != hallq.ENOTFOUND {
			t.Errorf("a second token was stored: %v", err)
		}
	})
	t.Run("expired requests are gone", func(t *testing.T) {
		later := t0.Add(25 * time.Hour)
		if _, err := db.CollectEnrolment(ctx, "E2", "hash-2", "tok", later, loc); hallq.ErrorCode(err) != hallq.ENOTFOUND {
			t.Errorf("collect after expiry: got %v, want ENOTFOUND", err)
		}
		if _, err := db.DecideEnrolment(ctx, "E2", hallq.EnrolApproved, 0, "user:admin", later, loc); hallq.ErrorCode(err) != hallq.ENOTFOUND {
			t.Errorf("approve after expiry: got %v, want ENOTFOUND", err)
		}
		es, err := db.Enrolments(ctx, later, loc)
		if err != nil || len(es) != 0 {
			t.Errorf("list after expiry: got %+v, %v; want none", es, err)
		}
		// A new request drops the expired ones, freeing the cap.
		if err := db.AddEnrolment(ctx, req("E4", "k4", later), "hash-4", 1); err != nil {
			t.Errorf("new request after expiry: %v", err)
		}
	})
}
