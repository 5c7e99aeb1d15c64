package reports_test

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/report"
	"github.com/hallq/hallq/server/queue"
	"github.com/hallq/hallq/server/reports"
	"github.com/hallq/hallq/server/servertest"
)

// vn is the demo hall's zone.
var vn = func() *time.Location {
	l, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		panic(err)
	}
	return l
}()

// bookedCase is one booking of the test as the test itself keeps it: what
// it asked for and what it did to the booking, from which the test
// works out each count by docs/REPORTS.md's definitions, without package
// report.
type bookedCase struct {
	code, service string
	start         time.Time
	imported      bool
	fate          string // "checkin", "citizen", "staff" (cancelled by), or "" (left alone)
	secret        string
}

// day and hour of the slot, in the hall's zone.
func (b bookedCase) day() string  { return b.start.In(vn).Format(time.DateOnly) }
func (b bookedCase) hour() string { return fmt.Sprintf("%02d", b.start.In(vn).Hour()) }

// state is what the booking is at now: its fate, else missed once its
// check-in window (to 10 min after the slot's start) has closed, else not
// yet due.
func (b bookedCase) state(now time.Time) string {
	switch {
	case b.fate != "":
		return b.fate
	case now.After(b.start.Add(10 * time.Minute)):
		return "missed"
	}
	return "pending"
}

// wantCounts counts cases at now; offered gives each (service, day, hour)
// its slots and places as the test set the rules.
func wantCounts(cases []bookedCase, now time.Time, keep func(bookedCase) bool, slots, places int) report.BookingCounts {
	c := report.BookingCounts{Slots: slots, Capacity: places}
	for _, b := range cases {
		if !keep(b) {
			continue
		}
		c.Made++
		if b.imported {
			c.Imported++
		}
		switch b.state(now) {
		case "checkin":
			c.CheckedIn++
		case "missed":
			c.Missed++
		case "citizen":
			c.Cancelled++
			c.CancelledByCitizen++
		case "staff":
			c.Cancelled++
			c.CancelledByStaff++
		case "pending":
			c.Pending++
		}
	}
	c.Places = c.Made - c.Cancelled
	if c.CheckedIn+c.Missed > 0 {
		v := math.Round(100*float64(c.Missed)/float64(c.CheckedIn+c.Missed)*10) / 10
		c.MissedPct = &v
	}
	if c.Capacity > 0 {
		v := math.Round(100*float64(c.Places)/float64(c.Capacity)*10) / 10
		c.UtilisationPct = &v
	}
	return c
}

func sameCounts(t *testing.T, what string, got *report.BookingCounts, want report.BookingCounts) {
	t.Helper()
	if got == nil {
		if want.Made > 0 || want.Slots > 0 {
			t.Errorf("%s: no booking counts, want %+v", what, want)
		}
		return
	}
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}

// TestBookingCounts: two days of bookings on the demo hall (A and C take
// them, open all day in slots of 15 min) — booked on the hall's API,
// imported (two beyond a full slot), cancelled by citizens and by staff,
// checked in at the kiosk, missed, and some still ahead — with A's places
// per slot raised at noon on the first day. The summary by service, day,
// hour and service per day, the CSV files and the monthly CSV give the
// counts the test works out from what it did; the counts read the same
// twice and after a restart.
func TestBookingCounts(t *testing.T) {
	day1 := time.Date(2027, 4, 14, 0, 0, 0, 0, vn) // a Wednesday, no holiday
	day2 := day1.AddDate(0, 0, 1)
	clock := servertest.NewClock(day1.Add(7 * time.Hour))
	h := servertest.Start(t, servertest.Options{Now: clock.Now})
	h.Server.SetBookingRate(1000, time.Millisecond)
	admin := h.Login("admin")
	chores := func() {
		t.Helper()
		if err := h.Server.BookingChores(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	setPlaces := func(code string, places int) {
		t.Helper()
		var services []hallq.Service
		h.Hall.View(func(e *queue.Engine, _ time.Time) { services = e.Services() })
		for _, sv := range services {
			if sv.Code == code {
				sv.Booking = new(*sv.Booking)
				sv.Booking.Capacity = places
				if st := h.Do("PUT", "/api/v1/services/"+code, admin, sv, nil); st != http.StatusOK {
					t.Fatalf("put service %s: %d", code, st)
				}
				return
			}
		}
		t.Fatalf("no service %s", code)
	}
	setPlaces("A", 3)
	setPlaces("C", 2)
	chores() // day 1's offer

	rng := rand.New(rand.NewPCG(19, 3))
	var cases []bookedCase
	for i := range 48 {
		d := []time.Time{day1, day2}[rng.IntN(2)]
		svc := []string{"A", "C"}[rng.IntN(2)]
		start := d.Add(8*time.Hour + time.Duration(rng.IntN(16))*15*time.Minute) // 08:00–11:45
		var out hallq.Booking
		st := h.Do("POST", "/api/v1/bookings", "", hallq.BookingRequest{Service: svc, Start: start, Name: "Công dân " + strconv.Itoa(i),
			Phone: fmt.Sprintf("09051%05d", i)}, &out)
		if st == http.StatusConflict {
			continue // slot_full
		}
		if st != http.StatusCreated {
			t.Fatalf("book %d: %d", i, st)
		}
		u, _ := url.Parse(out.CancelURL)
		cases = append(cases, bookedCase{code: out.Code, service: svc, start: start, secret: u.Query().Get("k")})
	}
	// Imported: two into a slot already full (08:00 of A on day 1 holds
	// at most 3), one on day 2.
	var imported []hallq.BookingImport
	for i, s := range []struct {
		svc   string
		start time.Time
	}{{"A", day1.Add(8 * time.Hour)}, {"A", day1.Add(8 * time.Hour)}, {"C", day2.Add(9 * time.Hour)}} {
		imported = append(imported, hallq.BookingImport{ExternalID: fmt.Sprintf("DVC-%d", i), Service: s.svc, Start: s.start,
			Name: "Người nhập " + strconv.Itoa(i), Phone: fmt.Sprintf("09061%05d", i)})
	}
	var ans hallq.BookingImportAnswer
	if st := h.Do("POST", "/api/v1/bookings/import", admin, map[string]any{"bookings": imported}, &ans); st != http.StatusOK || ans.Created != 3 {
		t.Fatalf("import: %d %+v", st, ans)
	}
	for i, r := range ans.Results {
		cases = append(cases, bookedCase{code: r.Code, service: imported[i].Service, start: imported[i].Start, imported: true})
	}
	if len(cases) < 30 {
		t.Fatalf("only %d bookings made", len(cases))
	}
	// Fates: a fifth cancelled by the citizen, a tenth by staff, half
	// of the rest checked in, the others left to be missed or pending.
	manager := h.Login("quanly")
	for i := range cases {
		b := &cases[i]
		switch r := rng.IntN(10); {
		case r < 2 && b.secret != "":
			if st := h.Do("POST", "/api/v1/bookings/"+b.code+"/cancel", "", hallq.BookingCancelRequest{Secret: b.secret}, nil); st != http.StatusOK {
				t.Fatalf("citizen cancels %s: %d", b.code, st)
			}
			b.fate = "citizen"
		case r < 3:
			if st := h.Do("POST", "/api/v1/bookings/"+b.code+"/cancel", manager, nil, nil); st != http.StatusOK {
				t.Fatalf("staff cancel %s: %d", b.code, st)
			}
			b.fate = "staff"
		case r < 7:
			b.fate = "checkin"
		}
	}
	// Day 2's bookings after 10:00 are still ahead at 10:05, when the
	// counts are read.
	now := day2.Add(10*time.Hour + 5*time.Minute)
	for i := range cases {
		if b := &cases[i]; b.fate == "checkin" && b.start.After(day2.Add(10*time.Hour)) {
			b.fate = ""
		}
	}
	// Check-ins 5 min before their slots, in time order, the chores
	// running as the hall's clock goes; A's places go up to 4 at noon on
	// day 1 (after its last slot the test books).
	order := slices.Clone(cases)
	slices.SortStableFunc(order, func(a, b bookedCase) int { return a.start.Compare(b.start) })
	checkIns := func(from, to time.Time) {
		t.Helper()
		for _, b := range order {
			if b.fate != "checkin" || b.start.Before(from) || b.start.After(to) {
				continue
			}
			clock.Set(b.start.Add(-5 * time.Minute))
			chores()
			if st := h.Do("POST", "/api/v1/bookings/"+b.code+"/checkin", servertest.KioskToken, nil, nil); st != http.StatusCreated {
				t.Fatalf("check in %s at %s: %d", b.code, clock.Now().In(vn).Format("02/01 15:04"), st)
			}
		}
	}
	checkIns(day1, day1.Add(12*time.Hour))
	clock.Set(day1.Add(12 * time.Hour))
	setPlaces("A", 4)
	chores() // a new offer for day 1: A's last offer has 4 a slot
	checkIns(day2, now)
	clock.Set(now)
	chores()

	// Offered, as the test set the rules: 96 slots a day for A and C, A
	// with 4 places (day 1's last offer, and day 2's), C with 2.
	perSlot := map[string]int{"A": 4, "C": 2}
	const slotsPerDay, slotsPerHour = 96, 4
	all := func(bookedCase) bool { return true }
	wantTotal := wantCounts(cases, now, all, 2*2*slotsPerDay, 2*slotsPerDay*(perSlot["A"]+perSlot["C"]))

	// A session of the day before has expired: sign in again.
	signIn := func(h *servertest.Hall) string {
		t.Helper()
		s, err := h.Client.Login(t.Context(), "quanly", "demo-quanly")
		if err != nil {
			t.Fatal(err)
		}
		return s.Token
	}
	mgr := signIn(h)
	summary := func(h *servertest.Hall, q string) reports.SummaryResponse {
		t.Helper()
		var out reports.SummaryResponse
		if st := h.Do("GET", "/api/v1/reports/summary?from=2027-04-14&to=2027-04-15&"+q, mgr, nil, &out); st != http.StatusOK {
			t.Fatalf("summary %s: %d", q, st)
		}
		return out
	}
	check := func(h *servertest.Hall, when string) {
		bySvc := summary(h, "by=service")
		sameCounts(t, when+" total", bySvc.Total.Bookings, wantTotal)
		for _, svc := range []string{"A", "C"} {
			i := slices.IndexFunc(bySvc.Rows, func(r reports.SummaryRow) bool { return r.Key == svc })
			if i < 0 {
				t.Fatalf("%s: no row of service %s", when, svc)
			}
			sameCounts(t, when+" service "+svc, bySvc.Rows[i].Bookings,
				wantCounts(cases, now, func(b bookedCase) bool { return b.service == svc }, 2*slotsPerDay, 2*slotsPerDay*perSlot[svc]))
		}
		for _, r := range bySvc.Rows {
			if r.Key != "A" && r.Key != "C" && r.Bookings != nil {
				t.Errorf("%s: service %s takes no bookings, has %+v", when, r.Key, r.Bookings)
			}
		}
		byDay := summary(h, "by=day")
		for _, d := range []string{"2027-04-14", "2027-04-15"} {
			i := slices.IndexFunc(byDay.Rows, func(r reports.SummaryRow) bool { return r.Key == d })
			if i < 0 {
				t.Fatalf("%s: no row of day %s", when, d)
			}
			sameCounts(t, when+" day "+d, byDay.Rows[i].Bookings,
				wantCounts(cases, now, func(b bookedCase) bool { return b.day() == d }, 2*slotsPerDay, slotsPerDay*(perSlot["A"]+perSlot["C"])))
		}
		byHour := summary(h, "by=hour")
		for hr := range 24 {
			key := fmt.Sprintf("%02d", hr)
			i := slices.IndexFunc(byHour.Rows, func(r reports.SummaryRow) bool { return r.Key == key })
			if i < 0 {
				t.Fatalf("%s: no row of hour %s (every hour has slots)", when, key)
			}
			sameCounts(t, when+" hour "+key, byHour.Rows[i].Bookings,
				wantCounts(cases, now, func(b bookedCase) bool { return b.hour() == key }, 2*2*slotsPerHour, 2*slotsPerHour*(perSlot["A"]+perSlot["C"])))
		}
		perDay := summary(h, "by=service&per_day=1")
		for _, d := range []string{"2027-04-14", "2027-04-15"} {
			for _, svc := range []string{"A", "C"} {
				i := slices.IndexFunc(perDay.Rows, func(r reports.SummaryRow) bool { return r.Day == d && r.Key == svc })
				if i < 0 {
					t.Fatalf("%s: no row of %s on %s", when, svc, d)
				}
				sameCounts(t, when+" "+svc+" on "+d, perDay.Rows[i].Bookings,
					wantCounts(cases, now, func(b bookedCase) bool { return b.day() == d && b.service == svc }, slotsPerDay, slotsPerDay*perSlot[svc]))
			}
		}
		byCounter := summary(h, "by=counter")
		sameCounts(t, when+" total by counter", byCounter.Total.Bookings, wantTotal)
		for _, r := range byCounter.Rows {
			if r.Bookings != nil {
				t.Errorf("%s: counter %s has booking counts", when, r.Key)
			}
		}
	}
	t.Logf("%d bookings; total %+v", len(cases), wantTotal)
	check(h, "first reading")
	if wantTotal.Missed == 0 || wantTotal.Pending == 0 || wantTotal.CancelledByCitizen == 0 || wantTotal.CancelledByStaff == 0 ||
		wantTotal.CheckedIn == 0 || wantTotal.Places <= wantTotal.Capacity/100 {
		t.Errorf("the test's days lack a kind of booking: %+v", wantTotal)
	}
	first := summary(h, "by=service&per_day=1")
	check(h, "second reading")
	h = h.Restart()
	mgr = signIn(h)
	check(h, "after a restart")
	again := summary(h, "by=service&per_day=1")
	a, _ := json.Marshal(first.Rows)
	b, _ := json.Marshal(again.Rows)
	if string(a) != string(b) {
		t.Errorf("the summary changed across a restart:\n%s\n%s", a, b)
	}

	// The CSV files, as Excel opens them: the summary's total line and
	// the monthly report's service lines hold the same counts, as numbers.
	q := url.Values{"from": {"2027-04-14"}, "to": {"2027-04-15"}, "by": {"service"}, "format": {"csv"}, "lang": {"en"}}
	_, body := h.Raw("GET", "/api/v1/reports/summary?"+q.Encode(), mgr, nil)
	rows := spreadsheetRows(t, "summary", body)
	total := rows[len(rows)-1]
	for name, want := range map[string]int{"Bookings made": wantTotal.Made, "Bookings checked in": wantTotal.CheckedIn,
		"Bookings missed": wantTotal.Missed, "Bookings cancelled": wantTotal.Cancelled, "Cancelled by the citizen": wantTotal.CancelledByCitizen,
		"Cancelled by staff": wantTotal.CancelledByStaff, "Bookings not yet due": wantTotal.Pending, "Bookings imported": wantTotal.Imported,
		"Slots offered": wantTotal.Slots, "Places offered": wantTotal.Capacity, "Places booked": wantTotal.Places} {
		if got := total[column(t, rows[0], name)]; got != strconv.Itoa(want) {
			t.Errorf("summary file, total %q: %q, want %d", name, got, want)
		}
	}
	if got, want := total[column(t, rows[0], "Places used (%)")], strconv.FormatFloat(*wantTotal.UtilisationPct, 'f', 1, 64); got != want {
		t.Errorf("summary file, places used: %q, want %q", got, want)
	}
	_, body = h.Raw("GET", "/api/v1/reports/monthly?month=2027-04&format=csv&lang=vi", mgr, nil)
	rows = spreadsheetRows(t, "monthly", body)
	made, cancelled := column(t, rows[0], "Lịch hẹn đã đặt"), column(t, rows[0], "Lịch hẹn đã huỷ")
	for _, r := range rows[1:] {
		var want *report.BookingCounts
		switch {
		case r[1] == "Hộ tịch":
			w := wantCounts(cases, now, func(b bookedCase) bool { return b.service == "A" }, 0, 0)
			want = &w
		case r[1] == "Đất đai":
			w := wantCounts(cases, now, func(b bookedCase) bool { return b.service == "C" }, 0, 0)
			want = &w
		case r[0] == "Tổng cộng":
			want = &wantTotal
		}
		if want == nil {
			if r[made] != "" {
				t.Errorf("monthly file: %q has bookings %q", r[:2], r[made])
			}
			continue
		}
		if r[made] != strconv.Itoa(want.Made) || r[cancelled] != strconv.Itoa(want.Cancelled) {
			t.Errorf("monthly file %q: made %q cancelled %q, want %d and %d", r[:2], r[made], r[cancelled], want.Made, want.Cancelled)
		}
	}
}
