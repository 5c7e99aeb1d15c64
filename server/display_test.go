package server_test

import (
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/internal/eventually"
	"github.com/hallq/hallq/server/servertest"
)

func TestDisplayPagesServed(t *testing.T) {
	h := servertest.Start(t, servertest.Options{})
	for _, path := range []string{"/display/hall", "/display/hall?lang=en", "/display/counter/3", "/t/abc?k=def"} {
		code, body := h.Raw("GET", path, "", nil)
		if code != 200 || !strings.Contains(string(body), "<!doctype html>") {
			t.Errorf("GET %s: %d", path, code)
		}
		if strings.Contains(string(body), "http://") || strings.Contains(string(body), "https://") {
			t.Errorf("GET %s refers to another site", path)
		}
	}
	if code, body := h.Raw("GET", "/display/hall?lang=en", "", nil); code != 200 || !strings.Contains(string(body), "Waiting") {
		t.Errorf("English hall page: %d", code)
	}
	if code, _ := h.Raw("GET", "/display/counter/x", "", nil); code != 400 {
		t.Errorf("counter x: %d, want 400", code)
	}
	if code, _ := h.Raw("GET", "/t/abc", "", nil); code != 400 {
		t.Errorf("ticket page without secret: %d, want 400", code)
	}
	// The icon is where browsers look for it on pages that name none.
	resp, err := http.Get(h.URL + "/favicon.ico")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/svg+xml" {
		t.Errorf("GET /favicon.ico: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	// Static files are at checksummed URLs, cached for good.
	_, body := h.Raw("GET", "/display/hall", "", nil)
	i := strings.Index(string(body), "/display/static/")
	if i < 0 {
		t.Fatal("no script URL on the page")
	}
	u := string(body[i : i+strings.Index(string(body[i:]), `"`)])
	resp, err = http.Get(h.URL + u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("GET %s: %d, Cache-Control %q", u, resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
}

// TestDisplayTokenCookie: a TV opened at /display/hall?token=… keeps the
// display token in a cookie and loses it from the address bar.
func TestDisplayTokenCookie(t *testing.T) {
	h := servertest.Start(t, servertest.Options{})
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(h.URL + "/display/hall?lang=en&token=" + servertest.DisplayToken)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/display/hall?lang=en" {
		t.Errorf("got %d to %q, want 303 to /display/hall?lang=en", resp.StatusCode, resp.Header.Get("Location"))
	}
	if ck := resp.Cookies(); len(ck) != 1 || ck[0].Value != servertest.DisplayToken || !ck[0].HttpOnly {
		t.Errorf("cookies %v", ck)
	}
	for _, tok := range []string{"wrong", servertest.KioskToken} {
		resp, _ := c.Get(h.URL + "/display/hall?token=" + tok)
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Errorf("token %s: %d, want 401", tok, resp.StatusCode)
		}
	}
}

// TestDisplaySession: a display page that enrolled itself hands its token
// to POST /display/session, which keeps it in the HttpOnly session cookie;
// any other token is refused with a JSON error and no cookie; DELETE
// drops the cookie.
func TestDisplaySession(t *testing.T) {
	h := servertest.Start(t, servertest.Options{})
	post := func(body string, contentType ...string) *http.Response {
		t.Helper()
		ct := "application/json"
		if len(contentType) > 0 {
			ct = contentType[0]
		}
		resp, err := http.Post(h.URL+"/display/session", ct, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	resp := post(`{"token": "` + servertest.DisplayToken + `"}`)
	if ck := resp.Cookies(); resp.StatusCode != 204 || len(ck) != 1 || ck[0].Name != "hallq_session" ||
		ck[0].Value != servertest.DisplayToken || !ck[0].HttpOnly || ck[0].SameSite != http.SameSiteStrictMode {
		t.Errorf("display token: %d, cookies %v", resp.StatusCode, resp.Cookies())
	}
	for body, want := range map[string]int{
		`{"token": "` + servertest.KioskToken + `"}`: 401, // not a display's
		`{"token": "wrong"}`:                         401,
		`{"token": ""}`:                              400,
		`{"tokn": "x"}`:                              400,
		``:                                           400,
	} {
		if resp := post(body); resp.StatusCode != want || len(resp.Cookies()) != 0 {
			t.Errorf("POST %q: %d with cookies %v, want %d and none", body, resp.StatusCode, resp.Cookies(), want)
		}
	}
	// What a form on another site can send: refused, no cookie.
	if resp := post(`{"token": "`+servertest.DisplayToken+`"}`, "text/plain"); resp.StatusCode != 400 || len(resp.Cookies()) != 0 {
		t.Errorf("text/plain: %d with cookies %v, want 400 and none", resp.StatusCode, resp.Cookies())
	}
	req, _ := http.NewRequest("DELETE", h.URL+"/display/session", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ck := resp.Cookies(); resp.StatusCode != 204 || len(ck) != 1 || ck[0].MaxAge >= 0 {
		t.Errorf("DELETE: %d, cookies %v, want 204 and the cookie dropped", resp.StatusCode, ck)
	}
}

func TestAnnouncementRoute(t *testing.T) {
	h := servertest.Start(t, servertest.Options{})
	issue(t, h, "A")
	officer := h.Login("canbo1")
	h.Do("POST", "/api/v1/counters/1/open", officer, nil, nil)
	var called hallq.Ticket
	if code := h.Do("POST", "/api/v1/counters/1/next", officer, nil, &called); code != 200 {
		t.Fatalf("next: %d", code)
	}
	// The call is event 3 (issued, opened, called).
	if code, _ := h.Raw("GET", "/api/v1/announcements/1.wav", "", nil); code != 404 {
		t.Errorf("announcement of an issue event: %d, want 404", code)
	}
	if code, _ := h.Raw("GET", "/api/v1/announcements/x.wav", "", nil); code != 400 {
		t.Errorf("announcement x: %d, want 400", code)
	}
	code, body := h.Raw("GET", "/api/v1/announcements/3.wav", "", nil)
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		if code != 503 {
			t.Errorf("without espeak-ng: %d, want 503", code)
		}
		t.Skip("espeak-ng is not installed: the audio itself is not checked here")
	}
	if code != 200 || len(body) < 44 || string(body[:4]) != "RIFF" || string(body[8:12]) != "WAVE" {
		t.Fatalf("announcement: %d, %d bytes", code, len(body))
	}
}

// TestDisplayLastSeen: a display with an open stream shows as seen on the
// admin's device list.
func TestDisplayLastSeen(t *testing.T) {
	h := servertest.Start(t, servertest.Options{})
	lastSeen := func() *time.Time {
		var out struct{ Devices []hallq.Device }
		h.Do("GET", "/api/v1/devices", h.Login("admin"), nil, &out)
		for _, d := range out.Devices {
			if d.Name == "display-hall" {
				return d.LastSeen
			}
		}
		t.Fatal("display-hall not listed")
		return nil
	}
	if ls := lastSeen(); ls != nil {
		t.Fatalf("last seen %v before it connected", ls)
	}
	c := dial(t, h, "", nil)
	defer c.Close()
	read(t, c)
	eventually.True(t, time.Minute, "a connected display's last_seen set", func() bool { return lastSeen() != nil })
}
