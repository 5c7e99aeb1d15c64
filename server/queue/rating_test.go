package queue

import (
	"testing"
	"time"

	"github.com/hallq/hallq"
)

// ratingHall: at counter 1, A001 called 09:00, started 09:01, finished 09:05;
// A002 called 09:05:30 and (when noShow) marked a no-show at 09:07.
func ratingHall(t *testing.T, noShow bool) (h *hall, a1, a2 *hallq.Ticket) {
	h = newHall(t)
	h.open(1, ann)
	a1 = h.issue("A", "")
	a2 = h.issue("A", "")
	h.next(1, ann)
	h.minutes(1)
	h.ticket(h.e.Start(h.now, 1, ann))
	h.minutes(4)
	h.finish(1, ann)
	h.advance(30 * time.Second)
	h.next(1, ann)
	if noShow {
		h.at(monday(9, 7))
		h.ticket(h.e.NoShow(h.now, 1, ann))
	}
	return h, a1, a2
}

func TestRatingAttachment(t *testing.T) {
	min := int64(time.Minute / time.Millisecond)
	tests := []struct {
		name           string
		noShow         bool
		at             time.Time
		ageMS          int64
		wantTicket     string // "t1", "t2" or ""
		wantUnattached string
	}{
		{"press while in service, delivered later", false, monday(9, 6), 2 * min, "t1", ""},
		{"press after finish, before the next call", false, monday(9, 6), 45 * 1000, "t1", ""},
		{"press at the next call", false, time.Date(2026, 3, 2, 9, 5, 30, 0, hcm), 0, "t2", ""},
		{"press now goes to the called ticket", false, monday(9, 6), 0, "t2", ""},
		{"press before any call", false, monday(9, 6), 10 * min, "", "no_ticket"},
		{"no-show is skipped: the one served before", true, monday(9, 8), 0, "t1", ""},
		{"no-show skipped, but finished too long ago", true, monday(9, 21), 0, "", "no_ticket"},
		{"exactly at the window's end", true, monday(9, 20), 0, "t1", ""},
		{"late delivery still within the window of the press", true, monday(10, 0), 50 * min, "t1", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, _, _ := ratingHall(t, tc.noShow)
			h.at(tc.at)
			r, ch, err := h.e.Rate(h.now, RateRequest{Counter: 1, Score: 3, Device: "pad1", DeviceSeq: 7, AgeMS: tc.ageMS})
			if err != nil {
				t.Fatal(err)
			}
			h.apply(ch)
			equal(t, "ticket", r.TicketID, tc.wantTicket)
			equal(t, "unattached", r.Unattached, tc.wantUnattached)
			equal(t, "pressed at", r.PressedAt, tc.at.Add(-time.Duration(tc.ageMS)*time.Millisecond))
			equal(t, "received at", r.At, tc.at)
			equal(t, "ratings row", len(ch.Ratings), 1)
			ev := ch.Events[0]
			equal(t, "event", []any{ev.Type, ev.Counter, ev.Actor, ev.Rating.Score}, []any{hallq.EventRatingRecorded, 1, "device:pad1", 3})
			if tc.wantTicket == "" {
				equal(t, "no ticket rows", len(ch.Tickets), 0)
				if ev.Ticket != nil {
					t.Errorf("event ticket: got %s, want none", ev.Ticket.ID)
				}
				return
			}
			equal(t, "officer", r.Officer, "ann")
			equal(t, "ticket row", []any{len(ch.Tickets), ch.Tickets[0].ID, ch.Tickets[0].Rating}, []any{1, tc.wantTicket, 3})
			equal(t, "event ticket", ev.Ticket.Rating, 3)
			tk, _ := h.e.Ticket(h.now, tc.wantTicket)
			equal(t, "ticket rating", tk.Rating, 3)
		})
	}
}

func TestRatingOncePerTicket(t *testing.T) {
	h, a1, _ := ratingHall(t, false)
	h.at(monday(9, 6))
	req := RateRequest{Counter: 1, Score: 3, Device: "pad1", DeviceSeq: 7, AgeMS: 120_000, AgeCapped: true}
	first, ch, err := h.e.Rate(h.now, req)
	h.apply(ch)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "attached", first.TicketID, a1.ID)
	equal(t, "age capped kept", first.AgeCapped, true)

	t.Run("duplicate", func(t *testing.T) {
		h.advance(time.Minute)
		again := req
		again.Score = 1 // a retry is the same press, whatever it now says
		r, ch, err := h.e.Rate(h.now, again)
		if err != nil || ch != nil {
			t.Fatalf("got change %v, error %v; want neither", ch, err)
		}
		equal(t, "the first rating", *r, *first)
	})
	t.Run("duplicate after a restart", func(t *testing.T) {
		h.restart()
		r, ch, err := h.e.Rate(h.now, req)
		if err != nil || ch != nil {
			t.Fatalf("got change %v, error %v; want neither", ch, err)
		}
		equal(t, "the first rating", r.TicketID, first.TicketID)
	})
	t.Run("already rated", func(t *testing.T) {
		second := req
		second.DeviceSeq, second.Score, second.AgeMS = 8, 1, 180_000
		r, ch, err := h.e.Rate(h.now, second)
		h.apply(ch)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "unattached", []any{r.TicketID, r.Unattached}, []any{"", "already_rated"})
		tk, _ := h.e.Ticket(h.now, a1.ID)
		equal(t, "first score stays", tk.Rating, 3)
	})
	t.Run("already rated after a restart", func(t *testing.T) {
		h.restart()
		r, ch, err := h.e.Rate(h.now, RateRequest{Counter: 1, Score: 2, Device: "pad1", DeviceSeq: 9, AgeMS: 180_000})
		h.apply(ch)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "unattached", r.Unattached, "already_rated")
	})
}

func TestRatingIgnoresRecall(t *testing.T) {
	// A press made before a recall still belongs to the recalled ticket.
	h, _, a2 := ratingHall(t, false)
	h.at(monday(9, 8))
	h.ticket(h.e.Recall(h.now, 1, ann))
	h.at(monday(9, 9))
	r, ch, err := h.e.Rate(h.now, RateRequest{Counter: 1, Score: 2, Device: "pad1", DeviceSeq: 1, AgeMS: 2 * 60_000})
	h.apply(ch)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "ticket", r.TicketID, a2.ID)
}

func TestRatingRequeuedTicketElsewhere(t *testing.T) {
	// t1 is called at counter 1 at 09:00, a no-show, requeued and called
	// at counter 2 at 09:05. A late press at counter 2 made at 09:04:30
	// belongs to t2, served there since 08:59, although t1's first call
	// (09:00) is later than t2's.
	h := newHallAt(t, monday(8, 59))
	h.open(1, ann)
	h.open(2, bob)
	h.issue("A", "")
	h.issue("B", "")
	h.next(2, bob) // t2 (B first) at 08:59
	h.minutes(1)
	h.next(1, ann) // t1 at 09:00
	h.minutes(1)
	h.ticket(h.e.NoShow(h.now, 1, ann))
	h.ticket(h.e.Requeue(h.now, "t1", ann))
	h.minutes(3)
	h.finish(2, bob) // 09:04
	h.minutes(1)
	equal(t, "t1 called again", h.next(2, bob).ID, "t1") // 09:05
	h.minutes(1)
	r, ch, err := h.e.Rate(h.now, RateRequest{Counter: 2, Score: 3, Device: "pad2", DeviceSeq: 1, AgeMS: 90_000})
	h.apply(ch)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "ticket", []any{r.TicketID, r.Officer}, []any{"t2", "bob"})
}
