package enrol_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/enrol"
	"github.com/hallq/hallq/internal/eventually"
	"github.com/hallq/hallq/server/servertest"
)

// shown records what an identity asked to show.
type shown struct {
	mu sync.Mutex
	s  []enrol.Status
}

func (s *shown) add(st enrol.Status) { s.mu.Lock(); s.s = append(s.s, st); s.mu.Unlock() }

func (s *shown) last() enrol.Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.s) == 0 {
		return enrol.Status{}
	}
	return s.s[len(s.s)-1]
}

func runIdentity(t *testing.T, id *enrol.Identity) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); id.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	eventually.True(t, time.Minute, what, cond)
}

// TestIdentityEnrolsAndReEnrolsAfterRevocation: with no token the device
// shows a code and waits; the admin's approval gives it a token at once
// (no restart), saved 0600; a revoked token sends it back to enrolment with
// a new code, and the next approval works again.
func TestIdentityEnrolsAndReEnrolsAfterRevocation(t *testing.T) {
	h := servertest.Start(t, servertest.Options{})
	admin := h.Login("admin")
	var sh shown
	id := &enrol.Identity{Server: h.URL, Name: "kiosk-entrance", Kind: "kiosk",
		File: filepath.Join(t.TempDir(), "kiosk.token"), Show: sh.add,
		MinWait: 10 * time.Millisecond, MaxWait: 50 * time.Millisecond}
	runIdentity(t, id)

	req := h.PendingEnrolment(h.Login("admin"), "kiosk-entrance", "")
	if got := sh.last(); got.Code != req.Code {
		t.Fatalf("the device shows %+v, the admin sees code %q", got, req.Code)
	}
	if id.Token() != "" {
		t.Fatal("a token before approval")
	}
	if code, body := h.Raw("POST", "/api/v1/enrolments/"+req.ID+"/approve", admin, nil); code != 200 {
		t.Fatalf("approve: %d %s", code, body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tok, err := id.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(id.File); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("saved token: %v %v, want mode 0600", fi, err)
	}
	if sh.last().Waiting() {
		t.Errorf("still shows %+v after approval", sh.last())
	}
	var tk hallq.Ticket
	if code := h.Do("POST", "/api/v1/tickets", tok, map[string]string{"service": "A", "idempotency_key": "i1"}, &tk); code != http.StatusCreated {
		t.Fatalf("issue with the enrolled token: %d", code)
	}

	// The admin revokes the device; the daemon learns it from a 401.
	if code, body := h.Raw("POST", "/api/v1/devices/kiosk-entrance/revoke", admin, nil); code != 200 && code != 204 {
		t.Fatalf("revoke: %d %s", code, body)
	}
	id.Revoked(tok)
	req2 := h.PendingEnrolment(h.Login("admin"), "kiosk-entrance", req.ID)
	waitFor(t, "a new code shown", func() bool { return sh.last().Code == req2.Code })
	if id.Token() != "" {
		t.Error("the revoked token is still handed out")
	}
	if _, err := os.Stat(id.File); !os.IsNotExist(err) {
		t.Errorf("the revoked token file is still there: %v", err)
	}
	if code, body := h.Raw("POST", "/api/v1/enrolments/"+req2.ID+"/approve", admin, nil); code != 200 {
		t.Fatalf("approve again: %d %s", code, body)
	}
	tok2, err := id.Wait(ctx)
	if err != nil || tok2 == tok {
		t.Fatalf("after the second approval: %q, %v", tok2, err)
	}
}

// TestIdentityKeepsWhatItHas: a saved token or the config's is used
// without asking; a revoked config token is not enrolled over.
func TestIdentityKeepsWhatItHas(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "display.token")
	if err := enrol.SaveToken(file, "saved-token"); err != nil {
		t.Fatal(err)
	}
	id := &enrol.Identity{Server: "http://127.0.0.1:1", Name: "tv", Kind: "display", File: file}
	runIdentity(t, id)
	waitFor(t, "the saved token", func() bool { return id.Token() == "saved-token" })

	fixed := &enrol.Identity{Server: "http://127.0.0.1:1", Name: "k", Kind: "kiosk", File: filepath.Join(dir, "k.token"), Fixed: "from-config"}
	runIdentity(t, fixed)
	waitFor(t, "the config's token", func() bool { return fixed.Token() == "from-config" })
	fixed.Revoked("from-config")
	time.Sleep(50 * time.Millisecond)
	if fixed.Token() != "from-config" {
		t.Errorf("a config token was dropped: %q", fixed.Token())
	}
}

func TestNewDigitsCode(t *testing.T) {
	if c := enrol.NewDigitsCode(); !regexp.MustCompile(`^[0-9]{3}-[0-9]{3}$`).MatchString(c) {
		t.Errorf("got %q", c)
	}
}
