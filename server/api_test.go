package server_test

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/server/servertest"
)

// TestBadInputIsRefusedClearly: malformed and unexpected bodies get a 400
// whose message names the problem, and change nothing.
func TestBadInputIsRefusedClearly(t *testing.T) {
	h := servertest.Start(t, servertest.Options{})
	officer := h.Login("canbo1")
	cases := []struct {
		name, method, path, token, body string
		status                          int
		code, mention                   string
	}{
		{"unknown field", "POST", "/api/v1/tickets", servertest.KioskToken, `{"service":"A","colour":"red"}`, 400, hallq.EINVALID, `"colour"`},
		{"malformed JSON", "POST", "/api/v1/tickets", servertest.KioskToken, `{"service":"A"`, 400, hallq.EINVALID, "JSON"},
		{"wrong type", "POST", "/api/v1/tickets", servertest.KioskToken, `{"service":7}`, 400, hallq.EINVALID, "service"},
		{"empty body", "POST", "/api/v1/tickets", servertest.KioskToken, ``, 400, hallq.EINVALID, "empty"},
		{"trailing data", "POST", "/api/v1/tickets", servertest.KioskToken, `{"service":"A"} {}`, 400, hallq.EINVALID, "after"},
		{"cancel reason with a NUL", "POST", "/api/v1/tickets/x/cancel", servertest.KioskToken, `{"reason":"jam\u0000"}`, 400, hallq.EINVALID, "reason"},
		{"cancel reason of 3,000 characters", "POST", "/api/v1/tickets/x/cancel", servertest.KioskToken, `{"reason":"` + strings.Repeat("x", 3000) + `"}`, 400, hallq.EINVALID, "reason"},
		{"device name with a line break", "POST", "/api/v1/devices", h.Login("admin"), `{"name":"tv\n1","kind":"display"}`, 400, hallq.EINVALID, "name"},
		{"username with a bidi override", "PUT", "/api/v1/users/ann\u202e", h.Login("admin"), `{"role":"officer","password":"longenough1"}`, 400, hallq.EINVALID, "username"},
		{"notice with an escape", "POST", "/api/v1/notice", h.Login("admin"), `{"text":"\u001b[2J"}`, 400, hallq.EINVALID, "notice"},
		{"service code with markup", "PUT", "/api/v1/services/%3Cb%3E", h.Login("admin"), `{"code":"<b>","name":"x","prefix":"X"}`, 400, hallq.EINVALID, "service code"},
		{"3,000-character prefix", "PUT", "/api/v1/services/X", h.Login("admin"), `{"code":"X","name":"x","prefix":"` + strings.Repeat("A", 3000) + `"}`, 400, hallq.EINVALID, "prefix"},
		{"field name in another case", "POST", "/api/v1/tickets", servertest.KioskToken, `{"Service":"A"}`, 400, hallq.EINVALID, `"Service"`},
		{"field given twice", "POST", "/api/v1/tickets", servertest.KioskToken, `{"service":"A","service":"B"}`, 400, hallq.EINVALID, `"service" is given twice`},
		{"invalid UTF-8", "POST", "/api/v1/tickets", servertest.KioskToken, "{\"service\":\"A\xff\"}", 400, hallq.EINVALID, "UTF-8"},
		{"missing service", "POST", "/api/v1/tickets", servertest.KioskToken, `{}`, 400, hallq.EINVALID, "service"},
		{"unknown service", "POST", "/api/v1/tickets", servertest.KioskToken, `{"service":"Z"}`, 404, hallq.ENOTFOUND, "Z"},
		{"unknown priority", "POST", "/api/v1/tickets", servertest.KioskToken, `{"service":"A","priority":"vip"}`, 400, hallq.EINVALID, "vip"},
		{"huge body", "POST", "/api/v1/tickets", servertest.KioskToken, `{"service":"` + strings.Repeat("A", 70000) + `"}`, 400, hallq.EINVALID, "larger"},
		{"bad counter id", "POST", "/api/v1/counters/three/open", officer, ``, 400, hallq.EINVALID, "three"},
		{"unknown counter", "POST", "/api/v1/counters/99/open", officer, ``, 404, hallq.ENOTFOUND, "99"},
		{"finish with nothing called", "POST", "/api/v1/counters/2/finish", officer, ``, 409, hallq.ECONFLICT, ""},
		{"transfer without service", "POST", "/api/v1/counters/1/transfer", officer, `{}`, 400, hallq.EINVALID, "service"},
		{"rating off the scale", "POST", "/api/v1/ratings", servertest.PadToken(1), `{"counter":1,"score":9,"device_seq":1,"age_ms":0}`, 400, hallq.EINVALID, ""},
		{"rating without seq", "POST", "/api/v1/ratings", servertest.PadToken(1), `{"counter":1,"score":3,"age_ms":0}`, 400, hallq.EINVALID, "device_seq"},
		{"events limit", "GET", "/api/v1/events?limit=5000", servertest.DisplayToken, ``, 400, hallq.EINVALID, "limit"},
		{"cancel without reason", "POST", "/api/v1/tickets/x/cancel", officer, `{}`, 400, hallq.EINVALID, "reason"},
		{"array instead of object", "POST", "/api/v1/tickets", servertest.KioskToken, `[1]`, 400, hallq.EINVALID, "JSON object"},
		{"rating without counter", "POST", "/api/v1/ratings", servertest.PadToken(1), `{"score":3,"device_seq":1,"age_ms":0}`, 400, hallq.EINVALID, "counter"},
		{"no such API path", "GET", "/api/v1/nothing", officer, ``, 404, hallq.ENOTFOUND, "/api/v1/nothing"},
		{"wrong method", "GET", "/api/v1/login", ``, ``, 405, hallq.EINVALID, "POST"},
		{"events since", "GET", "/api/v1/events?since=-1", servertest.DisplayToken, ``, 400, hallq.EINVALID, "since"},
	}
	before := eventCount(t, h)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, body := h.Raw(tc.method, tc.path, tc.token, tc.body)
			var e hallq.ErrorBody
			if err := json.Unmarshal(body, &e); err != nil {
				t.Fatalf("got %d %q: not a JSON error", code, body)
			}
			if code != tc.status || e.Error.Code != tc.code {
				t.Errorf("got %d %s, want %d %s (%s)", code, e.Error.Code, tc.status, tc.code, e.Error.Message)
			}
			if !strings.Contains(e.Error.Message, tc.mention) {
				t.Errorf("message %q does not mention %q", e.Error.Message, tc.mention)
			}
		})
	}
	if after := eventCount(t, h); after != before {
		t.Errorf("refused requests changed the log: %d events before, %d after", before, after)
	}
}

// TestIdempotentIssue: the same key again, also concurrently, gives the same
// ticket, and only one exists.
func TestIdempotentIssue(t *testing.T) {
	h := servertest.Start(t, servertest.Options{})
	body := `{"service":"B","idempotency_key":"press-42"}`
	var wg sync.WaitGroup
	ids := make([]string, 8)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var tk hallq.Ticket
			if code := h.Do("POST", "/api/v1/tickets", servertest.KioskToken, body, &tk); code != 201 {
				t.Errorf("issue: %d", code)
			}
			ids[i] = tk.ID
		}()
	}
	wg.Wait()
	for _, id := range ids[1:] {
		if id != ids[0] {
			t.Fatalf("same key gave different tickets: %v", ids)
		}
	}
	var out struct{ Tickets []hallq.Ticket }
	h.Do("GET", "/api/v1/tickets?service=B", h.Login("canbo1"), nil, &out)
	if len(out.Tickets) != 1 {
		t.Errorf("waiting in B: got %d, want 1", len(out.Tickets))
	}
	// The same key for another service is a client bug, refused.
	code, resp := h.Raw("POST", "/api/v1/tickets", servertest.KioskToken, `{"service":"C","idempotency_key":"press-42"}`)
	if code != 409 || !strings.Contains(string(resp), "key_reused") {
		t.Errorf("key reused for another service: got %d %s, want 409 key_reused", code, resp)
	}
	// A different key is a different ticket.
	var other hallq.Ticket
	h.Do("POST", "/api/v1/tickets", servertest.KioskToken, `{"service":"B","idempotency_key":"press-43"}`, &other)
	if other.ID == ids[0] || other.Number != out.Tickets[0].Number+1 {
		t.Errorf("second key: got %s #%d, want a new ticket numbered after #%d", other.ID, other.Number, out.Tickets[0].Number)
	}
}

// TestRatingRetryAndLateDelivery: a press retried with the same device_seq
// changes nothing; a press delivered late with its age lands on the ticket
// that was at the counter when it was pressed.
func TestRatingRetryAndLateDelivery(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	h := servertest.Start(t, servertest.Options{Now: clock})
	officer := h.Login("canbo3")
	h.Do("POST", "/api/v1/counters/3/open", officer, nil, nil)
	first := issue(t, h, "B")
	second := issue(t, h, "B")
	h.Do("POST", "/api/v1/counters/3/next", officer, nil, nil)
	advance(3 * time.Minute)
	h.Do("POST", "/api/v1/counters/3/finish", officer, nil, nil)
	advance(10 * time.Second) // the citizen presses now …
	advance(10 * time.Second)
	h.Do("POST", "/api/v1/counters/3/next", officer, nil, nil)
	advance(2 * time.Minute) // … but the press arrives after the next call.
	press := `{"counter":3,"score":3,"device_seq":7,"age_ms":130000}`
	var r1, r2 hallq.Rating
	if code := h.Do("POST", "/api/v1/ratings", servertest.PadToken(3), press, &r1); code != 201 {
		t.Fatalf("rating: %d", code)
	}
	if r1.TicketID != first.ID {
		t.Errorf("late press attached to %q, want the first ticket %q (second is %q)", r1.TicketID, first.ID, second.ID)
	}
	if code := h.Do("POST", "/api/v1/ratings", servertest.PadToken(3), press, &r2); code != 201 {
		t.Fatalf("retry: %d", code)
	}
	if r2.ID != r1.ID || r2.TicketID != r1.TicketID {
		t.Errorf("retry: got rating %d on %q, want the first, %d on %q", r2.ID, r2.TicketID, r1.ID, r1.TicketID)
	}
	// The same device_seq for a different press is refused, not swallowed.
	code, body := h.Raw("POST", "/api/v1/ratings", servertest.PadToken(3), `{"counter":3,"score":1,"device_seq":7,"age_ms":0}`)
	if code != 409 || !strings.Contains(string(body), "seq_reused") {
		t.Errorf("seq reused: got %d %s, want 409 seq_reused", code, body)
	}
	var evs struct{ Events []hallq.Event }
	h.Do("GET", "/api/v1/events?since=0&limit=1000", h.Login("admin"), nil, &evs)
	n := 0
	for _, ev := range evs.Events {
		if ev.Type == hallq.EventRatingRecorded {
			n++
		}
	}
	if n != 1 {
		t.Errorf("rating events: got %d, want 1", n)
	}
}

// TestClockBeforeBuildRefusesTickets: a server whose clock reads earlier
// than its build refuses tickets and says so on /healthz.
func TestClockBeforeBuildRefusesTickets(t *testing.T) {
	h := servertest.Start(t, servertest.Options{Now: func() time.Time { return time.Date(1970, 1, 1, 0, 0, 5, 0, time.UTC) }})
	h.Server.BuildTime = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	code, body := h.Raw("POST", "/api/v1/tickets", servertest.KioskToken, `{"service":"A"}`)
	var e hallq.ErrorBody
	json.Unmarshal(body, &e)
	if code != 503 || e.Error.Reason != "clock" {
		t.Errorf("issue: got %d %s, want 503 with reason clock", code, body)
	}
	code, body = h.Raw("GET", "/healthz", "", nil)
	if code != 503 || !strings.Contains(string(body), "clock") {
		t.Errorf("healthz: got %d %s, want 503 naming the clock", code, body)
	}
}

// TestLoginLockout: repeated failures lock the username; the right password
// is refused until the lockout ends.
func TestLoginLockout(t *testing.T) {
	h := servertest.Start(t, servertest.Options{})
	for i := 0; i < 5; i++ {
		if code, _ := h.Raw("POST", "/api/v1/login", "", `{"username":"canbo2","password":"wrong"}`); code != 401 {
			t.Fatalf("wrong password: %d", code)
		}
	}
	code, body := h.Raw("POST", "/api/v1/login", "", `{"username":"canbo2","password":"demo-canbo"}`)
	if code != 401 || !strings.Contains(string(body), "locked") {
		t.Errorf("after 5 failures: got %d %s, want 401 locked", code, body)
	}
}

// TestTicketWholeLife walks the README's curl walk-through.
func TestTicketWholeLife(t *testing.T) {
	h := servertest.Start(t, servertest.Options{})
	tk := issue(t, h, "A")
	if tk.State != hallq.StateWaiting || tk.Label != "1001" || !strings.Contains(tk.StatusURL, "/t/"+tk.ID+"?k=") {
		t.Fatalf("issued %+v", tk)
	}
	officer := h.Login("canbo1")
	var c hallq.Counter
	if code := h.Do("POST", "/api/v1/counters/1/open", officer, nil, &c); code != 200 || c.Officer != "canbo1" {
		t.Fatalf("open: %d %+v", code, c)
	}
	steps := []struct {
		path  string
		state hallq.TicketState
	}{{"next", hallq.StateCalled}, {"recall", hallq.StateCalled}, {"start", hallq.StateServing}, {"finish", hallq.StateDone}}
	for _, s := range steps {
		var got hallq.Ticket
		if code := h.Do("POST", "/api/v1/counters/1/"+s.path, officer, nil, &got); code != 200 || got.State != s.state || got.ID != tk.ID {
			t.Fatalf("%s: got %d %s %s, want 200 %s %s", s.path, code, got.ID, got.State, tk.ID, s.state)
		}
	}
	if code, _ := h.Raw("POST", "/api/v1/counters/1/next", officer, nil); code != 204 {
		t.Errorf("next with nobody waiting: got %d, want 204", code)
	}
	if code := h.Do("POST", "/api/v1/ratings", servertest.PadToken(1), `{"counter":1,"score":2,"device_seq":1,"age_ms":0}`, nil); code != 201 {
		t.Errorf("rating: %d", code)
	}
	var final hallq.Ticket
	h.Do("GET", "/api/v1/tickets/"+tk.ID, officer, nil, &final)
	if final.Rating != 2 || final.Recalls != 1 {
		t.Errorf("final ticket: rating %d recalls %d, want 2 and 1", final.Rating, final.Recalls)
	}
}

// TestPrintHold: a kiosk's ticket asked with hold_s is passed over by an
// idle counter until the kiosk confirms the print; the hold is in the
// database, so a restarted server keeps it.
func TestPrintHold(t *testing.T) {
	h := servertest.Start(t, servertest.Options{})
	officer := h.Login("canbo1")
	if code := h.Do("POST", "/api/v1/counters/1/open", officer, nil, nil); code != 200 {
		t.Fatalf("open: %d", code)
	}
	for _, body := range []string{`{"service":"A","hold_s":121}`, `{"service":"A","hold_s":-1}`, `{"service":"A","hold_s":"10"}`} {
		code, data := h.Raw("POST", "/api/v1/tickets", servertest.KioskToken, body)
		if code != 400 || !strings.Contains(string(data), "hold_s") {
			t.Errorf("%s: got %d %s, want 400 naming hold_s", body, code, data)
		}
	}
	var tk hallq.Ticket
	if code := h.Do("POST", "/api/v1/tickets", servertest.KioskToken, `{"service":"A","hold_s":60}`, &tk); code != 201 || tk.HeldUntil == nil {
		t.Fatalf("issue with a hold: %d, held_until %v", code, tk.HeldUntil)
	}
	if d := tk.HeldUntil.Sub(tk.IssuedAt); d != time.Minute {
		t.Errorf("held_until − issued_at = %v, want 1m", d)
	}
	if code, _ := h.Raw("POST", "/api/v1/counters/1/next", officer, nil); code != 204 {
		t.Fatalf("next while the only ticket prints: got %d, want 204", code)
	}
	code, data := h.Raw("POST", "/api/v1/counters/1/call", officer, `{"ticket":"`+tk.ID+`"}`)
	if code != 409 || !strings.Contains(string(data), `"printing"`) {
		t.Fatalf("call of a printing ticket: got %d %s, want 409 printing", code, data)
	}
	if code, data := h.Raw("POST", "/api/v1/tickets/"+tk.ID+"/printed", officer, nil); code != 403 {
		t.Errorf("printed by an officer who did not issue it: got %d %s, want 403", code, data)
	}
	if code, _ := h.Raw("POST", "/api/v1/tickets/nope/printed", servertest.KioskToken, nil); code != 404 {
		t.Errorf("printed of an unknown ticket: got %d, want 404", code)
	}

	// The hold outlives a restart.
	h = h.Restart()
	officer = h.Login("canbo1")
	if code, _ := h.Raw("POST", "/api/v1/counters/1/next", officer, nil); code != 204 {
		t.Fatalf("next after a restart, while the ticket prints: got %d, want 204", code)
	}

	var got hallq.Ticket
	if code := h.Do("POST", "/api/v1/tickets/"+tk.ID+"/printed", servertest.KioskToken, nil, &got); code != 200 || got.HeldUntil != nil {
		t.Fatalf("printed: %d, held_until %v", code, got.HeldUntil)
	}
	if code := h.Do("POST", "/api/v1/tickets/"+tk.ID+"/printed", servertest.KioskToken, nil, &got); code != 200 {
		t.Errorf("printed again: %d, want 200", code)
	}
	var called hallq.Ticket
	if code := h.Do("POST", "/api/v1/counters/1/next", officer, nil, &called); code != 200 || called.ID != tk.ID {
		t.Fatalf("next after the print: %d %s, want 200 %s", code, called.ID, tk.ID)
	}
	var log struct {
		Events []hallq.Event `json:"events"`
	}
	if code := h.Do("GET", "/api/v1/events?since=0&limit=1000", h.Login("quanly"), nil, &log); code != 200 {
		t.Fatalf("events: %d", code)
	}
	var printed int
	for _, ev := range log.Events {
		if ev.Type == hallq.EventTicketPrinted && ev.Ticket != nil && ev.Ticket.ID == tk.ID {
			printed++
		}
	}
	if printed != 1 {
		t.Errorf("ticket.printed events: %d, want 1 (the second confirmation changes nothing)", printed)
	}
}
