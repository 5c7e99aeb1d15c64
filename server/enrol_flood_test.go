package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/hallclient"
	"github.com/hallq/hallq/server/servertest"
)

// machine is a client of h whose requests come from addr, a loopback
// address such as 127.0.0.12, as from another machine on the hall's LAN.
type machine struct {
	t    *testing.T
	addr string
	c    *hallclient.Client
}

func onMachine(t *testing.T, h *servertest.Hall, addr string) *machine {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(addr)}}
	c := hallclient.New(h.URL, 30*time.Second)
	c.HTTP = &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
	return &machine{t: t, addr: addr, c: c}
}

func (m *machine) do(method, path, token string, body any) (int, []byte) {
	var data []byte
	if body != nil {
		data, _ = json.Marshal(body)
	}
	a, err := m.c.Raw(context.Background(), method, path, token, data)
	if err != nil {
		m.t.Errorf("%s: %s %s: %v", m.addr, method, path, err)
		return 0, nil
	}
	return a.Status, a.Body
}

// ask sends an enrolment request; the answer is decoded when accepted.
func (m *machine) ask(name, code string) (int, hallq.EnrolAnswer, []byte) {
	status, body := m.do("POST", "/api/v1/enrol", "", hallq.EnrolRequest{Name: name, Kind: "kiosk", Code: code})
	var a hallq.EnrolAnswer
	if status == http.StatusAccepted {
		json.Unmarshal(body, &a)
	}
	return status, a, body
}

// pendingNow lists the requests waiting for the admin, by name.
func pendingNow(h *servertest.Hall, admin string) map[string]hallq.Enrolment {
	var list hallq.EnrolmentList
	h.Do("GET", "/api/v1/enrolments", admin, nil, &list)
	out := map[string]hallq.Enrolment{}
	for _, e := range list.Enrolments {
		if e.State == hallq.EnrolPending {
			out[e.Name] = e
		}
	}
	return out
}

// TestEnrolFlood: ten machines sending five requests each at once no
// longer fill every place — a real kiosk still gets one; one machine can
// hold only its share; requests nobody polls expire within minutes while
// a device that waits keeps its place; the admin sees which requests come
// from an address that already has a device, and rejects all pending at
// once (or all from one address).
func TestEnrolFlood(t *testing.T) {
	var offset atomic.Int64
	h := servertest.Start(t, servertest.Options{Now: func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }})
	admin := h.Login("admin")
	later := func(d time.Duration) { offset.Add(int64(d)) }

	var wg sync.WaitGroup
	for m := range 10 {
		on := onMachine(t, h, fmt.Sprintf("127.0.0.%d", 10+m))
		for i := range 5 {
			wg.Go(func() {
				if status, _, body := on.ask(fmt.Sprintf("flood-%d-%d", m, i), "FLOOD"); status != http.StatusAccepted {
					t.Errorf("flood from %s: %d %s", on.addr, status, body)
				}
			})
		}
	}
	wg.Wait()
	kiosk := onMachine(t, h, "127.0.0.2")
	status, real, body := kiosk.ask("kiosk-entrance", "REAL-1")
	if status != http.StatusAccepted {
		t.Fatalf("a real kiosk after the flood: got %d %s, want its place", status, body)
	}

	// One machine's share: once its rate limit lets it ask again, the
	// request over its share is refused, naming the address.
	flooder := onMachine(t, h, "127.0.0.10")
	refused := false
	for i := 5; i < 20 && !refused; i++ {
		later(13 * time.Second)
		status, _, body = flooder.ask(fmt.Sprintf("flood-0-%d", i), "FLOOD")
		var e struct{ Error hallq.Error }
		json.Unmarshal(body, &e)
		switch {
		case status == http.StatusAccepted:
		case status == http.StatusServiceUnavailable && e.Error.Reason == "address_pending":
			refused = true
			if n := countFrom(pendingNow(h, admin), flooder.addr); n != 8 {
				t.Errorf("refused with %d waiting from %s, want 8", n, flooder.addr)
			}
		default:
			t.Fatalf("request %d from %s: got %d %s", i, flooder.addr, status, body)
		}
	}
	if !refused {
		t.Errorf("one machine asked 20 times and was never refused for its share")
	}

	// A device already heard from 127.0.0.11 marks the requests from there.
	if status, body := onMachine(t, h, "127.0.0.11").do("POST", "/api/v1/devices/heartbeat", servertest.KioskToken, map[string]any{"ok": true}); status/100 != 2 {
		t.Fatalf("heartbeat: %d %s", status, body)
	}
	list := pendingNow(h, admin)
	if s := list["flood-1-0"].SameAddress; len(s) != 1 || s[0] != "kiosk-1" {
		t.Errorf("a request from 127.0.0.11: same_address %v, want [kiosk-1]", s)
	}
	if s := list["kiosk-entrance"].SameAddress; len(s) != 0 {
		t.Errorf("the real kiosk's request: same_address %v, want none", s)
	}

	// Eleven minutes on, with the real kiosk polling as it waits, only its
	// request is left.
	for range 4 {
		later(3 * time.Minute)
		if status, body := kiosk.do("GET", real.Poll, "", nil); status != http.StatusAccepted {
			t.Fatalf("the waiting kiosk polls: %d %s", status, body)
		}
	}
	if got := pendingNow(h, admin); len(got) != 1 || got["kiosk-entrance"].ID != real.ID {
		t.Errorf("after 12 minutes: %d pending (%v…), want only the kiosk that waits", len(got), got["flood-0-0"].ID)
	}

	// Reject all from one address, then all.
	on := onMachine(t, h, "127.0.0.20")
	for i := range 3 {
		on.ask(fmt.Sprintf("again-%d", i), "AGAIN")
	}
	var n struct{ Rejected int }
	if status := h.Do("POST", "/api/v1/enrolments/reject-pending", admin, map[string]string{"remote": on.addr}, &n); status != 200 || n.Rejected != 3 {
		t.Errorf("reject from %s: %d %+v, want 3", on.addr, status, n)
	}
	if got := pendingNow(h, admin); len(got) != 1 {
		t.Errorf("after rejecting %s: %d pending, want the kiosk's", on.addr, len(got))
	}
	if status := h.Do("POST", "/api/v1/enrolments/reject-pending", admin, nil, &n); status != 200 || n.Rejected != 1 {
		t.Errorf("reject all: %d %+v, want 1", status, n)
	}
	if status, body := kiosk.do("GET", real.Poll, "", nil); status != http.StatusForbidden {
		t.Errorf("the rejected kiosk polls: %d %s, want 403", status, body)
	}
	if status, body := h.Raw("POST", "/api/v1/enrolments/reject-pending", admin, `{"remote":"not an address"}`); status != http.StatusBadRequest {
		t.Errorf("reject from a malformed address: %d %s, want 400", status, body)
	}
}

func countFrom(list map[string]hallq.Enrolment, addr string) int {
	n := 0
	for _, e := range list {
		if e.Remote == addr {
			n++
		}
	}
	return n
}
