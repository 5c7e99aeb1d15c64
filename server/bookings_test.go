package server_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/server/api"
	"github.com/hallq/hallq/server/hall"
	"github.com/hallq/hallq/server/servertest"
	"github.com/hallq/hallq/server/sqlite"
)

// vn is the demo hall's zone.
var vn = func() *time.Location {
	l, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		panic(err)
	}
	return l
}()

// at is a time on a Wednesday that is no holiday (the Friday after is); the demo hall is open all
// day and takes bookings for A and C.
func at(hh, mm int) time.Time { return time.Date(2027, 4, 14, hh, mm, 0, 0, vn) }

const portalToken = "test-portal-token"

func bookingHall(t *testing.T, now time.Time) (*servertest.Hall, *servertest.Clock) {
	t.Helper()
	clock := servertest.NewClock(now)
	h := servertest.Start(t, servertest.Options{Now: clock.Now, Setup: func(db *sqlite.DB) error {
		return db.AddDevice(t.Context(), hallq.Device{Name: "portal-tinh", Kind: hallq.DevicePortal}, api.HashToken(portalToken))
	}})
	return h, clock
}

func bookReq(service string, start time.Time, name, phone string) hallq.BookingRequest {
	return hallq.BookingRequest{Service: service, Start: start, Name: name, Phone: phone}
}

// wantError checks a refused request's status, reason and field, and
// clears body for the next.
func wantError(t *testing.T, what string, status, wantStatus int, body *hallq.ErrorBody, reason, field string) {
	t.Helper()
	defer func() { *body = hallq.ErrorBody{} }()
	if status != wantStatus || body.Error.Reason != reason || body.Error.Field != field {
		t.Errorf("%s: %d %+v, want %d reason %q field %q", what, status, body.Error, wantStatus, reason, field)
	}
}

// TestBookingConcurrentCapacity: 50 citizens book one slot of capacity 3
// at once: exactly 3 get it, 47 are told slot_full, the database holds 3.
func TestBookingConcurrentCapacity(t *testing.T) {
	h, _ := bookingHall(t, at(7, 0))
	h.Server.SetBookingRate(1000, time.Millisecond)
	admin := h.Login("admin")
	svc := hallq.Service{Code: "A", NameVI: "Hộ tịch", NameEN: "Civil status", RangeFrom: 1001, RangeTo: 1999, TargetWaitMin: 15,
		Booking: &hallq.BookingSettings{Enabled: true, SlotMin: 15, Capacity: 3, DaysAhead: 14, CheckInBeforeMin: 15, CheckInAfterMin: 10}}
	if code := h.Do("PUT", "/api/v1/services/A", admin, svc, nil); code != http.StatusOK {
		t.Fatalf("put service A: %d", code)
	}
	var slots hallq.SlotsAnswer
	if code := h.Do("GET", "/api/v1/bookings/slots?service=A&date=2027-04-14", "", nil, &slots); code != http.StatusOK || slots.Capacity != 3 {
		t.Fatalf("slots: %d capacity %d", code, slots.Capacity)
	}
	const n = 50
	var mu sync.Mutex
	statuses := map[int]int{}
	reasons := map[string]int{}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			var out struct {
				hallq.Booking
				Error hallq.ErrorDetail `json:"error"`
			}
			code := h.Do("POST", "/api/v1/bookings", "", bookReq("A", at(9, 0), "Công dân "+string(rune('A'+i%26)), "0905123456"), &out)
			mu.Lock()
			statuses[code]++
			reasons[out.Error.Reason]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if statuses[http.StatusCreated] != 3 || statuses[http.StatusConflict] != n-3 || reasons["slot_full"] != n-3 {
		t.Errorf("statuses %v reasons %v, want 3 × 201 and %d × 409 slot_full", statuses, reasons, n-3)
	}
	bs, err := h.Store.Bookings(t.Context(), sqlite.BookingFilter{Day: "2027-04-14", Service: "A"}, vn)
	if err != nil || len(bs) != 3 {
		t.Fatalf("stored bookings: %d, %v; want 3", len(bs), err)
	}
	slots = hallq.SlotsAnswer{}
	h.Do("GET", "/api/v1/bookings/slots?service=A&date=2027-04-14", "", nil, &slots)
	for _, s := range slots.Slots {
		if s.Start.Equal(at(9, 0)) && s.Free != 0 {
			t.Errorf("09:00 shows %d free, want 0", s.Free)
		}
	}
}

// TestBookingAndCancel: the slots, a booking's answer, what is refused
// with the field named, the status link and the cancel link.
func TestBookingAndCancel(t *testing.T) {
	h, _ := bookingHall(t, at(8, 7))
	h.Server.SetBookingRate(1000, time.Millisecond)
	var slots hallq.SlotsAnswer
	if code := h.Do("GET", "/api/v1/bookings/slots?service=A&date=2027-04-14", "", nil, &slots); code != http.StatusOK {
		t.Fatalf("slots: %d", code)
	}
	if len(slots.Slots) == 0 || !slots.Slots[0].Start.Equal(at(8, 15)) || slots.Slots[0].End.Sub(slots.Slots[0].Start) != 15*time.Minute {
		t.Fatalf("first slot after 08:07: %+v", slots.Slots[:min(1, len(slots.Slots))])
	}
	if _, off := slots.Slots[0].Start.Zone(); off != 7*3600 {
		t.Errorf("slots are not in the hall's zone: %v", slots.Slots[0].Start)
	}
	free := slots.Slots[0].Free
	if free < 1 || slots.Capacity != free {
		t.Fatalf("the first slot has %d free of %d", free, slots.Capacity)
	}

	var b hallq.Booking
	if code := h.Do("POST", "/api/v1/bookings", "", bookReq("A", at(8, 15), "Nguyễn Văn An", "+84 905 123 456"), &b); code != http.StatusCreated {
		t.Fatalf("book: %d", code)
	}
	if len(b.Code) != 6 || b.Service != "A" || !b.Start.Equal(at(8, 15)) || !b.End.Equal(at(8, 30)) || b.Status != hallq.BookingBooked ||
		b.Phone != "0905123456" || !strings.Contains(b.StatusURL, "/book/"+b.Code+"?k=") || !strings.HasPrefix(b.CancelURL, b.StatusURL) {
		t.Errorf("booking: %+v", b)
	}
	slots = hallq.SlotsAnswer{}
	h.Do("GET", "/api/v1/bookings/slots?service=A&date=2027-04-14", "", nil, &slots)
	if slots.Slots[0].Free != free-1 {
		t.Errorf("after one booking the slot has %d free, want %d", slots.Slots[0].Free, free-1)
	}

	for _, tc := range []struct {
		what   string
		req    hallq.BookingRequest
		status int
		reason string
		field  string
	}{
		{"bad phone", bookReq("A", at(9, 0), "An", "12345"), 400, "field", "phone"},
		{"foreign phone", bookReq("A", at(9, 0), "An", "+1 202 555 0100"), 400, "field", "phone"},
		{"empty name", bookReq("A", at(9, 0), "  ", "0905123456"), 400, "field", "name"},
		{"past slot", bookReq("A", at(8, 0), "An", "0905123456"), 400, "field", "start"},
		{"not a slot's start", bookReq("A", at(9, 5), "An", "0905123456"), 400, "field", "start"},
		{"holiday", bookReq("A", time.Date(2027, 4, 16, 9, 0, 0, 0, vn), "An", "0905123456"), 400, "field", "start"},
		{"too far ahead", bookReq("A", at(9, 0).AddDate(0, 0, 15), "An", "0905123456"), 400, "field", "start"},
		{"unbookable service", bookReq("B", at(9, 0), "An", "0905123456"), 400, "field", "service"},
		{"unknown service", bookReq("Z", at(9, 0), "An", "0905123456"), 400, "field", "service"},
		{"no start", hallq.BookingRequest{Service: "A", Name: "An", Phone: "0905123456"}, 400, "field", "start"},
	} {
		var eb hallq.ErrorBody
		code := h.Do("POST", "/api/v1/bookings", "", tc.req, &eb)
		wantError(t, tc.what, code, tc.status, &eb, tc.reason, tc.field)
	}
	var eb hallq.ErrorBody
	wantError(t, "slots of a bad date", h.Do("GET", "/api/v1/bookings/slots?service=A&date=10/03/2027", "", nil, &eb), 400, &eb, "field", "date")
	var closed hallq.SlotsAnswer
	h.Do("GET", "/api/v1/bookings/slots?service=A&date=2027-04-16", "", nil, &closed)
	if closed.Closed != "holiday" || len(closed.Slots) != 0 {
		t.Errorf("a holiday's slots: %+v", closed)
	}

	// The status link, for its holder only.
	k := b.StatusURL[strings.Index(b.StatusURL, "?k=")+3:]
	var got hallq.Booking
	if code := h.Do("GET", "/api/v1/bookings/"+b.Code+"?k="+k, "", nil, &got); code != http.StatusOK || got.Code != b.Code || got.Name != "Nguyễn Văn An" {
		t.Errorf("status with the secret: %d %+v", code, got)
	}
	if code := h.Do("GET", "/api/v1/bookings/"+b.Code+"?k=wrong", "", nil, nil); code != http.StatusForbidden {
		t.Errorf("status with a wrong secret: %d, want 403", code)
	}
	if code := h.Do("GET", "/api/v1/bookings/"+b.Code, "", nil, nil); code != http.StatusUnauthorized {
		t.Errorf("status without a secret: %d, want 401", code)
	}

	// Cancel: a wrong secret changes nothing; the right one frees the place.
	if code := h.Do("POST", "/api/v1/bookings/"+b.Code+"/cancel", "", hallq.BookingCancelRequest{Secret: "wrong"}, nil); code != http.StatusForbidden {
		t.Errorf("cancel with a wrong secret: %d, want 403", code)
	}
	if code := h.Do("POST", "/api/v1/bookings/"+b.Code+"/cancel", "", nil, nil); code != http.StatusUnauthorized {
		t.Errorf("cancel without a secret: %d, want 401", code)
	}
	for i := range 2 {
		var c hallq.Booking
		if code := h.Do("POST", "/api/v1/bookings/"+b.Code+"/cancel", "", hallq.BookingCancelRequest{Secret: k}, &c); code != http.StatusOK || c.Status != hallq.BookingCancelled {
			t.Errorf("cancel %d: %d %+v", i+1, code, c)
		}
	}
	slots = hallq.SlotsAnswer{}
	h.Do("GET", "/api/v1/bookings/slots?service=A&date=2027-04-14", "", nil, &slots)
	if slots.Slots[0].Free != free {
		t.Errorf("after the cancel the slot has %d free, want %d", slots.Slots[0].Free, free)
	}
	if code := h.Do("POST", "/api/v1/bookings/ZZZZZZ/cancel", h.Login("canbo1"), nil, nil); code != http.StatusNotFound {
		t.Errorf("staff cancel of an unknown code: %d, want 404", code)
	}
}

// TestBookingRateLimit: one address books a few, then waits.
func TestBookingRateLimit(t *testing.T) {
	h, _ := bookingHall(t, at(7, 0))
	h.Server.SetBookingRate(3, time.Hour)
	for i := range 4 {
		var eb hallq.ErrorBody
		code := h.Do("POST", "/api/v1/bookings", "", bookReq("C", at(10, 0), "Trần Thị Bình", "0912345678"), &eb)
		if i < 3 && code != http.StatusCreated {
			t.Errorf("booking %d: %d %+v", i+1, code, eb)
		}
		if i == 3 && (code != http.StatusTooManyRequests || eb.Error.Reason != "rate_limited") {
			t.Errorf("booking %d: %d %+v, want 429 rate_limited", i+1, code, eb)
		}
	}
}

// TestCheckInWindow: check-in opens 15 minutes before the slot and closes
// 10 minutes after its start, to the millisecond of the hall's clock; the
// ticket carries the booking; a retry gets the same ticket.
func TestCheckInWindow(t *testing.T) {
	h, clock := bookingHall(t, at(7, 0))
	book := func(start time.Time) hallq.Booking {
		t.Helper()
		var b hallq.Booking
		if code := h.Do("POST", "/api/v1/bookings", "", bookReq("A", start, "Lê Văn Cường", "0987654321"), &b); code != http.StatusCreated {
			t.Fatalf("book %v: %d", start, code)
		}
		return b
	}
	early, late, gone := book(at(8, 15)), book(at(8, 45)), book(at(8, 30))
	checkIn := func(code string, out any) int {
		t.Helper()
		return h.Do("POST", "/api/v1/bookings/"+code+"/checkin", servertest.KioskToken, nil, out)
	}
	var eb hallq.ErrorBody
	clock.Set(at(8, 0).Add(-time.Millisecond))
	wantError(t, "a millisecond before the window", checkIn(early.Code, &eb), http.StatusConflict, &eb, "too_early", "")

	clock.Set(at(8, 0))
	var tk hallq.Ticket
	if code := checkIn(strings.ToLower(early.Code), &tk); code != http.StatusCreated {
		t.Fatalf("check-in as the window opens: %d", code)
	}
	if tk.Booking != early.Code || tk.SlotAt == nil || !tk.SlotAt.Equal(at(8, 15)) || tk.Service != "A" || tk.State != hallq.StateWaiting ||
		tk.Device != "kiosk-1" || tk.StatusURL == "" {
		t.Errorf("checked-in ticket: %+v", tk)
	}
	var again hallq.Ticket
	if code := checkIn(early.Code, &again); code != http.StatusOK || again.ID != tk.ID || again.Label != tk.Label {
		t.Errorf("retry: %d %s, want 200 and ticket %s", code, again.Label, tk.Label)
	}
	var b hallq.Booking
	k := early.StatusURL[strings.Index(early.StatusURL, "?k=")+3:]
	h.Do("GET", "/api/v1/bookings/"+early.Code+"?k="+k, "", nil, &b)
	if b.Status != hallq.BookingCheckedIn || b.TicketID != tk.ID || b.Ticket == nil || b.Ticket.Label != tk.Label {
		t.Errorf("the booking after check-in: %+v", b)
	}
	if code := h.Do("POST", "/api/v1/bookings/"+early.Code+"/cancel", "", hallq.BookingCancelRequest{Secret: k}, &eb); code != http.StatusConflict || eb.Error.Reason != "checked_in" {
		t.Errorf("cancel after check-in: %d %+v", code, eb.Error)
	}

	gk := gone.CancelURL[strings.Index(gone.CancelURL, "?k=")+3 : strings.Index(gone.CancelURL, "&")]
	if code := h.Do("POST", "/api/v1/bookings/"+gone.Code+"/cancel", "", hallq.BookingCancelRequest{Secret: gk}, nil); code != http.StatusOK {
		t.Fatalf("cancel: %d", code)
	}
	wantError(t, "a cancelled booking", checkIn(gone.Code, &eb), http.StatusConflict, &eb, "cancelled", "")
	wantError(t, "an unknown code", checkIn("ZZZZZZ", &eb), http.StatusNotFound, &eb, "", "")
	wantError(t, "not a code", checkIn("12", &eb), http.StatusBadRequest, &eb, "field", "code")

	clock.Set(at(8, 55))
	var last hallq.Ticket
	if code := checkIn(late.Code, &last); code != http.StatusCreated || last.Booking != late.Code {
		t.Errorf("check-in as the window closes: %d %+v", code, last)
	}
	late2 := book(at(9, 0))
	clock.Set(at(9, 10).Add(time.Millisecond))
	wantError(t, "a millisecond after the window", checkIn(late2.Code, &eb), http.StatusConflict, &eb, "too_late", "")

	// Only kiosks and staff check in.
	if code := h.Do("POST", "/api/v1/bookings/"+late2.Code+"/checkin", servertest.DisplayToken, nil, nil); code != http.StatusForbidden {
		t.Errorf("a display checking in: %d, want 403", code)
	}
	// The missed booking becomes a no-show; its check-in stays too_late.
	if err := h.Server.BookingChores(t.Context()); err != nil {
		t.Fatal(err)
	}
	var missed hallq.BookingList
	h.Do("GET", "/api/v1/bookings?day=2027-04-14&status=no_show", h.Login("quanly"), nil, &missed)
	if len(missed.Bookings) != 1 || missed.Bookings[0].Code != late2.Code {
		t.Errorf("no-shows: %+v", missed.Bookings)
	}
	wantError(t, "a missed booking", checkIn(late2.Code, &eb), http.StatusConflict, &eb, "too_late", "")
}

// TestBookingImport: bookings from the portal, as JSON and as CSV;
// sending them twice changes nothing; a bad row changes nothing.
func TestBookingImport(t *testing.T) {
	h, _ := bookingHall(t, at(7, 0))
	rows := map[string]any{"bookings": []hallq.BookingImport{
		{ExternalID: "DVC-001", Service: "A", Start: at(9, 0), Name: "Phạm Thị Dung", Phone: "0901000001"},
		{ExternalID: "DVC-002", Service: "C", Start: at(9, 15), Name: "Hoàng Văn Em", Phone: "0901000002"},
	}}
	var first, second hallq.BookingImportAnswer
	if code := h.Do("POST", "/api/v1/bookings/import", portalToken, rows, &first); code != http.StatusOK || first.Created != 2 {
		t.Fatalf("first import: %d %+v", code, first)
	}
	if code := h.Do("POST", "/api/v1/bookings/import", portalToken, rows, &second); code != http.StatusOK || second.Created != 0 || second.Unchanged != 2 ||
		second.Results[0].Code != first.Results[0].Code {
		t.Fatalf("second import: %d %+v", code, second)
	}
	csvBody := "\ufeffexternal_id,service,start,name,phone\nDVC-002,C,2027-04-14 09:15,Hoàng Văn Em,0901000002\nDVC-003,A,2027-04-14 10:30,\"Đỗ Thị Giang\",0901000003\n"
	a, err := h.Client.RawAs(t.Context(), "POST", "/api/v1/bookings/import", h.Login("admin"), "text/csv", []byte(csvBody))
	if err != nil || a.Status != http.StatusOK || !strings.Contains(string(a.Body), `"created":1`) || !strings.Contains(string(a.Body), `"unchanged":1`) {
		t.Fatalf("CSV import: %v %d %s", err, a.Status, a.Body)
	}
	bad := map[string]any{"bookings": []hallq.BookingImport{
		{ExternalID: "DVC-004", Service: "A", Start: at(11, 0), Name: "Vũ Văn Hải", Phone: "0901000004"},
		{ExternalID: "DVC-005", Service: "A", Start: at(11, 0), Name: "Vũ Văn Hải", Phone: "nope"},
	}}
	var eb hallq.ErrorBody
	wantError(t, "a bad row", h.Do("POST", "/api/v1/bookings/import", portalToken, bad, &eb), 400, &eb, "field", "rows[1].phone")
	var list hallq.BookingList
	list = hallq.BookingList{}
	h.Do("GET", "/api/v1/bookings?day=2027-04-14", h.Login("admin"), nil, &list)
	if len(list.Bookings) != 3 {
		t.Errorf("after the imports the hall holds %d bookings, want 3", len(list.Bookings))
	}
	if code := h.Do("POST", "/api/v1/bookings/import", servertest.KioskToken, rows, nil); code != http.StatusForbidden {
		t.Errorf("a kiosk importing: %d, want 403", code)
	}
	if code := h.Do("GET", "/api/v1/bookings", portalToken, nil, nil); code != http.StatusForbidden {
		t.Errorf("a portal listing: %d, want 403", code)
	}
}

// TestBookingListAndErasure: staff find bookings by day, service, state and
// name; managers see phones masked; N days after its slot a booking's name
// and phone are erased and it is still counted.
func TestBookingListAndErasure(t *testing.T) {
	h, clock := bookingHall(t, at(7, 0))
	for i, s := range []struct {
		service string
		start   time.Time
		name    string
	}{{"A", at(9, 0), "Nguyễn Văn An"}, {"A", at(9, 15), "Trần Thị Bình"}, {"C", at(9, 0), "Lê Văn Cường"}} {
		if code := h.Do("POST", "/api/v1/bookings", "", bookReq(s.service, s.start, s.name, "090512345"+string(rune('0'+i))), nil); code != http.StatusCreated {
			t.Fatalf("book %d: %d", i, code)
		}
	}
	manager, admin := h.Login("quanly"), h.Login("admin")
	var list hallq.BookingList
	list = hallq.BookingList{}
	h.Do("GET", "/api/v1/bookings?day=2027-04-14&service=A", manager, nil, &list)
	if len(list.Bookings) != 2 || list.Bookings[0].Name != "Nguyễn Văn An" || list.Bookings[0].Phone != "090****450" {
		t.Errorf("manager's list of A: %+v", list.Bookings)
	}
	list = hallq.BookingList{}
	h.Do("GET", "/api/v1/bookings?q=bình", admin, nil, &list)
	if len(list.Bookings) != 1 || list.Bookings[0].Phone != "0905123451" {
		t.Errorf("admin's search for bình: %+v", list.Bookings)
	}
	var eb hallq.ErrorBody
	wantError(t, "a bad state", h.Do("GET", "/api/v1/bookings?status=late", manager, nil, &eb), 400, &eb, "field", "status")
	if code := h.Do("GET", "/api/v1/bookings", "", nil, nil); code != http.StatusUnauthorized {
		t.Errorf("anonymous list: %d, want 401", code)
	}

	// 30 days after the slots ended (the default), nothing yet; a day
	// later, the names and phones are gone and the bookings still there.
	clock.Set(at(9, 30).AddDate(0, 0, 30).Add(-time.Minute))
	if err := h.Server.BookingChores(t.Context()); err != nil {
		t.Fatal(err)
	}
	admin = signIn(t, h, "admin", "demo-admin") // the first session has expired
	list = hallq.BookingList{}
	h.Do("GET", "/api/v1/bookings?day=2027-04-14", admin, nil, &list)
	if len(list.Bookings) != 3 || list.Bookings[2].Name == "" {
		t.Fatalf("before the retention ends: %+v", list.Bookings)
	}
	clock.Set(at(9, 30).AddDate(0, 0, 31))
	if err := h.Server.BookingChores(t.Context()); err != nil {
		t.Fatal(err)
	}
	admin = signIn(t, h, "admin", "demo-admin")
	list = hallq.BookingList{}
	h.Do("GET", "/api/v1/bookings?day=2027-04-14", admin, nil, &list)
	if len(list.Bookings) != 3 {
		t.Fatalf("after erasure %d bookings, want 3 still counted", len(list.Bookings))
	}
	for _, b := range list.Bookings {
		if b.Name != "" || b.Phone != "" || !b.Erased || b.Status != hallq.BookingNoShow {
			t.Errorf("after erasure: %+v", b)
		}
	}
	raw, err := sql.Open("sqlite", h.DBPath)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var kept int
	if err := raw.QueryRowContext(t.Context(), `SELECT count(*) FROM bookings WHERE name <> '' OR phone <> ''`).Scan(&kept); err != nil || kept != 0 {
		t.Errorf("rows still holding a name or phone: %d, %v", kept, err)
	}
	// The log never held them.
	evs, err := h.Store.Events(t.Context(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ev := range evs {
		if ev.Booking != nil {
			n++
			if ev.Booking.Name != "" || ev.Booking.Phone != "" {
				t.Errorf("event %d (%s) holds personal data: %+v", ev.Seq, ev.Type, ev.Booking)
			}
		}
	}
	if n != 6 { // 3 made, 3 missed
		t.Errorf("%d booking events, want 6", n)
	}
}

// signIn opens a new session (servertest's Login keeps the first, which
// expires when a test moves the clock by days).
func signIn(t *testing.T, h *servertest.Hall, user, pw string) string {
	t.Helper()
	sess, err := h.Client.Login(t.Context(), user, pw)
	if err != nil {
		t.Fatal(err)
	}
	return sess.Token
}

// TestBookingEraseOnRequest: an admin erases a citizen's name and phone at
// their request; the booking stays, checked in or not, and nobody else may.
func TestBookingEraseOnRequest(t *testing.T) {
	h, _ := bookingHall(t, at(7, 0))
	var b hallq.Booking
	if code := h.Do("POST", "/api/v1/bookings", "", bookReq("A", at(9, 0), "Nguyễn Văn An", "0905123456"), &b); code != http.StatusCreated {
		t.Fatalf("book: %d", code)
	}
	if code := h.Do("POST", "/api/v1/bookings/"+b.Code+"/erase", h.Login("quanly"), nil, nil); code != http.StatusForbidden {
		t.Errorf("a manager erasing: %d, want 403", code)
	}
	var erased hallq.Booking
	if code := h.Do("POST", "/api/v1/bookings/"+b.Code+"/erase", h.Login("admin"), nil, &erased); code != http.StatusOK ||
		erased.Name != "" || erased.Phone != "" || !erased.Erased || erased.Status != hallq.BookingBooked {
		t.Errorf("erase: %d %+v", code, erased)
	}
	k := b.StatusURL[strings.Index(b.StatusURL, "?k=")+3:]
	var got hallq.Booking
	h.Do("GET", "/api/v1/bookings/"+b.Code+"?k="+k, "", nil, &got)
	if got.Name != "" || got.Phone != "" || got.Code != b.Code {
		t.Errorf("the citizen's page after erasure: %+v", got)
	}
	h2 := h.Restart()
	var list hallq.BookingList
	h2.Do("GET", "/api/v1/bookings?q="+b.Code, h2.Login("admin"), nil, &list)
	if len(list.Bookings) != 1 || list.Bookings[0].Name != "" || !list.Bookings[0].Erased {
		t.Errorf("after a restart: %+v", list.Bookings)
	}
	if code := h2.Do("POST", "/api/v1/bookings/ZZZZZZ/erase", h2.Login("admin"), nil, nil); code != http.StatusNotFound {
		t.Errorf("erasing an unknown code: %d, want 404", code)
	}
}

// TestBookingChoresOnTheHallClock: the chores that mark missed bookings
// and erase personal data follow the hall's clock, not the machine's: in
// simulation mode, moving the clock past a booking's check-in window and
// then past the retention days is seen at once, without a real minute
// passing.
func TestBookingChoresOnTheHallClock(t *testing.T) {
	clock := hall.NewSimClock(at(7, 0), 1)
	h := servertest.Start(t, servertest.Options{Sim: clock})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); h.Server.RunBookingChores(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	var b hallq.Booking
	if code := h.Do("POST", "/api/v1/bookings", "", bookReq("A", at(9, 0), "Nguyễn Văn An", "0905123456"), &b); code != http.StatusCreated {
		t.Fatalf("book: %d", code)
	}
	setClock := func(to time.Time) string {
		t.Helper()
		admin := signIn(t, h, "admin", "demo-admin") // a jump of days ends a session
		if code := h.Do("POST", "/api/v1/sim/clock", admin, map[string]any{"at": to}, nil); code != http.StatusOK {
			t.Fatalf("set the clock to %v: %d", to, code)
		}
		return signIn(t, h, "admin", "demo-admin")
	}
	// waitFor polls the booking as an admin sees it until ok; the hall's
	// chores run within a second of real time after the clock moves
	// (on the machine's clock, they waited a real minute).
	waitFor := func(what string, admin string, ok func(hallq.Booking) bool) {
		t.Helper()
		var last hallq.Booking
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			var list hallq.BookingList
			h.Do("GET", "/api/v1/bookings?q="+b.Code, admin, nil, &list)
			if len(list.Bookings) == 1 {
				if last = *list.Bookings[0]; ok(last) {
					return
				}
			}
		}
		t.Fatalf("%s: the booking is %+v", what, last)
	}

	// Before the check-in window closes, nothing happens.
	admin := setClock(at(9, 5))
	waitFor("before the window closes", admin, func(x hallq.Booking) bool { return x.Status == hallq.BookingBooked && x.Name != "" })
	admin = setClock(at(9, 11))
	waitFor("the window closed", admin, func(x hallq.Booking) bool { return x.Status == hallq.BookingNoShow && x.Name != "" })
	// The demo keeps personal data 30 days after the slot.
	admin = setClock(at(9, 30).AddDate(0, 0, 31))
	waitFor("31 days later", admin, func(x hallq.Booking) bool {
		return x.Status == hallq.BookingNoShow && x.Erased && x.Name == "" && x.Phone == ""
	})
}

// TestMissedAtWindowEnd: a booking never checked in is missed once its
// check-in window has closed on the hall's clock — not at its last
// millisecond, from the one after — and one whose window closed while the
// hall was off is marked missed when it runs again, days later; the
// reports count it missed, the same before and after a restart.
func TestMissedAtWindowEnd(t *testing.T) {
	h, clock := bookingHall(t, at(7, 0))
	var early, late hallq.Booking
	if code := h.Do("POST", "/api/v1/bookings", "", bookReq("A", at(9, 0), "Nguyễn Văn An", "0905123456"), &early); code != http.StatusCreated {
		t.Fatalf("book: %d", code)
	}
	if code := h.Do("POST", "/api/v1/bookings", "", bookReq("C", at(11, 0), "Trần Thị Bình", "0905123457"), &late); code != http.StatusCreated {
		t.Fatalf("book: %d", code)
	}
	status := func(h *servertest.Hall, code string) hallq.BookingStatus {
		t.Helper()
		var b hallq.Booking
		if st := h.Do("GET", "/api/v1/bookings/"+code, signIn(t, h, "admin", "demo-admin"), nil, &b); st != http.StatusOK {
			t.Fatalf("booking %s: %d", code, st)
		}
		return b.Status
	}
	chores := func(h *servertest.Hall) {
		t.Helper()
		if err := h.Server.BookingChores(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	clock.Set(at(9, 10)) // the window's last moment (09:00 + 10 min)
	chores(h)
	if s := status(h, early.Code); s != hallq.BookingBooked {
		t.Fatalf("at the window's end: %s, want still booked", s)
	}
	clock.Set(at(9, 10).Add(time.Millisecond))
	chores(h)
	if s := status(h, early.Code); s != hallq.BookingNoShow {
		t.Fatalf("a millisecond after the window: %s, want no_show", s)
	}
	// The hall stops at 10:00 and starts again three days later — and
	// once more before its chores ran (it begins the new day at start, so
	// the second start knows only that day's bookings and the day
	// before's): the 11:00 booking's window closed while it was off.
	clock.Set(at(10, 0).AddDate(0, 0, 3))
	h = h.Restart()
	h = h.Restart()
	if s := status(h, late.Code); s != hallq.BookingBooked {
		t.Fatalf("after the restart, before the chores: %s", s)
	}
	chores(h)
	if s := status(h, late.Code); s != hallq.BookingNoShow {
		t.Errorf("a booking whose window closed while the hall was off: %s, want no_show", s)
	}
	counts := func(h *servertest.Hall, day string) string {
		t.Helper()
		var sum struct {
			Total struct {
				Bookings json.RawMessage `json:"bookings"`
			} `json:"total"`
		}
		if st := h.Do("GET", "/api/v1/reports/summary?from="+day+"&to="+day, signIn(t, h, "quanly", "demo-quanly"), nil, &sum); st != http.StatusOK {
			t.Fatalf("summary: %d", st)
		}
		return string(sum.Total.Bookings)
	}
	first := counts(h, "2027-04-14")
	var c struct {
		Made, Missed int
	}
	if err := json.Unmarshal([]byte(first), &c); err != nil || c.Made != 2 || c.Missed != 2 {
		t.Errorf("the day's counts: %s (%v), want 2 made, 2 missed", first, err)
	}
	h = h.Restart()
	if again := counts(h, "2027-04-14"); again != first {
		t.Errorf("the counts changed across a restart: %s, then %s", first, again)
	}
	// The dashboard shows its table of bookings for the day with them,
	// not for today, whose slots are offered and none booked.
	var today struct {
		Made         int
		SlotsOffered int `json:"slots_offered"`
	}
	if err := json.Unmarshal([]byte(counts(h, "2027-04-17")), &today); err != nil || today.Made != 0 || today.SlotsOffered == 0 {
		t.Errorf("today's counts: %+v (%v), want slots offered and none booked", today, err)
	}
	mgr := signIn(t, h, "quanly", "demo-quanly")
	for day, want := range map[string]bool{"2027-04-14": true, "2027-04-17": false} {
		code, page := h.Raw("GET", "/manager?from="+day+"&to="+day, mgr, nil)
		if got := strings.Contains(string(page), `id="bookings-card"`); code != http.StatusOK || got != want {
			t.Errorf("/manager on %s: %d, table of bookings shown %v, want %v", day, code, got, want)
		}
	}
}
