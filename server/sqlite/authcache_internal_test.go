package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/hallq/hallq"
)

// A look-up that read the database before a revocation and finishes after
// it must not keep what it read: the revoked token would be honoured for
// another authRecheck (issue 15 wants a revocation to end a device's
// access at once).
func TestAuthAnswerReadBeforeAForgetIsNotKept(t *testing.T) {
	c := &authCache{stamp: filepath.Join(t.TempDir(), "db-auth")}
	_, ok, gen := c.device("d1")
	if ok {
		t.Fatal("an empty cache answered")
	}
	c.forgetDevices() // the revocation commits while the look-up reads
	c.putDevice("d1", hallq.Device{Name: "kiosk-1"}, gen)
	if _, ok, _ := c.device("d1"); ok {
		t.Error("a device read before its revocation was kept")
	}
	_, _, gen = c.device("d1")
	c.putDevice("d1", hallq.Device{Name: "kiosk-1"}, gen)
	if d, ok, _ := c.device("d1"); !ok || d.Name != "kiosk-1" {
		t.Errorf("an answer read with nothing forgotten meanwhile: got %v, %v; want it kept", d, ok)
	}

	_, _, gen = c.session("s1")
	c.forgetSession("s1") // signed out while the look-up read
	c.putSession("s1", cachedSession{found: true}, gen)
	if _, ok, _ := c.session("s1"); ok {
		t.Error("a session read before its sign-out was kept")
	}
}
