package queue

import (
	"testing"
	"time"

	"github.com/hallq/hallq"
)

// bookableA makes service A bookable in 30-minute slots with capacity 2,
// open 07:30–11:30 and 13:30–17:00 on weekdays, the hall closing at 16:30.
func bookableA(st *State) {
	for i := range st.Services {
		if st.Services[i].Code == "A" {
			b := hallq.DefaultBookingSettings()
			b.SlotMin, b.Capacity = 30, 2
			st.Services[i].Booking = &b
			st.Services[i].Hours = []hallq.OpeningHours{
				{Days: []time.Weekday{1, 2, 3, 4, 5}, Open: "07:30", Close: "11:30"},
				{Days: []time.Weekday{1, 2, 3, 4, 5}, Open: "13:30", Close: "17:00"},
			}
		}
	}
	st.Settings.ClosingTime = "16:30"
	st.Settings.Holidays = []string{"2026-03-04"}
}

func (h *hall) makeBooking(start time.Time, code string) (*hallq.Booking, error) {
	h.t.Helper()
	b, ch, err := h.e.Book(h.now, BookRequest{Service: "A", Start: start, Name: "An", Phone: "0905123456", Code: code, Secret: "s" + code}, Actor{})
	h.apply(ch)
	return b, err
}

// TestSlotsFollowOpeningHours: slots fill the service's opening hours that
// day, stop at the hall's closing time, skip what has begun, and none is
// offered on a holiday, a closed weekday or past days_ahead.
func TestSlotsFollowOpeningHours(t *testing.T) {
	h := newHallAt(t, monday(9, 10), bookableA)
	got, err := h.e.Slots(h.now, "A", "2026-03-02")
	if err != nil {
		t.Fatal(err)
	}
	var starts []string
	for _, s := range got.Slots {
		starts = append(starts, s.Start.Format("15:04"))
	}
	want := []string{"09:30", "10:00", "10:30", "11:00", "13:30", "14:00", "14:30", "15:00", "15:30", "16:00"}
	equal(t, "Monday's slots after 09:10", starts, want)
	for day, closed := range map[string]string{"2026-03-04": "holiday", "2026-03-01": "past", "2026-03-17": "too_far", "2026-03-08": "closed"} {
		got, err := h.e.Slots(h.now, "A", day)
		if err != nil || got.Closed != closed || len(got.Slots) != 0 {
			t.Errorf("%s: %+v %v, want closed %q", day, got, err, closed)
		}
	}
	for _, start := range []time.Time{monday(9, 0), monday(9, 45), monday(12, 0), monday(16, 30), local(2026, 3, 8, 9, 0)} {
		if _, err := h.makeBooking(start, "ZZZZZZ"); hallq.ErrorCode(err) != hallq.EINVALID {
			t.Errorf("booking %v: %v, want EINVALID", start, err)
		}
	}
	if _, err := h.e.Slots(h.now, "B", "2026-03-02"); hallq.ErrorCode(err) != hallq.EINVALID {
		t.Errorf("slots of an unbookable service: %v", err)
	}
}

// TestBookingCapacityAndMissed: a slot takes its capacity, a cancel frees a
// place, a booking whose window closes unchecked is missed, once.
func TestBookingCapacityAndMissed(t *testing.T) {
	h := newHallAt(t, monday(8, 0), bookableA)
	for _, code := range []string{"AAAAAA", "BBBBBB"} {
		if _, err := h.makeBooking(monday(10, 0), code); err != nil {
			t.Fatal(err)
		}
	}
	_, err := h.makeBooking(monday(10, 0), "CCCCCC")
	wantErr(t, err, hallq.ECONFLICT, "slot_full")
	_, err = h.makeBooking(monday(10, 30), "AAAAAA")
	wantErr(t, err, hallq.ECONFLICT, "code_taken")
	b, ch, err := h.e.CancelBooking(h.now, "AAAAAA", "sBBBBBB", Actor{})
	if hallq.ErrorCode(err) != hallq.EFORBIDDEN || ch != nil || b != nil {
		t.Errorf("cancel with another booking's secret: %v", err)
	}
	_, ch, err = h.e.CancelBooking(h.now, "AAAAAA", "sAAAAAA", Actor{})
	h.apply(ch)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.makeBooking(monday(10, 0), "CCCCCC"); err != nil {
		t.Errorf("after a cancel the slot takes one more: %v", err)
	}
	h.at(monday(10, 10))
	if ch := h.e.ExpireBookings(h.now); ch != nil {
		t.Errorf("at 10:10 the 10:00 window is still open: %+v", ch.Events)
	}
	h.at(monday(10, 10).Add(time.Millisecond))
	ch = h.apply(h.e.ExpireBookings(h.now))
	if ch == nil || len(ch.Events) != 2 || ch.Events[0].Type != hallq.EventBookingNoShow || ch.Events[0].Booking.Name != "" {
		t.Fatalf("missed bookings: %+v", ch)
	}
	if ch := h.e.ExpireBookings(h.now); ch != nil {
		t.Errorf("missed twice: %+v", ch.Events)
	}
	_, _, _, err = h.e.CheckIn(h.now, CheckInRequest{Code: "BBBBBB", Device: "kiosk", ID: "t1", Secret: "s1"})
	wantErr(t, err, hallq.ECONFLICT, "too_late")
}

// TestSuggestedCapacity: half of what the counters serving a service can
// serve in a slot at its recent mean service time.
func TestSuggestedCapacity(t *testing.T) {
	for _, tc := range []struct {
		counters, slot int
		serviceMin     float64
		want           int
	}{{4, 15, 5, 6}, {2, 15, 10, 1}, {1, 15, 20, 1}, {3, 30, 6, 7}, {0, 15, 5, 0}, {2, 15, 0, 1}} {
		if got := hallq.SuggestCapacity(tc.counters, tc.slot, tc.serviceMin); got != tc.want {
			t.Errorf("SuggestCapacity(%d, %d, %v) = %d, want %d", tc.counters, tc.slot, tc.serviceMin, got, tc.want)
		}
	}
}

// TestCheckInAfterAFailedPrint: a booked citizen whose ticket the kiosk
// could not print (cancelled print_failed) gets a new ticket by checking
// in again; a ticket cancelled for another reason is answered as it is.
func TestCheckInAfterAFailedPrint(t *testing.T) {
	h := newHallAt(t, monday(9, 50), bookableA)
	for _, code := range []string{"AAAAAA", "BBBBBB"} {
		if _, err := h.makeBooking(monday(10, 0), code); err != nil {
			t.Fatal(err)
		}
	}
	checkIn := func(code, id string) (*hallq.Ticket, bool) {
		t.Helper()
		tk, created, ch, err := h.e.CheckIn(h.now, CheckInRequest{Code: code, Device: "kiosk", ID: id, Secret: "s" + id})
		if err != nil {
			t.Fatalf("check in %s: %v", code, err)
		}
		h.apply(ch)
		return tk, created
	}
	first, _ := checkIn("AAAAAA", "t1")
	h.ticket(h.e.Cancel(h.now, first.ID, hallq.ReasonPrintFailed, Actor{}))
	again, created := checkIn("AAAAAA", "t2")
	if !created || again.ID == first.ID || again.State != hallq.StateWaiting || again.Booking != "AAAAAA" {
		t.Errorf("after a failed print: created %v, ticket %s (%s, booking %q), want a new waiting ticket for AAAAAA", created, again.ID, again.State, again.Booking)
	}
	if tk, created := checkIn("AAAAAA", "t3"); created || tk.ID != again.ID {
		t.Errorf("a retry after the new ticket: created %v, ticket %s, want %s again", created, tk.ID, again.ID)
	}

	other, _ := checkIn("BBBBBB", "t4")
	h.ticket(h.e.Cancel(h.now, other.ID, "citizen_left", Actor{}))
	if tk, created := checkIn("BBBBBB", "t5"); created || tk.ID != other.ID || tk.State != hallq.StateCancelled {
		t.Errorf("ticket cancelled by the citizen: created %v, ticket %s (%s), want %s answered as it is", created, tk.ID, tk.State, other.ID)
	}
}
