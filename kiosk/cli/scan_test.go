package cli

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/server/hall"
	"github.com/hallq/hallq/server/servertest"
)

// TestSimScansBookings: with -sim the kiosk has a QR scanner that reads a
// booking's code from POST /scan/CODE and from "#CODE" typed in its
// terminal; each prints the booking's ticket.
func TestSimScansBookings(t *testing.T) {
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	y, m, d := time.Now().In(loc).AddDate(0, 0, 1).Date()
	at := func(hh, mm int) time.Time { return time.Date(y, m, d, hh, mm, 0, 0, loc) }
	// The hall's clock at 09:52 tomorrow: the 10:00 slot's check-in is open.
	h := servertest.Start(t, servertest.Options{Sim: hall.NewSimClock(at(9, 52), 1)})
	var codes []string
	for range 2 {
		var b hallq.Booking
		req := hallq.BookingRequest{Service: "A", Start: at(10, 0), Name: "Lê Văn Minh", Phone: "0912 345 678"}
		if code := h.Do("POST", "/api/v1/bookings", "", req, &b); code != 201 {
			t.Fatalf("book: %d", code)
		}
		codes = append(codes, b.Code)
	}

	keys, typed := io.Pipe()
	addr, dir, out := runSim(t, h, keys)
	saved := func(n int) { t.Helper(); waitTicket(t, dir, n, out) }

	resp, err := http.Post("http://"+addr+"/scan/"+codes[0], "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("scan: status %d", resp.StatusCode)
	}
	saved(1)
	if _, err := io.WriteString(typed, "#"+strings.ToLower(codes[1])+"\n"); err != nil {
		t.Fatal(err)
	}
	saved(2)

	var log struct {
		Events []hallq.Event `json:"events"`
	}
	h.Do("GET", "/api/v1/events?since=0&limit=1000", h.Login("quanly"), nil, &log)
	var booked []string
	for _, e := range log.Events {
		if e.Type == hallq.EventTicketIssued {
			booked = append(booked, e.Ticket.Booking)
		}
	}
	if strings.Join(booked, " ") != strings.Join(codes, " ") {
		t.Errorf("tickets issued for bookings %q, want %q", booked, codes)
	}
	if !strings.Contains(out.String(), "scanned "+strings.ToLower(codes[1])) {
		t.Errorf("the terminal does not say it scanned the typed code:\n%s", out.String())
	}
}
