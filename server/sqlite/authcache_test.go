package sqlite_test

import (
	"database/sql"
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/internal/eventually"
	"github.com/hallq/hallq/server/sqlite"
)

// Token answers are kept for a few seconds, but never past what this
// process changes, nor past a session's expiry; what another process (the
// hallserver command) changes is seen once they are rechecked.
func TestAuthAnswersFollowChanges(t *testing.T) {
	db, path := seeded(t)
	ctx := t.Context()
	now := time.Now()
	if err := db.PutUser(ctx, hallq.User{Username: "ann", Role: hallq.RoleOfficer}, "x"); err != nil {
		t.Fatal(err)
	}
	// A hash asked about before its session exists (a kiosk token is
	// looked for among sessions first), then the session is created.
	if _, err := db.SessionUser(ctx, "s1", now); hallq.ErrorCode(err) != hallq.ENOTFOUND {
		t.Fatalf("no session yet: got %v", err)
	}
	if err := db.PutSession(ctx, "s1", "ann", now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if u, err := db.SessionUser(ctx, "s1", now); err != nil || u.Username != "ann" || u.Role != hallq.RoleOfficer {
		t.Fatalf("after sign-in: got %v, %v", u, err)
	}
	if _, err := db.SessionUser(ctx, "s1", now.Add(2*time.Minute)); hallq.ErrorCode(err) != hallq.ENOTFOUND {
		t.Errorf("after expiry: got %v, want not found", err)
	}
	if err := db.PutUser(ctx, hallq.User{Username: "ann", Role: hallq.RoleManager}, "x"); err != nil {
		t.Fatal(err)
	}
	if u, _ := db.SessionUser(ctx, "s1", now); u.Role != hallq.RoleManager {
		t.Errorf("after a role change: got %q, want manager", u.Role)
	}
	if err := db.PutUser(ctx, hallq.User{Username: "ann", Role: hallq.RoleManager, Disabled: true}, "x"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SessionUser(ctx, "s1", now); hallq.ErrorCode(err) != hallq.ENOTFOUND {
		t.Errorf("after disabling: got %v, want not found", err)
	}

	if err := db.AddDevice(ctx, hallq.Device{Name: "kiosk-1", Kind: hallq.DeviceKiosk}, "d1"); err != nil {
		t.Fatal(err)
	}
	if d, err := db.DeviceByToken(ctx, "d1"); err != nil || d.Name != "kiosk-1" {
		t.Fatalf("device: got %v, %v", d, err)
	}
	if err := db.RevokeDevice(ctx, "kiosk-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.DeviceByToken(ctx, "d1"); hallq.ErrorCode(err) != hallq.ENOTFOUND {
		t.Errorf("revoked here: got %v, want not found at once", err)
	}

	// Revoked by another process on the same database.
	if err := db.AddDevice(ctx, hallq.Device{Name: "kiosk-2", Kind: hallq.DeviceKiosk}, "d2"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.DeviceByToken(ctx, "d2"); err != nil {
		t.Fatal(err)
	}
	other, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := other.RevokeDevice(ctx, "kiosk-2"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.DeviceByToken(ctx, "d2"); hallq.ErrorCode(err) != hallq.ENOTFOUND {
		t.Errorf("revoked by another process: got %v, want not found at once (the stamp file)", err)
	}

	// A change the stamp does not tell of (made by other means) is seen
	// once the answers are rechecked.
	if err := db.AddDevice(ctx, hallq.Device{Name: "kiosk-3", Kind: hallq.DeviceKiosk}, "d3"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.DeviceByToken(ctx, "d3"); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.ExecContext(ctx, `UPDATE devices SET revoked_at = 1 WHERE name = 'kiosk-3'`); err != nil {
		t.Fatal(err)
	}
	sqlite.SetAuthRecheck(db, 50*time.Millisecond)
	eventually.True(t, 10*time.Second, "a revocation made behind the stamp's back to be seen", func() bool {
		_, err := db.DeviceByToken(ctx, "d3")
		return hallq.ErrorCode(err) == hallq.ENOTFOUND
	})
}
