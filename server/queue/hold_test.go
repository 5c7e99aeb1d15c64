package queue

import (
	"testing"
	"time"

	"github.com/hallq/hallq"
)

// kioskReq is a request as a kiosk sends it: from device kiosk1, held for hold.
func (h *hall) kioskReq(service string, hold time.Duration) IssueRequest {
	r := h.req(service, "")
	r.Device, r.Hold = "kiosk1", hold
	return r
}

// A ticket held while its kiosk prints is not called by next, cannot be
// called by number, and is called once the kiosk confirms the print.
func TestHeldTicketWaitsForPrint(t *testing.T) {
	h := newHall(t)
	h.open(1, ann)
	held := h.ticket(h.e.Issue(h.now, h.kioskReq("A", 15*time.Second)))
	if held.HeldUntil == nil || !held.HeldUntil.Equal(h.now.Add(15*time.Second)) {
		t.Fatalf("held_until = %v, want issue time + 15 s", held.HeldUntil)
	}
	equal(t, "waiting ahead of the held ticket", held.WaitingAhead, 0)

	// The idle counter finds nobody to call.
	if got := h.next(1, ann); got != nil {
		t.Fatalf("next called %s while it was printing", got.Label)
	}
	_, ch, err := h.e.Call(h.now, 1, held.ID, ann)
	wantErr(t, err, hallq.ECONFLICT, "printing")
	if ch != nil {
		t.Fatal("a refused call returned a change")
	}
	// It counts as waiting for views: the citizen is in the queue.
	equal(t, "waiting in A", h.e.Hall(h.now).Services[0].Waiting, 1)

	// A later, unheld ticket is called first.
	other := h.issue("A", "")
	equal(t, "called while the first prints", h.next(1, ann).Label, other.Label)
	h.finish(1, ann)

	// Only its issuer may confirm.
	_, _, err = h.e.Printed(h.now, held.ID, Actor{Device: "kiosk2"})
	wantErr(t, err, hallq.EFORBIDDEN, "")
	_, _, err = h.e.Printed(h.now, held.ID, ann)
	wantErr(t, err, hallq.EFORBIDDEN, "")
	_, _, err = h.e.Printed(h.now, "nope", Actor{Device: "kiosk1"})
	wantErr(t, err, hallq.ENOTFOUND, "")

	h.advance(2 * time.Second)
	tk, ch, err := h.e.Printed(h.now, held.ID, Actor{Device: "kiosk1"})
	h.ticket(tk, ch, err)
	equal(t, "events", eventTypes(ch), []hallq.EventType{hallq.EventTicketPrinted})
	equal(t, "event actor", ch.Events[0].Actor, "device:kiosk1")
	if tk.HeldUntil != nil || ch.Tickets[0].HeldUntil != nil {
		t.Fatal("the confirmation left the hold in place")
	}
	// A retried confirmation changes nothing.
	_, ch, err = h.e.Printed(h.now, held.ID, Actor{Device: "kiosk1"})
	if err != nil || ch != nil {
		t.Fatalf("second confirmation: change %v, error %v; want neither", ch, err)
	}
	equal(t, "called after the print", h.next(1, ann).Label, held.Label)
}

// A hold that the kiosk never confirms lapses: the ticket may then be
// called (a kiosk that died mid-print may have printed it), and the call
// clears the hold. A restart keeps the hold.
func TestHoldLapses(t *testing.T) {
	h := newHall(t)
	h.open(1, ann)
	held := h.ticket(h.e.Issue(h.now, h.kioskReq("A", 10*time.Second)))
	h.restart()
	h.advance(9 * time.Second)
	if got := h.next(1, ann); got != nil {
		t.Fatalf("after a restart, next called %s while it was held", got.Label)
	}
	h.advance(time.Second)
	got := h.next(1, ann)
	if got == nil || got.ID != held.ID {
		t.Fatalf("next after the hold lapsed = %v, want %s", got, held.Label)
	}
	if got.HeldUntil != nil {
		t.Fatal("the call kept the lapsed hold")
	}
	// A late confirmation is answered and changes nothing.
	_, ch, err := h.e.Printed(h.now, held.ID, Actor{Device: "kiosk1"})
	if err != nil || ch != nil {
		t.Fatalf("late confirmation: change %v, error %v; want neither", ch, err)
	}
}

// The ghost-ticket case: the print fails and the kiosk cancels while an
// idle counter keeps asking for the next ticket; the counter never calls it.
func TestFailedPrintIsNeverCalled(t *testing.T) {
	h := newHall(t)
	h.open(1, ann)
	held := h.ticket(h.e.Issue(h.now, h.kioskReq("A", 15*time.Second)))
	for range 5 {
		h.advance(time.Second)
		if got := h.next(1, ann); got != nil {
			t.Fatalf("next called %s during its print", got.Label)
		}
	}
	tk := h.ticket(h.e.Cancel(h.now, held.ID, "print_failed", Actor{Device: "kiosk1"}))
	equal(t, "state", tk.State, hallq.StateCancelled)
	if tk.HeldUntil != nil {
		t.Error("a cancelled ticket kept its hold")
	}
	_, _, err := h.e.Printed(h.now, held.ID, Actor{Device: "kiosk1"})
	wantErr(t, err, hallq.ECONFLICT, "not_waiting")
	h.advance(time.Minute)
	if got := h.next(1, ann); got != nil {
		t.Fatalf("next called the cancelled %s", got.Label)
	}
}

func TestHoldBounds(t *testing.T) {
	h := newHall(t)
	for _, d := range []time.Duration{-time.Second, MaxHold + time.Second} {
		_, ch, err := h.e.Issue(h.now, h.kioskReq("A", d))
		wantErr(t, err, hallq.EINVALID, "")
		if ch != nil {
			t.Fatalf("hold %v: got a change", d)
		}
	}
	tk := h.ticket(h.e.Issue(h.now, h.kioskReq("A", MaxHold)))
	if tk.HeldUntil == nil {
		t.Fatal("the longest hold was not kept")
	}
}
