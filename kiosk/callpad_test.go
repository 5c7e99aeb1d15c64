package kiosk_test

import (
	"testing"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/internal/eventually"
	"github.com/hallq/hallq/server/servertest"
)

func TestCallPad(t *testing.T) {
	t.Parallel()
	h := servertest.Start(t, servertest.Options{})
	officer := h.Login("canbo1")
	if code := h.Do("POST", "/api/v1/counters/1/open", officer, nil, nil); code != 200 {
		t.Fatalf("open: status %d", code)
	}
	var tk hallq.Ticket
	if code := h.Do("POST", "/api/v1/tickets", servertest.KioskToken, map[string]string{"service": "A", "idempotency_key": "x"}, &tk); code != 201 {
		t.Fatalf("issue: status %d", code)
	}
	r := newRig(t, rigOptions{url: h.URL})
	state := func() hallq.TicketState { return ticket(t, h, tk.ID).State }

	r.press("pad1-next")
	eventually.True(t, wait, "the ticket called", func() bool { return state() == hallq.StateCalled })
	if got := ticket(t, h, tk.ID); got.Counter != 1 || got.Officer != "canbo1" {
		t.Errorf("got counter %d officer %q, want counter 1 for canbo1", got.Counter, got.Officer)
	}
	r.press("pad1-finish")
	eventually.True(t, wait, "the ticket finished", func() bool { return state() == hallq.StateDone })
	// The lamp blinks to acknowledge, then goes dark.
	eventually.True(t, wait, "pad 1's lamp dark", func() bool { return !r.board.Lit("pad1-led") })
	if st := r.k.State(); st.Pads[1] != "" {
		t.Errorf("got pad 1 refused %q, want fine", st.Pads[1])
	}

	// Counter 2 has no officer: the server refuses its pad, and the pad's lamp says so.
	r.press("pad2-next")
	eventually.True(t, wait, "pad 2 refused", func() bool { return r.k.State().Pads[2] == "no_officer" })
	if !r.board.Lit("pad2-led") {
		t.Error("got pad 2's lamp dark after a refusal, want lit")
	}
	for _, e := range events(t, h) {
		if e.Type == hallq.EventTicketCalled && e.Counter == 2 {
			t.Errorf("got a call at counter 2 without an officer: %+v", e)
		}
	}
}
