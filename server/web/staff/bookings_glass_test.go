package staff_test

import (
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/internal/browsertest"
	"github.com/hallq/hallq/server/queue"
	"github.com/hallq/hallq/server/servertest"
)

// bookingDay starts a demo hall at 07:00 on a Wednesday with no holiday,
// its clock fixed, and books A and C from 09:00 on that day: citizens with
// long names, one cancelled by the citizen and one by staff, two imported,
// and the day's offer recorded. It returns the hall and the day.
func bookingDay(t *testing.T) (*servertest.Hall, time.Time) {
	t.Helper()
	day := time.Date(2027, 4, 14, 0, 0, 0, 0, hallZone(t))
	clock := servertest.NewClock(day.Add(7 * time.Hour))
	h := servertest.Start(t, servertest.Options{Now: clock.Now})
	h.Server.SetBookingRate(1000, time.Millisecond)
	var codes []string
	for i := range 8 {
		svc := []string{"A", "C"}[i%2]
		req := hallq.BookingRequest{Service: svc, Start: day.Add(9*time.Hour + time.Duration(i/2)*15*time.Minute),
			Name: "Nguyễn Thị Phương Thảo Hoàng Ngọc Bích " + fmt.Sprint(i), Phone: fmt.Sprintf("09051234%02d", i)}
		var b hallq.Booking
		if code := h.Do("POST", "/api/v1/bookings", "", req, &b); code != 201 {
			t.Fatalf("book %d: %d", i, code)
		}
		codes = append(codes, b.Code)
		if i == 0 {
			u, _ := url.Parse(b.CancelURL)
			if code := h.Do("POST", "/api/v1/bookings/"+b.Code+"/cancel", "", hallq.BookingCancelRequest{Secret: u.Query().Get("k")}, nil); code != 200 {
				t.Fatalf("citizen cancels: %d", code)
			}
		}
	}
	if code := h.Do("POST", "/api/v1/bookings/"+codes[1]+"/cancel", h.Login("admin"), nil, nil); code != 200 {
		t.Fatalf("staff cancel: %d", code)
	}
	imports := []hallq.BookingImport{
		{ExternalID: "DVC-2027-000123456", Service: "A", Start: day.Add(10 * time.Hour), Name: "Trần Văn Nhập", Phone: "0906000001"},
		{ExternalID: "DVC-2027-000123457", Service: "C", Start: day.Add(10 * time.Hour), Name: "Lê Thị Nhập", Phone: "0906000002"},
	}
	if code := h.Do("POST", "/api/v1/bookings/import", h.Login("admin"), map[string]any{"bookings": imports}, nil); code != 200 {
		t.Fatalf("import: %d", code)
	}
	if err := h.Server.BookingChores(t.Context()); err != nil {
		t.Fatal(err)
	}
	return h, day
}

// testBookingsOnDashboard: a manager reading a day with bookings on the
// dashboard at 1366×768, in Vietnamese: the table of bookings and their
// slots is there with every header seen whole and linked to its
// definition, the total's counts as booked, its definition under it, and
// the chart of places used by hour of the slot.
func testBookingsOnDashboard(t *testing.T, b *browsertest.Browser) {
	h, day := bookingDay(t)
	tab := b.Tab(t, browsertest.TabOptions{OwnCookies: true})
	d := day.Format(time.DateOnly)
	signInAt(t, tab, h.URL, "quanly", "/manager?from="+d+"&to="+d+"&by=service")
	if err := tab.WaitFor(`document.querySelectorAll("#bookings tbody tr").length === 2`, time.Minute); err != nil {
		t.Fatal(err)
	}
	v := browsertest.Desktops[0] // 1366×768
	if err := tab.Resize(v); err != nil {
		t.Fatal(err)
	}
	if err := tab.Settle(); err != nil {
		t.Fatal(err)
	}
	if err := tab.WaitFor(`document.getElementById("bookings").getBoundingClientRect().width > 0`, time.Minute); err != nil {
		t.Fatal(err)
	}
	// Scrolled to the table, as the manager would.
	if _, err := browsertest.Eval[bool](tab, `(document.getElementById("bookings-card").scrollIntoView({block: "start"}), true)`); err != nil {
		t.Fatal(err)
	}
	if err := tab.Settle(); err != nil {
		t.Fatal(err)
	}
	tab.MustLayout(t, v, browsertest.Layout{MinFontPx: 12, FontScope: "#bookings-card",
		Seen:  []string{"#bookings thead th", "#bookings tfoot td"},
		Whole: []string{"#bookings th", "#bookings td", "#bookings-def"}})
	heads, err := browsertest.Eval[[]string](tab, `[...document.querySelectorAll("#bookings thead th")].map((e) => e.textContent.trim())`)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Lĩnh vực", "Lịch hẹn đã đặt", "Lịch hẹn đã xác nhận", "Lỡ hẹn", "Lịch hẹn đã huỷ", "Chưa đến giờ hẹn",
		"Lịch hẹn nhập từ nơi khác", "Chỗ mở đặt", "Chỗ đã đặt", "Tỷ lệ sử dụng chỗ (%)"}
	if fmt.Sprint(heads) != fmt.Sprint(want) {
		t.Errorf("the bookings table's headers: %q, want %q", heads, want)
	}
	links, _ := browsertest.Eval[int](tab, `[...document.querySelectorAll("#bookings thead th a")].filter((a) => a.hash === "#bookings" || a.hash === "#groupings").length`)
	if links != len(want) {
		t.Errorf("%d of the %d headers link to their definition", links, len(want))
	}
	// 10 bookings, 2 cancelled (1 by the citizen, 1 by staff), 2
	// imported, 8 not yet due at 07:00; 96 slots a day for A and for C.
	var places int
	h.Hall.View(func(e *queue.Engine, _ time.Time) { places = 96 * (e.SlotCapacity("A") + e.SlotCapacity("C")) })
	foot, _ := browsertest.Eval[[]string](tab, `[...document.querySelectorAll("#bookings tfoot td")].map((e) => e.textContent.trim())`)
	wantFoot := []string{"10", "0", "0", "2 (1 / 1)", "8", "2", fmt.Sprintf("%d (192)", places), "8",
		fmt.Sprintf("%.1f", float64(int(800.0/float64(places)*10+0.5))/10)}
	if fmt.Sprint(foot) != fmt.Sprint(wantFoot) {
		t.Errorf("the bookings table's total: %q, want %q", foot, wantFoot)
	}
	if ok, _ := browsertest.Eval[bool](tab, `!!document.querySelector("#chart-booked")`); !ok {
		t.Error("no chart of places used by hour of the slot (#chart-booked)")
	}
}

// testBookingsGlass: the staff page of bookings (/bookings) at an office
// screen (1366×768) and a phone (390×844): the filter controls seen whole
// at both, every column header seen whole at 1366 with no horizontal
// scroll; on the phone the table scrolls within its card and its headers
// are whole, not cut.
func testBookingsGlass(t *testing.T, b *browsertest.Browser) {
	h, day := bookingDay(t)
	tab := b.Tab(t, browsertest.TabOptions{OwnCookies: true})
	signInAt(t, tab, h.URL, "admin", "/bookings?day="+day.Format(time.DateOnly))
	if err := tab.WaitFor(`document.querySelectorAll("#bk-rows tr[data-booking]").length === 10`, time.Minute); err != nil {
		t.Fatal(err)
	}
	controls := []string{"#bk-day", "#bk-service", "#bk-status", "#bk-q", "#bk-show"}
	for _, v := range []browsertest.Viewport{browsertest.Desktops[0], {Name: "390x844", W: 390, H: 844, Mobile: true}} {
		resizeToTop(t, tab, v)
		l := browsertest.Layout{MinFontPx: 12, Seen: controls, Whole: append([]string{"#bookings thead th", "#bookings-form label"}, controls...)}
		if !v.Mobile {
			l.Seen = append(l.Seen, "#bookings thead th")
		}
		tab.MustLayout(t, v, l)
		wide, err := browsertest.Eval[[]string](tab, `[document.documentElement, ...document.querySelectorAll(".scroll")]
			.filter((e) => e.scrollWidth > e.clientWidth + 0.5).map((e) => e.id || e.className || e.tagName)`)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case !v.Mobile && len(wide) > 0:
			t.Errorf("%v: scrolls sideways: %v", v, wide)
		case v.Mobile && len(wide) > 0 && wide[0] == "HTML":
			t.Errorf("%v: the whole page scrolls sideways, not only the table: %v", v, wide)
		}
	}
}
