package kiosk_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/internal/eventually"
	"github.com/hallq/hallq/kiosk"
	"github.com/hallq/hallq/kiosk/sim"
	"github.com/hallq/hallq/printer/decode"
	"github.com/hallq/hallq/server/hall"
	"github.com/hallq/hallq/server/servertest"
)

// tomorrowAt is tomorrow at hh:mm in the demo hall's zone: the hall's
// simulated clock runs ahead of the real one, so that sign-in cookies made
// by it stay valid for the browser, and every slot the test books is
// ahead of it whatever the hour the test runs.
func tomorrowAt(hh, mm int) time.Time {
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		panic(err)
	}
	y, m, d := time.Now().In(loc).AddDate(0, 0, 1).Date()
	return time.Date(y, m, d, hh, mm, 0, 0, loc)
}

// book books a slot of service on the hall's public API, as /book does.
func book(t testing.TB, h *servertest.Hall, service string, start time.Time) *hallq.Booking {
	t.Helper()
	var b hallq.Booking
	req := hallq.BookingRequest{Service: service, Start: start, Name: "Nguyễn Thị Lan", Phone: "0905 123 456"}
	if code := h.Do("POST", "/api/v1/bookings", "", req, &b); code != 201 {
		t.Fatalf("book %s at %s: status %d", service, start.Format("15:04"), code)
	}
	return &b
}

// slips decodes everything the kiosk printed since the last call.
type paper struct {
	t    testing.TB
	r    *rig
	seen int
}

// next waits for the n-th cut and returns the text lines printed since the
// previous one.
func (p *paper) next(n int) string {
	p.t.Helper()
	if err := p.r.printer.WaitCuts(n, wait); err != nil {
		p.t.Fatal(err)
	}
	all := p.r.printer.Received()
	res, err := decode.Render(all[p.seen:], decode.Options{Fonts: testFonts(p.t)})
	if err != nil {
		p.t.Fatal(err)
	}
	p.seen = len(all)
	return strings.Join(res.Lines, "\n")
}

// TestScannerCheckIn: a button kiosk with a QR scanner on a serial port.
// A booking's code scanned in its check-in window prints its ticket with
// the booked time ("Appointment 10:00" under the Vietnamese line); the
// same code scanned again at once prints nothing more; a code scanned too
// early, cancelled, unknown, too late, or not a code at all prints a slip
// saying so, and issues no ticket.
func TestScannerCheckIn(t *testing.T) {
	t.Parallel()
	clock := hall.NewSimClock(tomorrowAt(9, 52), 1)
	h := servertest.Start(t, servertest.Options{Sim: clock})
	sc := &sim.Scanner{}
	toml := strings.Replace(kioskTOML, `state_dir = "{DIR}"`, "state_dir = \"{DIR}\"\nlanguage = \"vi+en\"", 1)
	r := newRig(t, rigOptions{url: h.URL, toml: toml, scanner: sc})
	p := &paper{t: t, r: r}
	eventually.True(t, wait, "the scanner open", func() bool { return r.k.State().Scanner == "ok" })
	scan := func(code string) {
		t.Helper()
		if err := sc.Scan(code); err != nil {
			t.Fatal(err)
		}
	}

	due := book(t, h, "A", tomorrowAt(10, 0))
	early := book(t, h, "C", tomorrowAt(11, 0))
	gone := book(t, h, "A", tomorrowAt(10, 15))
	late := book(t, h, "C", tomorrowAt(10, 0))
	if code := h.Do("POST", "/api/v1/bookings/"+gone.Code+"/cancel", "", hallq.BookingCancelRequest{Secret: secretOf(t, gone)}, nil); code != 200 {
		t.Fatalf("cancel %s: %d", gone.Code, code)
	}

	// In its window: the ticket, with its booked time.
	scan(strings.ToLower(due.Code)) // scanners send what the QR code holds; case does not matter
	text := p.next(1)
	ts := issued(t, h)
	if len(ts) != 1 || ts[0].Booking != due.Code || ts[0].Service != "A" {
		t.Fatalf("got tickets %+v, want one for booking %s", ts, due.Code)
	}
	for _, want := range []string{ts[0].Label, "Appointment 10:00"} {
		if !strings.Contains(text, want) {
			t.Errorf("the ticket lacks %q:\n%s", want, text)
		}
	}
	// The phone still in front of the scanner: nothing more.
	scan(due.Code)
	cuts := 1

	// A slip's text as read, its lines joined (a long sentence wraps).
	read := func() string { cuts++; return strings.Join(strings.Fields(p.next(cuts)), " ") }
	for _, c := range []struct {
		code string
		want []string
	}{
		{early.Code, []string{"TOO EARLY FOR YOUR BOOKING"}},
		// Cancelled: the booking's service is named, whose button gives
		// an ordinary number (the Vietnamese lines print as images).
		{gone.Code, []string{"BOOKING CANCELLED", "Press the Civil status button for an ordinary number"}},
		{"ZZZZ22", []string{"NO BOOKING WITH THIS CODE"}},
		{"https://example.org/not a code!", []string{"NOT A BOOKING CODE"}},
	} {
		scan(c.code)
		text := read()
		for _, want := range c.want {
			if !strings.Contains(text, want) {
				t.Errorf("%s: the slip reads %q, want %q", c.code, text, want)
			}
		}
	}
	// The hall's clock passes the end of the 10:00 slot's window.
	if _, err := clock.Set(tomorrowAt(10, 30), 1); err != nil {
		t.Fatal(err)
	}
	scan(late.Code)
	if text := read(); !strings.Contains(text, "YOUR BOOKED TIME HAS PASSED") || !strings.Contains(text, "Press the Land button for an ordinary number") {
		t.Errorf("too late: the slip reads %q, want it to say so and offer the button of its service (Land)", text)
	}
	if n := len(issued(t, h)); n != 1 {
		t.Errorf("got %d tickets, want only the one of the booking in its window", n)
	}
	if c := r.printer.Cuts(); c != cuts {
		t.Errorf("got %d cuts, want a ticket and five slips (the second scan of %s printed?)", c, due.Code)
	}
}

// secretOf is the secret in a booking's cancel link.
func secretOf(t testing.TB, b *hallq.Booking) string {
	t.Helper()
	_, k, ok := strings.Cut(b.CancelURL, "k=")
	if !ok {
		t.Fatalf("booking %s has no secret in its cancel link %q", b.Code, b.CancelURL)
	}
	k, _, _ = strings.Cut(k, "&")
	return k
}

// TestBookingCode: what a scanner or a keypad gives becomes the code, in
// any case, with spaces or dashes, or from the booking's link; anything
// else is not a code.
func TestBookingCode(t *testing.T) {
	for in, want := range map[string]string{
		"K7M2QX": "K7M2QX", " k7m2qx\t": "K7M2QX", "K7M-2QX": "K7M2QX", "k7m 2qx": "K7M2QX",
		"https://hall.example/book/K7M2QX?k=abc": "K7M2QX", "http://10.0.0.2:8080/x?code=k7m2qx": "K7M2QX",
		"": "", "K7M2Q": "", "K7M2QXX": "", "K0M2QX": "", "hello world": "", "https://hall.example/": "",
	} {
		got, ok := kiosk.BookingCode(in)
		if got != want || ok != (want != "") {
			t.Errorf("BookingCode(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}
