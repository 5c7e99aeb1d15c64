package server_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/server"
	"github.com/hallq/hallq/server/reports"
	"github.com/hallq/hallq/server/servertest"
)

// browser is an HTTP client with a cookie jar, as a signed-in browser.
func browser(t *testing.T, h *servertest.Hall, user, pw string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Post(h.URL+"/api/v1/login", "application/json", strings.NewReader(`{"username":"`+user+`","password":"`+pw+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("login %s: %d", user, resp.StatusCode)
	}
	return c
}

func send(t *testing.T, c *http.Client, method, url string, hdr map[string]string, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestCrossOriginWritesRefused(t *testing.T) {
	h := servertest.Start(t, servertest.Options{})
	c := browser(t, h, "canbo1", "demo-canbo")
	cases := []struct {
		name string
		hdr  map[string]string
		want int
	}{
		{"cookie, other origin", map[string]string{"Origin": "http://evil.example"}, 403},
		{"cookie, cross-site fetch metadata", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		{"cookie, same-site other port", map[string]string{"Sec-Fetch-Site": "same-site", "Origin": "http://127.0.0.1:1"}, 403},
		{"cookie, same origin", map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": h.URL}, 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, body := send(t, c, "POST", h.URL+"/api/v1/counters/1/open", tc.hdr, "")
			if code != tc.want {
				t.Errorf("got %d %s, want %d", code, body, tc.want)
			}
			if code == 403 && !strings.Contains(body, `"forbidden"`) {
				t.Errorf("refusal is not a JSON error: %s", body)
			}
		})
	}
	// A device with a bearer token and no browser headers keeps working.
	if code, body := h.Raw("POST", "/api/v1/tickets", servertest.KioskToken, `{"service":"A"}`); code != 201 {
		t.Errorf("kiosk without Origin: got %d %s, want 201", code, body)
	}
	// A cross-site form post to sign in is refused too (login CSRF).
	code, _ := send(t, http.DefaultClient, "POST", h.URL+"/api/v1/login", map[string]string{"Origin": "http://evil.example", "Content-Type": "application/x-www-form-urlencoded"}, "username=admin&password=demo-admin")
	if code != 403 {
		t.Errorf("cross-site login: got %d, want 403", code)
	}
}

func TestStaffPagesAccess(t *testing.T) {
	h := servertest.Start(t, servertest.Options{})
	anon := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, p := range []string{"/officer", "/manager", "/admin"} {
		resp, err := anon.Get(h.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); resp.StatusCode != 303 || !strings.HasPrefix(loc, "/login?next=") {
			t.Errorf("anonymous %s: got %d %q, want 303 to /login", p, resp.StatusCode, loc)
		}
	}
	cases := []struct {
		user, pw, page string
		want           int
	}{
		{"canbo1", "demo-canbo", "/officer", 200},
		{"canbo1", "demo-canbo", "/manager", 403},
		{"quanly", "demo-quanly", "/manager", 200},
		{"quanly", "demo-quanly", "/admin", 403},
		{"quanly", "demo-quanly", "/officer", 403},
		{"admin", "demo-admin", "/admin", 200},
		{"admin", "demo-admin", "/manager", 200},
	}
	for _, tc := range cases {
		c := browser(t, h, tc.user, tc.pw)
		if code, body := send(t, c, "GET", h.URL+tc.page, nil, ""); code != tc.want {
			t.Errorf("%s %s: got %d, want %d\n%.300s", tc.user, tc.page, code, tc.want, body)
		}
	}
	// English on request; Vietnamese by default.
	c := browser(t, h, "quanly", "demo-quanly")
	if _, body := send(t, c, "GET", h.URL+"/manager", nil, ""); !strings.Contains(body, "Số phiếu đã cấp") {
		t.Errorf("default page is not Vietnamese")
	}
	if _, body := send(t, c, "GET", h.URL+"/manager?lang=en", nil, ""); !strings.Contains(body, "Tickets issued") {
		t.Errorf("?lang=en page is not English")
	}
}

func TestAdminChangesRunningHall(t *testing.T) {
	h := servertest.Start(t, servertest.Options{})
	admin := h.Login("admin")
	svc := hallq.Service{Code: "F", NameVI: "Lao động – Thương binh và Xã hội", NameEN: "Labour", Prefix: "F", TargetWaitMin: 12, Order: 9}
	if code := h.Do("PUT", "/api/v1/services/F", admin, svc, nil); code != 200 {
		t.Fatalf("put service: %d", code)
	}
	if code := h.Do("PUT", "/api/v1/counters/7", admin, map[string]any{"name": "Quầy 7", "services": []string{"F", "A"}}, nil); code != 200 {
		t.Fatalf("put counter: %d", code)
	}
	var tk hallq.Ticket
	if code := h.Do("POST", "/api/v1/tickets", servertest.KioskToken, map[string]string{"service": "F"}, &tk); code != 201 || tk.Label != "F001" {
		t.Fatalf("issue in the new service: %d %+v", code, tk)
	}
	off := h.Login("canbo2")
	h.Do("POST", "/api/v1/counters/7/open", off, nil, nil)
	var called hallq.Ticket
	if code := h.Do("POST", "/api/v1/counters/7/next", off, nil, &called); code != 200 || called.ID != tk.ID {
		t.Fatalf("next at the new counter: %d %+v", code, called)
	}
	var set hallq.Settings
	h.Do("GET", "/api/v1/settings", admin, nil, &set)
	set.PublicDisplay = false
	if code, body := h.Raw("PUT", "/api/v1/settings", admin, mustJSON(t, set)); code != 200 {
		t.Fatalf("put settings: %d %s", code, body)
	}
	if code, _ := h.Raw("GET", "/api/v1/hall", "", nil); code != 401 {
		t.Errorf("hall after public display off: got %d, want 401", code)
	}
	set.TimeZone = "UTC"
	if code, _ := h.Raw("PUT", "/api/v1/settings", admin, mustJSON(t, set)); code != 400 {
		t.Errorf("time zone change: got %d, want 400", code)
	}
	// Users: a new officer can sign in; a disabled one cannot.
	if code := h.Do("PUT", "/api/v1/users/canbo9", admin, map[string]any{"role": "officer", "password": "mật-khẩu-9"}, nil); code != 200 {
		t.Fatalf("put user: %d", code)
	}
	if code := h.Do("POST", "/api/v1/login", "", map[string]string{"username": "canbo9", "password": "mật-khẩu-9"}, nil); code != 200 {
		t.Errorf("new user signs in: %d", code)
	}
	h.Do("PUT", "/api/v1/users/canbo9", admin, map[string]any{"role": "officer", "disabled": true}, nil)
	if code := h.Do("POST", "/api/v1/login", "", map[string]string{"username": "canbo9", "password": "mật-khẩu-9"}, nil); code != 401 {
		t.Errorf("disabled user signs in: got %d, want 401", code)
	}
	// Devices: the token is shown once, works, and stops working when revoked.
	var dev struct {
		Token  string       `json:"token"`
		Device hallq.Device `json:"device"`
	}
	if code := h.Do("POST", "/api/v1/devices", admin, map[string]any{"name": "kiosk-2", "kind": "kiosk"}, &dev); code != 201 || dev.Token == "" {
		t.Fatalf("create device: %d", code)
	}
	if code := h.Do("POST", "/api/v1/devices/heartbeat", dev.Token, map[string]any{"printer": "ok"}, nil); code != 204 {
		t.Errorf("new token: got %d, want 204", code)
	}
	if code := h.Do("POST", "/api/v1/devices/kiosk-2/revoke", admin, nil, nil); code != 204 {
		t.Fatalf("revoke: %d", code)
	}
	if code := h.Do("POST", "/api/v1/devices/heartbeat", dev.Token, nil, nil); code != 401 {
		t.Errorf("revoked token: got %d, want 401", code)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestNoShowsAndReports(t *testing.T) {
	h := servertest.Start(t, servertest.Options{})
	off := h.Login("canbo1")
	h.Do("POST", "/api/v1/counters/1/open", off, nil, nil)
	var a, b hallq.Ticket
	h.Do("POST", "/api/v1/tickets", servertest.KioskToken, map[string]string{"service": "A"}, &a)
	h.Do("POST", "/api/v1/tickets", servertest.KioskToken, map[string]string{"service": "A"}, &b)
	h.Do("POST", "/api/v1/counters/1/next", off, nil, nil)
	h.Do("POST", "/api/v1/counters/1/no-show", off, nil, nil)
	var ns struct{ Tickets []hallq.Ticket }
	if h.Do("GET", "/api/v1/noshows?service=A,B", off, nil, &ns); len(ns.Tickets) != 1 || ns.Tickets[0].ID != a.ID {
		t.Fatalf("no-shows: got %+v, want %s", ns.Tickets, a.ID)
	}
	h.Do("POST", "/api/v1/counters/1/next", off, nil, nil)
	h.Do("POST", "/api/v1/counters/1/finish", off, nil, nil)

	mgr := h.Login("quanly")
	var sum reports.SummaryResponse
	if code := h.Do("GET", "/api/v1/reports/summary?by=service", mgr, nil, &sum); code != 200 {
		t.Fatalf("summary: %d", code)
	}
	if len(sum.Rows) != 1 || sum.Rows[0].Key != "A" || sum.Rows[0].Issued != 2 || sum.Rows[0].Served != 1 || sum.Rows[0].NoShows != 1 {
		t.Errorf("summary rows: got %+v", sum.Rows)
	}
	if sum.Targets.SatisfiedPct != 80 || sum.Targets.OverWaitPct != 10 {
		t.Errorf("targets: got %+v", sum.Targets)
	}
	code, body := h.Raw("GET", "/api/v1/reports/summary?by=service&format=csv", mgr, nil)
	if code != 200 || !strings.HasPrefix(string(body), "\ufeff") {
		t.Fatalf("csv: %d, BOM %v", code, strings.HasPrefix(string(body), "\ufeff"))
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(body), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if rows[0][0] != "Lĩnh vực" || rows[0][1] != "Số phiếu đã cấp" || rows[1][0] != "Hộ tịch" || rows[1][1] != "2" || rows[2][0] != "Tổng cộng" {
		t.Errorf("csv rows: %q", rows)
	}
	code, body = h.Raw("GET", "/api/v1/reports/tickets?format=csv&lang=en", mgr, nil)
	rows, _ = csv.NewReader(strings.NewReader(strings.TrimPrefix(string(body), "\ufeff"))).ReadAll()
	if code != 200 || len(rows) != 3 || rows[0][2] != "Number" || rows[0][13] != "Outcome" || rows[1][13] != "No-show" || rows[2][13] != "Served" {
		t.Errorf("ticket log csv: %d %q", code, rows)
	}
	var log struct{ Tickets []reports.TicketLogRow }
	if h.Do("GET", "/api/v1/reports/tickets", mgr, nil, &log); len(log.Tickets) != 2 || log.Tickets[0].WaitS == nil {
		t.Errorf("ticket log json: %+v", log.Tickets)
	}
	if code, _ := h.Raw("GET", "/api/v1/reports/summary?by=week", mgr, nil); code != 400 {
		t.Errorf("by=week: got %d, want 400", code)
	}
	var live struct {
		Open     int `json:"open_counters"`
		Services []server.LiveService
	}
	if h.Do("GET", "/api/v1/reports/live", mgr, nil, &live); live.Open != 1 || len(live.Services) != 5 {
		t.Errorf("live: %+v", live)
	}
}

func TestTicketPreview(t *testing.T) {
	h := servertest.Start(t, servertest.Options{})
	code, body := h.Raw("GET", "/api/v1/ticket-preview?service=B", h.Login("admin"), nil)
	if code == 503 {
		t.Skip("no DejaVu fonts: apt-get install fonts-dejavu-core")
	}
	if code != 200 || !bytes.HasPrefix(body, []byte("\x89PNG")) {
		t.Errorf("preview: got %d %.100q, want a PNG", code, body)
	}
}
