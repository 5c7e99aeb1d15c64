package kiosk_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/internal/eventually"
	"github.com/hallq/hallq/internal/syncbuf"
	"github.com/hallq/hallq/kiosk"
	"github.com/hallq/hallq/server/servertest"
)

// enrolTOML is a kiosk as install.sh installs one: no token anywhere.
const enrolTOML = `
[server]
url = "{URL}"
name = "kiosk-test"
timeout = "1s"
issue_deadline = "2s"
heartbeat_every = "1s"

` + rigDevicesTOML + `

[[buttons]]
pin = "{P}GPIO17"
service = "A"

[lamps]
server = "{P}GPIO21"

[[pads]]
counter = 1
led = "{P}GPIO12"
  [[pads.rating]]
  pin = "{P}GPIO23"
  score = 3
  [[pads.rating]]
  pin = "{P}GPIO24"
  score = 2
`

// TestKioskEnrols: a kiosk with no token asks for one for itself and one
// for its pad, shows both codes on its console, blinks their lamps and
// refuses tickets meanwhile; once the admin approves, it issues and rates
// without a restart, with the tokens kept 0600 in its state directory; a
// revoked kiosk token sends it back to enrolment.
func TestKioskEnrols(t *testing.T) {
	h := servertest.Start(t, servertest.Options{})
	admin := h.Login("admin")
	console := &syncbuf.Buffer{}
	r := newRig(t, rigOptions{url: h.URL, toml: enrolTOML, console: console})

	kreq := h.PendingEnrolment(admin, "kiosk-test", "")
	preq := h.PendingEnrolment(admin, "kiosk-test-pad-1", "")
	if kreq.Kind != "kiosk" || preq.Kind != "pad" {
		t.Fatalf("kinds %s and %s, want kiosk and pad", kreq.Kind, preq.Kind)
	}
	eventually.True(t, time.Minute, "both codes on the console and in the state", func() bool {
		s := r.k.State()
		return strings.Contains(console.String(), kreq.Code) && strings.Contains(console.String(), preq.Code) &&
			s.Enrolling["kiosk-test"].Code == kreq.Code && s.Enrolling["kiosk-test-pad-1"].Code == preq.Code
	})
	// The kiosk's server lamp blinks while it waits: seen on and off.
	var on, off bool
	eventually.True(t, time.Minute, "the server lamp blinking", func() bool {
		if r.board.Lit("server") {
			on = true
		} else {
			off = true
		}
		return on && off
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if res := r.k.Take(ctx, "A", ""); res.Reason != kiosk.ReasonNotEnrolled {
		t.Fatalf("a ticket before approval: %+v, want %s", res, kiosk.ReasonNotEnrolled)
	}

	if code, body := h.Raw("POST", "/api/v1/enrolments/"+kreq.ID+"/approve", admin, nil); code != 200 {
		t.Fatalf("approve the kiosk: %d %s", code, body)
	}
	if code, body := h.Raw("POST", "/api/v1/enrolments/"+preq.ID+"/approve", admin, map[string]int{"counter": 1}); code != 200 {
		t.Fatalf("approve the pad: %d %s", code, body)
	}
	eventually.True(t, time.Minute, "no device waiting", func() bool { return len(r.k.State().Enrolling) == 0 })
	for _, f := range []string{"kiosk.token", "pad-1.token"} {
		fi, err := os.Stat(filepath.Join(r.cfg.StateDir, f))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v, want mode 0600", f, fi, err)
		}
	}
	if res := r.k.Take(ctx, "A", ""); res.Ticket == nil {
		t.Fatalf("a ticket after approval: %+v", res)
	}
	r.press("pad1-score3")
	eventually.True(t, time.Minute, "the rating recorded", func() bool {
		for _, e := range events(t, h) {
			if e.Type == hallq.EventRatingRecorded && e.Counter == 1 {
				return true
			}
		}
		return false
	})

	// Revoked: the next request learns it (401), and the kiosk enrols again.
	if code, body := h.Raw("POST", "/api/v1/devices/kiosk-test/revoke", admin, nil); code != 204 {
		t.Fatalf("revoke: %d %s", code, body)
	}
	kreq2 := h.PendingEnrolment(admin, "kiosk-test", kreq.ID)
	eventually.True(t, time.Minute, "the new code in the state", func() bool { return r.k.State().Enrolling["kiosk-test"].Code == kreq2.Code })
	if code, body := h.Raw("POST", "/api/v1/enrolments/"+kreq2.ID+"/approve", admin, nil); code != 200 {
		t.Fatalf("approve again: %d %s", code, body)
	}
	eventually.True(t, time.Minute, "a ticket with the new token", func() bool { return r.k.Take(ctx, "A", "").Ticket != nil })
}
