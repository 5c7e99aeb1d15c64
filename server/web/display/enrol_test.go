package display_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/internal/browsertest"
)

// codeRE is an enrolment code as the page makes it: three letters or
// digits, a dash, three more, none of 0 O 1 I L.
var codeRE = regexp.MustCompile(`^[A-HJKMNP-Z2-9]{3}-[A-HJKMNP-Z2-9]{3}$`)

// enrolShown waits until the page shows its enrolment code, other than
// not, and returns it.
func enrolShown(t *testing.T, tab *browsertest.Tab, not string) string {
	t.Helper()
	if err := tab.WaitFor(`(() => { const e = document.getElementById("enrol"); const c = document.getElementById("enrol-code").textContent;
		return !e.hidden && /^[A-Z0-9]{3}-[A-Z0-9]{3}$/.test(c) && c !== `+jsString(not)+`; })()`, time.Minute); err != nil {
		t.Fatalf("the enrolment code is not shown: %v", err)
	}
	code := text(t, tab.Ctx, "#enrol-code")
	if !codeRE.MatchString(code) {
		t.Fatalf("the page shows code %q", code)
	}
	return code
}

func jsString(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }

// enrolment is the admin's view of the pending request showing code.
func (h *testHall) enrolment(code string) (hallq.Enrolment, bool) {
	h.t.Helper()
	var out struct{ Enrolments []hallq.Enrolment }
	if st := h.do("GET", "/api/v1/enrolments", h.login("admin"), nil, &out); st != 200 {
		h.t.Fatalf("list enrolments: %d", st)
	}
	for _, e := range out.Enrolments {
		if e.Code == code && e.State == hallq.EnrolPending {
			return e, true
		}
	}
	return hallq.Enrolment{}, false
}

// sessionCookie is the page's session cookie as the browser holds it.
func sessionCookie(t *testing.T, tab *browsertest.Tab, url string) *network.Cookie {
	t.Helper()
	res, err := chromedp.Call(tab.Ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{url}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Cookies {
		if c.Name == "hallq_session" {
			return c
		}
	}
	return nil
}

// testEnrolsItself: with the hall's public_display off, a TV opened at
// /display/hall with no token enrols like a device. It shows its code on
// the whole screen, readable at 1080p and 768p; the admin finds the same
// code among the requests and approves it through the API; the page goes
// on to the hall view by itself (the same document: nobody reloaded it)
// and keeps the token in an HttpOnly cookie and in its storage. A browser
// that loses the cookie gets the token back from its storage without the
// admin. Revoked, the page goes back to enrolment with a new code, and a
// second approval brings it back.
func testEnrolsItself(t *testing.T, tab *browsertest.Tab) {
	// Without a token the page's look at the hall is refused: that refusal
	// is how it knows to enrol; after revocation its stream and its
	// token are refused too.
	tab.Allow("HTTP 401 for")
	h := startHall(t, func(s *hallq.Settings) { s.PublicDisplay = false })
	h.issue("A")
	h.issue("A")
	h.counter(1, "open")
	if err := tab.Navigate(h.URL + "/display/hall?audio=0&lang=vi"); err != nil {
		t.Fatal(err)
	}
	code := enrolShown(t, tab, "")
	if got := text(t, tab.Ctx, "#enrol h1"); got != "Thiết bị chưa được đăng ký" {
		t.Errorf("the heading reads %q", got)
	}
	for _, v := range browsertest.TVs[:2] {
		tab.MustResize(t, v)
		tab.MustLayout(t, v, browsertest.Layout{
			Seen:      []string{"#enrol h1", "#enrol-code", "#enrol .enrol-tell", "#enrol .enrol-where", "#enrol-name"},
			OneLine:   []string{"#enrol-code"},
			Whole:     []string{"#enrol-code", "#enrol .enrol-where"},
			MinFontPx: 20, FontScope: "#enrol",
		})
		// Read from across the hall: the code stands at least a ninth of
		// the screen's height.
		share, err := browsertest.Eval[float64](tab, `document.getElementById("enrol-code").getBoundingClientRect().height / innerHeight`)
		if err != nil {
			t.Fatal(err)
		}
		if share < 1.0/9 {
			t.Errorf("%v: the code is %.0f%% of the screen's height, want at least 11%%", v, share*100)
		}
	}

	e, ok := h.enrolment(code)
	if !ok {
		t.Fatalf("no pending request with the page's code %s", code)
	}
	name := text(t, tab.Ctx, "#enrol-name")
	if e.Kind != hallq.DeviceDisplay || e.Name != name || !strings.HasPrefix(name, "hall-tv-") {
		t.Errorf("the request is %s %q, the page says %q; want a display named hall-tv-…", e.Kind, e.Name, name)
	}
	if _, err := browsertest.Eval[bool](tab, `window.notReloaded = true`); err != nil {
		t.Fatal(err)
	}
	if st := h.do("POST", "/api/v1/enrolments/"+e.ID+"/approve", h.login("admin"), nil, nil); st != 200 {
		t.Fatalf("approve: %d", st)
	}
	hallShown := `document.getElementById("enrol").hidden && document.querySelectorAll("#services li").length > 0`
	if err := tab.WaitFor(hallShown, time.Minute); err != nil {
		t.Fatalf("after approval the hall view is not shown: %v", err)
	}
	if same, _ := browsertest.Eval[bool](tab, `window.notReloaded === true`); !same {
		t.Error("the page was reloaded to leave enrolment")
	}
	token, err := browsertest.Eval[string](tab, `localStorage.getItem("hallq.display.token") || ""`)
	if err != nil || token == "" {
		t.Fatalf("no token kept in the page's storage (%v)", err)
	}
	if c := sessionCookie(t, tab, h.URL); c == nil || c.Value != token || !c.HTTPOnly {
		t.Errorf("session cookie %+v, want the stored token, HttpOnly", c)
	}
	first := h.call(1)
	eventually(t, time.Minute, "the call appears on the enrolled TV", func() bool {
		r := rows(t, tab.Ctx)
		return len(r) > 0 && r[0] == first.Label+" 1"
	})

	// The cookie is lost (a browser set to clear them at exit): the page
	// gets it back from its storage and asks no admin.
	if _, err := chromedp.Call(tab.Ctx, network.DeleteCookies, network.DeleteCookiesParams{Name: "hallq_session", URL: h.URL}); err != nil {
		t.Fatal(err)
	}
	if err := tab.Navigate(h.URL + "/display/hall?audio=0&lang=vi"); err != nil {
		t.Fatal(err)
	}
	if err := tab.WaitFor(hallShown+` && document.querySelectorAll("#calls li").length > 0`, time.Minute); err != nil {
		t.Fatalf("without its cookie the page does not come back to the hall: %v", err)
	}
	if c := sessionCookie(t, tab, h.URL); c == nil || c.Value != token {
		t.Errorf("the cookie is not restored from storage: %+v", c)
	}
	if shown, _ := browsertest.Eval[bool](tab, `!document.getElementById("enrol").hidden`); shown {
		t.Error("the page enrolled again although its storage held a live token")
	}

	// Revoked: back to enrolment, a new code, the old token forgotten.
	if st := h.do("POST", "/api/v1/devices/"+name+"/revoke", h.login("admin"), nil, nil); st != 204 {
		t.Fatalf("revoke: %d", st)
	}
	code2 := enrolShown(t, tab, code)
	if kept, _ := browsertest.Eval[string](tab, `localStorage.getItem("hallq.display.token") || ""`); kept != "" {
		t.Error("the revoked token is still in the page's storage")
	}
	var e2 hallq.Enrolment
	eventually(t, time.Minute, "the new code is among the admin's requests", func() bool {
		e2, ok = h.enrolment(code2)
		return ok
	})
	if e2.Name != name {
		t.Errorf("re-enrolling as %q, want the same name %q", e2.Name, name)
	}
	if st := h.do("POST", "/api/v1/enrolments/"+e2.ID+"/approve", h.login("admin"), nil, nil); st != 200 {
		t.Fatalf("approve again: %d", st)
	}
	if err := tab.WaitFor(hallShown, time.Minute); err != nil {
		t.Fatalf("after the second approval the hall view is not shown: %v", err)
	}
	second := h.call(1)
	eventually(t, time.Minute, "a call appears after re-enrolment", func() bool {
		r := rows(t, tab.Ctx)
		return len(r) > 0 && r[0] == second.Label+" 1"
	})
}

// testCounterEnrols: the counter's screen enrols the same way, under a
// name that says which counter it is above.
func testCounterEnrols(t *testing.T, tab *browsertest.Tab) {
	tab.Allow("HTTP 401 for")
	h := startHall(t, func(s *hallq.Settings) { s.PublicDisplay = false })
	h.counter(3, "open") // the page says "Closed" until the stream tells it otherwise
	if err := tab.Navigate(h.URL + "/display/counter/3?lang=en"); err != nil {
		t.Fatal(err)
	}
	code := enrolShown(t, tab, "")
	if got := text(t, tab.Ctx, "#enrol h1"); got != "This device is not enrolled yet" {
		t.Errorf("the heading reads %q", got)
	}
	e, ok := h.enrolment(code)
	if !ok || e.Kind != hallq.DeviceDisplay || !strings.HasPrefix(e.Name, "counter3-tv-") {
		t.Fatalf("request %+v (found %v), want a display named counter3-tv-… with code %s", e, ok, code)
	}
	if st := h.do("POST", "/api/v1/enrolments/"+e.ID+"/approve", h.login("admin"), nil, nil); st != 200 {
		t.Fatalf("approve: %d", st)
	}
	if err := tab.WaitFor(`document.getElementById("enrol").hidden && document.getElementById("state").textContent === "Open"`, time.Minute); err != nil {
		t.Fatalf("after approval the counter's screen does not follow the hall: %v", err)
	}
}
