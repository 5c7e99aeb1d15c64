package server_test

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/server/servertest"
)

// TestClockSetBackAcrossRestart: tickets 1001–1003 issued, the server
// restarted with its clock 30 minutes behind, 1004 issued: 1004 is told
// three are ahead of it; after another restart the queue keeps the order
// of issue and the next call is 1001; /healthz says the clock is behind
// the latest event.
func TestClockSetBackAcrossRestart(t *testing.T) {
	var now atomic.Int64
	now.Store(time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC).UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()) }
	h := servertest.Start(t, servertest.Options{Now: clock})
	for range 3 {
		issue(t, h, "A")
		now.Add(int64(time.Minute))
	}
	now.Add(-int64(30 * time.Minute))
	h = h.Restart()
	late := issue(t, h, "A")
	if late.Label != "1004" || late.WaitingAhead != 3 {
		t.Errorf("after the clock went back: %s with waiting_ahead %d, want 1004 with 3", late.Label, late.WaitingAhead)
	}
	// And after one more restart, with every ticket's place read back
	// from the database.
	h = h.Restart()
	var out struct{ Tickets []hallq.Ticket }
	officer := h.Login("canbo1")
	h.Do("GET", "/api/v1/tickets?service=A", officer, nil, &out)
	var order []string
	for _, tk := range out.Tickets {
		order = append(order, tk.Label)
	}
	if strings.Join(order, " ") != "1001 1002 1003 1004" {
		t.Errorf("waiting list %v, want 1001 1002 1003 1004", order)
	}
	h.Do("POST", "/api/v1/counters/1/open", officer, nil, nil)
	var called hallq.Ticket
	h.Do("POST", "/api/v1/counters/1/next", officer, nil, &called)
	if called.Label != "1001" {
		t.Errorf("next called %s, want 1001", called.Label)
	}
	_, body := healthz(t, h)
	if c, _ := body["clock"].(string); !strings.HasPrefix(c, "behind") {
		t.Errorf("healthz clock %q, want it to say the clock is behind the last event", c)
	}
}
