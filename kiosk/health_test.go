package kiosk_test

import (
	"testing"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/internal/eventually"
	"github.com/hallq/hallq/printer/printertest"
	"github.com/hallq/hallq/server/servertest"
)

// TestHeartbeat: the kiosk reports its printer, paper, outbox and version;
// the server lists them per device.
func TestHeartbeat(t *testing.T) {
	t.Parallel()
	h := servertest.Start(t, servertest.Options{})
	p := printertest.New()
	p.Set(printertest.PaperNearEnd)
	newRig(t, rigOptions{url: h.URL, printer: p})
	admin := h.Login("admin")
	health := func(name string) map[string]any {
		var out struct{ Devices []hallq.Device }
		if code := h.Do("GET", "/api/v1/devices", admin, nil, &out); code != 200 {
			t.Fatalf("devices: status %d", code)
		}
		for _, d := range out.Devices {
			if d.Name == name {
				return d.Health
			}
		}
		return nil
	}
	eventually.True(t, wait, "the kiosk's heartbeat", func() bool { return health("kiosk-1") != nil && health("pad-1") != nil })
	k := health("kiosk-1")
	if k["version"] != "test" || k["paper"] != "near_end" || k["outbox"] != float64(0) || k["kind"] != "kiosk" {
		t.Errorf("got kiosk health %v, want version test, paper near_end, outbox 0", k)
	}
	if p := health("pad-1"); p["kind"] != "pad" || p["outbox"] != float64(0) {
		t.Errorf("got pad health %v, want kind pad, outbox 0", p)
	}
}
