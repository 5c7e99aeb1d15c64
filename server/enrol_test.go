package server_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/server/servertest"
)

// ask makes an enrolment request and checks that it is pending.
func ask(t *testing.T, h *servertest.Hall, name, kind, code string) hallq.EnrolAnswer {
	t.Helper()
	var a hallq.EnrolAnswer
	code2, body := h.Raw("POST", "/api/v1/enrol", "", map[string]string{"name": name, "kind": kind, "code": code})
	if code2 != http.StatusAccepted {
		t.Fatalf("enrol %s: got %d %s, want 202", name, code2, body)
	}
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatalf("enrol %s: %v in %s", name, err, body)
	}
	if a.ID == "" || a.Secret == "" || a.State != hallq.EnrolPending || !strings.HasPrefix(a.Poll, "/api/v1/enrol/"+a.ID+"?secret=") {
		t.Fatalf("enrol %s: got %+v, want a pending request with id, secret and poll path", name, a)
	}
	return a
}

func TestEnrolApprovedKioskIssuesTicket(t *testing.T) {
	h := servertest.Start(t, servertest.Options{})
	admin := h.Login("admin")
	a := ask(t, h, "kiosk-entrance", "kiosk", "K7Q2")

	// Pending: the device gets nothing yet.
	var p hallq.EnrolAnswer
	if code := h.Do("GET", a.Poll, "", nil, &p); code != http.StatusAccepted || p.State != hallq.EnrolPending || p.Token != "" {
		t.Fatalf("poll while pending: got %d %+v, want 202 pending without a token", code, p)
	}

	// The admin sees the request with the device's code.
	var list hallq.EnrolmentList
	if code := h.Do("GET", "/api/v1/enrolments", admin, nil, &list); code != 200 {
		t.Fatalf("list: got %d", code)
	}
	if len(list.Enrolments) != 1 || list.Enrolments[0].Code != "K7Q2" || list.Enrolments[0].Name != "kiosk-entrance" || list.Enrolments[0].Remote == "" {
		t.Fatalf("list: got %+v, want the one request with code K7Q2 and its address", list.Enrolments)
	}
	var e hallq.Enrolment
	if code := h.Do("POST", "/api/v1/enrolments/"+a.ID+"/approve", admin, nil, &e); code != 200 || e.State != hallq.EnrolApproved {
		t.Fatalf("approve: got %d %+v, want 200 approved", code, e)
	}
	if code, body := h.Raw("POST", "/api/v1/enrolments/"+a.ID+"/approve", admin, nil); code != http.StatusConflict {
		t.Errorf("approve twice: got %d %s, want 409", code, body)
	}

	// The next poll gets the token, exactly once.
	if code := h.Do("GET", a.Poll, "", nil, &p); code != 200 || p.State != hallq.EnrolApproved || p.Token == "" {
		t.Fatalf("poll after approval: got %d %+v, want 200 with a token", code, p)
	}
	if p.Device == nil || p.Device.Name != "kiosk-entrance" || p.Device.Kind != hallq.DeviceKiosk {
		t.Errorf("poll after approval: device %+v, want kiosk-entrance, kiosk", p.Device)
	}
	if code, body := h.Raw("GET", a.Poll, "", nil); code != http.StatusNotFound || strings.Contains(string(body), "token") {
		t.Errorf("poll after collecting: got %d %s, want 404 without a token", code, body)
	}

	// The token works: the new kiosk issues a ticket.
	var tk hallq.Ticket
	if code := h.Do("POST", "/api/v1/tickets", p.Token, map[string]string{"service": "A", "idempotency_key": "enrolled-1"}, &tk); code != http.StatusCreated || tk.Label == "" {
		t.Fatalf("ticket with the enrolled token: got %d %+v, want 201", code, tk)
	}
	// And it is listed as a device, stored as a hash only.
	var devs struct{ Devices []hallq.Device }
	if code := h.Do("GET", "/api/v1/devices", admin, nil, &devs); code != 200 {
		t.Fatalf("devices: %d", code)
	}
	found := false
	for _, d := range devs.Devices {
		found = found || d.Name == "kiosk-entrance"
	}
	if !found {
		t.Errorf("devices: %+v lacks kiosk-entrance", devs.Devices)
	}
	if code := h.Do("GET", "/api/v1/enrolments", admin, nil, &list); code != 200 || len(list.Enrolments) != 0 {
		t.Errorf("list after collecting: got %d %+v, want it empty", code, list.Enrolments)
	}
}

func TestEnrolUnapprovedOrRejectedGetsNothing(t *testing.T) {
	h := servertest.Start(t, servertest.Options{})
	admin := h.Login("admin")
	a := ask(t, h, "tv-hall", "display", "AB12")
	id := a.ID

	for _, tc := range []struct {
		name string
		path string
		want int
	}{
		{"no secret", "/api/v1/enrol/" + id, http.StatusUnauthorized},
		{"wrong secret", "/api/v1/enrol/" + id + "?secret=guess", http.StatusForbidden},
		{"unknown id", "/api/v1/enrol/NOSUCHID?secret=" + a.Secret, http.StatusNotFound},
		{"pending", a.Poll, http.StatusAccepted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := h.Raw("GET", tc.path, "", nil)
			if code != tc.want || strings.Contains(string(body), `"token"`) {
				t.Errorf("got %d %s, want %d and no token", code, body, tc.want)
			}
		})
	}
	// A wrong secret consumed nothing: after approval it still gets nothing.
	if code, body := h.Raw("POST", "/api/v1/enrolments/"+id+"/reject", admin, nil); code != 200 {
		t.Fatalf("reject: got %d %s", code, body)
	}
	if code, body := h.Raw("POST", "/api/v1/enrolments/"+id+"/approve", admin, nil); code != http.StatusConflict {
		t.Errorf("approve after reject: got %d %s, want 409", code, body)
	}
	code, body := h.Raw("GET", a.Poll, "", nil)
	if code != http.StatusForbidden || !strings.Contains(string(body), `"rejected"`) || strings.Contains(string(body), `"token"`) {
		t.Errorf("poll after reject: got %d %s, want 403 reason rejected, no token", code, body)
	}
	if code, _ := h.Raw("GET", a.Poll, "", nil); code != http.StatusNotFound {
		t.Errorf("poll again after reject: got %d, want 404 (consumed)", code)
	}
	var devs struct{ Devices []hallq.Device }
	h.Do("GET", "/api/v1/devices", admin, nil, &devs)
	for _, d := range devs.Devices {
		if d.Name == "tv-hall" {
			t.Errorf("a rejected request became a device: %+v", d)
		}
	}
	// Nobody but an admin decides.
	b := ask(t, h, "tv-2", "display", "CD34")
	for _, who := range []string{h.Login("quanly"), servertest.KioskToken, ""} {
		if code, _ := h.Raw("POST", "/api/v1/enrolments/"+b.ID+"/approve", who, nil); code != http.StatusForbidden && code != http.StatusUnauthorized {
			t.Errorf("non-admin approves: got %d, want 401 or 403", code)
		}
	}
	if code, _ := h.Raw("GET", b.Poll, "", nil); code != http.StatusAccepted {
		t.Errorf("poll after refused approvals: got %d, want 202 still pending", code)
	}
}

func TestEnrolPadNeedsItsCounter(t *testing.T) {
	h := servertest.Start(t, servertest.Options{})
	admin := h.Login("admin")
	a := ask(t, h, "pad-q3", "pad", "P3P3")
	for _, tc := range []struct {
		name, body string
		want       int
	}{
		{"no counter", ``, http.StatusBadRequest},
		{"unknown counter", `{"counter":99}`, http.StatusNotFound},
		{"unknown field", `{"counter":3,"colour":"red"}`, http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if code, body := h.Raw("POST", "/api/v1/enrolments/"+a.ID+"/approve", admin, tc.body); code != tc.want {
				t.Errorf("got %d %s, want %d", code, body, tc.want)
			}
		})
	}
	var e hallq.Enrolment
	if code := h.Do("POST", "/api/v1/enrolments/"+a.ID+"/approve", admin, `{"counter":3}`, &e); code != 200 || e.Counter != 3 {
		t.Fatalf("approve with counter 3: got %d %+v", code, e)
	}
	var p hallq.EnrolAnswer
	if code := h.Do("GET", a.Poll, "", nil, &p); code != 200 || p.Device == nil || p.Device.Counter != 3 {
		t.Fatalf("collect: got %d %+v", code, p)
	}
	// The pad acts at counter 3 only.
	if code, body := h.Raw("POST", "/api/v1/ratings", p.Token, `{"counter":4,"score":3,"device_seq":1,"age_ms":0}`); code != http.StatusForbidden {
		t.Errorf("pad-q3 rates counter 4: got %d %s, want 403", code, body)
	}
	if code, body := h.Raw("POST", "/api/v1/ratings", p.Token, `{"counter":3,"score":3,"device_seq":1,"age_ms":0}`); code != http.StatusCreated {
		t.Errorf("pad-q3 rates counter 3: got %d %s, want 201", code, body)
	}
	// A kiosk cannot be given a counter.
	k := ask(t, h, "kiosk-2", "kiosk", "KK22")
	if code, body := h.Raw("POST", "/api/v1/enrolments/"+k.ID+"/approve", admin, `{"counter":3}`); code != http.StatusBadRequest {
		t.Errorf("kiosk approved with a counter: got %d %s, want 400", code, body)
	}
}

func TestEnrolNameTaken(t *testing.T) {
	h := servertest.Start(t, servertest.Options{})
	admin := h.Login("admin")
	// demo-kiosk-1's device is named in the demo; take its name.
	var devs struct{ Devices []hallq.Device }
	h.Do("GET", "/api/v1/devices", admin, nil, &devs)
	var kioskName string
	for _, d := range devs.Devices {
		if d.Kind == hallq.DeviceKiosk && d.RevokedAt == nil {
			kioskName = d.Name
		}
	}
	if kioskName == "" {
		t.Fatal("the demo has no kiosk")
	}
	a := ask(t, h, kioskName, "kiosk", "DUP1")
	if code, body := h.Raw("POST", "/api/v1/enrolments/"+a.ID+"/approve", admin, nil); code != http.StatusConflict || !strings.Contains(string(body), "name_taken") {
		t.Errorf("approve a taken name: got %d %s, want 409 name_taken", code, body)
	}
}

func TestEnrolValidatesAndRateLimits(t *testing.T) {
	h := servertest.Start(t, servertest.Options{})
	for _, tc := range []struct {
		name, body string
	}{
		{"bad name", `{"name":"kiosk 1; rm -rf","kind":"kiosk","code":"AB12"}`},
		{"bad kind", `{"name":"k1","kind":"printer","code":"AB12"}`},
		{"short code", `{"name":"k1","kind":"kiosk","code":"A1"}`},
		{"unknown field", `{"name":"k1","kind":"kiosk","code":"AB12","token":"x"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if code, body := h.Raw("POST", "/api/v1/enrol", "", tc.body); code != http.StatusBadRequest {
				t.Errorf("got %d %s, want 400", code, body)
			}
		})
	}
	// Four requests above were counted; one more fills the burst of five.
	ok := `{"name":"k1","kind":"kiosk","code":"AB12"}`
	if code, body := h.Raw("POST", "/api/v1/enrol", "", ok); code != http.StatusAccepted {
		t.Fatalf("fifth request: got %d %s, want 202", code, body)
	}
	req, _ := http.NewRequest("POST", h.URL+"/api/v1/enrol", strings.NewReader(ok))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Error struct{ Code, Reason, Message string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusTooManyRequests || body.Error.Reason != "rate_limited" || body.Error.Message == "" || resp.Header.Get("Retry-After") == "" {
		t.Errorf("sixth request: got %d %+v Retry-After %q, want 429 rate_limited with Retry-After", resp.StatusCode, body, resp.Header.Get("Retry-After"))
	}
}

// Polls that race after approval: exactly one gets the token.
func TestEnrolTokenGivenExactlyOnce(t *testing.T) {
	h := servertest.Start(t, servertest.Options{})
	a := ask(t, h, "tv-race", "display", "RACE")
	if code, body := h.Raw("POST", "/api/v1/enrolments/"+a.ID+"/approve", h.Login("admin"), nil); code != 200 {
		t.Fatalf("approve: %d %s", code, body)
	}
	const polls = 8
	codes := make(chan int, polls)
	var wg sync.WaitGroup
	for range polls {
		wg.Go(func() {
			resp, err := http.Get(h.URL + a.Poll)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			codes <- resp.StatusCode
		})
	}
	wg.Wait()
	close(codes)
	got := map[int]int{}
	for c := range codes {
		got[c]++
	}
	if got[200] != 1 || got[404] != polls-1 {
		t.Errorf("statuses %v, want one 200 and %d 404", got, polls-1)
	}
}

// A request whose device stops polling expires within minutes; an
// answer waits a day for a device that was off when the admin decided.
func TestEnrolExpires(t *testing.T) {
	var offset atomic.Int64
	h := servertest.Start(t, servertest.Options{Now: func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }})
	a := ask(t, h, "kiosk-late", "kiosk", "LATE")
	offset.Store(int64(11 * time.Minute))
	if code, body := h.Raw("GET", a.Poll, "", nil); code != http.StatusNotFound {
		t.Errorf("poll 11 minutes later: got %d %s, want 404", code, body)
	}
	if code, body := h.Raw("POST", "/api/v1/enrolments/"+a.ID+"/approve", h.Login("admin"), nil); code != http.StatusNotFound {
		t.Errorf("approve 11 minutes later: got %d %s, want 404", code, body)
	}

	b := ask(t, h, "kiosk-off", "kiosk", "OFF1")
	if code, body := h.Raw("POST", "/api/v1/enrolments/"+b.ID+"/approve", h.Login("admin"), nil); code != http.StatusOK {
		t.Fatalf("approve: %d %s", code, body)
	}
	offset.Add(int64(23 * time.Hour))
	if code, body := h.Raw("GET", b.Poll, "", nil); code != http.StatusOK {
		t.Errorf("collect 23 hours after approval: got %d %s, want the token", code, body)
	}
}
