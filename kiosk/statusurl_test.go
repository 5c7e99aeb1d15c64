package kiosk_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/printer/decode"
	"github.com/hallq/hallq/server/servertest"
)

// TestQRCodeFollowsTheKiosk: with no base URL (the default), the QR code
// on the printed ticket starts with the scheme, host and port the kiosk
// itself used to reach the server — 127.0.0.1 for one kiosk, localhost for
// another — so a phone on the same network reaches the page; once an admin
// sets the public base URL, the QR code starts with that. A base URL a
// phone could not open is refused and changes nothing.
func TestQRCodeFollowsTheKiosk(t *testing.T) {
	t.Parallel()
	h := servertest.Start(t, servertest.Options{})
	qr := func(url string) string {
		t.Helper()
		r := newRig(t, rigOptions{url: url})
		r.press("A")
		if err := r.printer.WaitCuts(1, 10*time.Second); err != nil {
			t.Fatal(err)
		}
		res, err := decode.Render(r.printer.Received(), decode.Options{Fonts: testFonts(t)})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.QRCodes) != 1 {
			t.Fatalf("got QR codes %q, want one", res.QRCodes)
		}
		return res.QRCodes[0]
	}
	byIP := h.URL
	byName := strings.Replace(h.URL, "127.0.0.1", "localhost", 1)
	for _, base := range []string{byIP, byName} {
		if got := qr(base); !strings.HasPrefix(got, base+"/t/") {
			t.Errorf("a kiosk at %s printed the QR code %q; want it to start with %s/t/", base, got, base)
		}
	}

	admin := h.Login("admin")
	var set hallq.Settings
	h.Do("GET", "/api/v1/settings", admin, nil, &set)
	bad := set
	bad.BaseURL = "10.20.0.2:8080"
	var refusal struct{ Error hallq.Error }
	if code := h.Do("PUT", "/api/v1/settings", admin, bad, &refusal); code != 400 || refusal.Error.Reason != "base_url" {
		t.Errorf("base_url %q: got %d %+v, want 400 with reason base_url", bad.BaseURL, code, refusal.Error)
	}
	set.BaseURL = "http://10.20.0.2:8080"
	if code := h.Do("PUT", "/api/v1/settings", admin, set, nil); code != 200 {
		t.Fatalf("set base_url: %d", code)
	}
	if got := qr(byIP); !strings.HasPrefix(got, "http://10.20.0.2:8080/t/") {
		t.Errorf("with base_url set the QR code is %q; want it to start with http://10.20.0.2:8080/t/", got)
	}
}
