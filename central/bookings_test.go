package central_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/server/hall"
	"github.com/hallq/hallq/server/queue"
)

// TestBookingsShip: a hall's bookings — made, cancelled, checked in with
// their ticket, missed — ship to the central store with the rest of its
// log, event for event, and the copy holds no citizen's name or phone.
func TestBookingsShip(t *testing.T) {
	city := newCity(t)
	clk := &clock{t: day1} // 08:00 on a Monday
	h := city.startHall("hall-bookings", clk)

	book := func(start time.Time, code string) {
		t.Helper()
		_, secret := hall.NewTicketID()
		err := h.do(func(e *queue.Engine, now time.Time) (any, *queue.Change, error) {
			return res(e.Book(now, queue.BookRequest{Service: "A", Start: start, Name: "Nguyễn Văn An", Phone: "0905123456",
				Code: code, Secret: secret}, queue.Actor{}))
		})
		if err != nil {
			t.Fatalf("book %s: %v", code, err)
		}
	}
	book(day1.Add(30*time.Minute), "AAAAAA")
	book(day1.Add(45*time.Minute), "BBBBBB")
	book(day1.Add(60*time.Minute), "CCCCCC")
	if err := h.do(func(e *queue.Engine, now time.Time) (any, *queue.Change, error) {
		return res(e.CancelBooking(now, "BBBBBB", "", queue.Actor{User: "admin", Role: hallq.RoleAdmin}))
	}); err != nil {
		t.Fatal(err)
	}
	clk.Add(20 * time.Minute)
	id, secret := hall.NewTicketID()
	if err := h.do(func(e *queue.Engine, now time.Time) (any, *queue.Change, error) {
		t, _, ch, err := e.CheckIn(now, queue.CheckInRequest{Code: "AAAAAA", Device: "kiosk-1", ID: id, Secret: secret})
		return t, ch, err
	}); err != nil {
		t.Fatal(err)
	}
	clk.Add(2 * time.Hour) // CCCCCC's window is over
	if err := h.do(func(e *queue.Engine, now time.Time) (any, *queue.Change, error) {
		return nil, e.ExpireBookings(now), nil
	}); err != nil {
		t.Fatal(err)
	}
	h.waitShipped()

	he, ht, _ := hallRows(t, h.path)
	ce, ct, _ := centralRows(t, city.super, h.id)
	sameRows(t, "events", he, ce)
	sameRows(t, "tickets", ht, ct)
	types := map[string]int{}
	for _, ev := range ce {
		types[ev.Type]++
		if strings.Contains(ev.Body, "Nguyễn") || strings.Contains(ev.Body, "0905123456") {
			t.Errorf("central event %d (%s) holds personal data: %s", ev.Seq, ev.Type, ev.Body)
		}
	}
	want := map[string]int{"booking.made": 3, "booking.cancelled": 1, "booking.checked_in": 1, "booking.no_show": 1, "ticket.issued": 1}
	for typ, n := range want {
		if types[typ] != n {
			t.Errorf("central store: %d %s events, want %d (all: %v)", types[typ], typ, n, types)
		}
	}
	for _, ev := range ce {
		if ev.Type == "ticket.issued" {
			if !strings.Contains(ev.Body, `"booking":"AAAAAA"`) || !strings.Contains(ev.Body, `"slot_at":"2026-11-02T08:30:00+07:00"`) {
				t.Errorf("the checked-in ticket's event lacks its booking: %s", ev.Body)
			}
		}
	}
}
