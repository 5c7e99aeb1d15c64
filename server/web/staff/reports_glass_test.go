package staff_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/internal/browsertest"
	"github.com/hallq/hallq/server/queue"
	"github.com/hallq/hallq/server/servertest"
)

// a4Area is the printable area of an A4 sheet with the monthly report's
// 15 mm margins, in CSS px (96 per inch): 180 × 267 mm.
var a4Area = browsertest.Viewport{Name: "A4 printed", W: 680, H: 1009}

// busyDay serves a few visits at counters 1 to 4 with a press each, and
// leaves a ticket waiting. A refused request fails the test at once: the
// pages checked afterwards would otherwise show a quieter day than meant.
func busyDay(t *testing.T, h *servertest.Hall) {
	t.Helper()
	do := func(method, path, token string, body any) {
		t.Helper()
		if code := h.Do(method, path, token, body, nil); code >= 300 {
			t.Fatalf("busy day: %s %s: %d", method, path, code)
		}
	}
	for _, s := range strings.Split("ABCDEABCDE", "") {
		do("POST", "/api/v1/tickets", servertest.KioskToken, map[string]any{"service": s})
	}
	for n := 1; n <= 4; n++ {
		tok := h.Login(fmt.Sprintf("canbo%d", n))
		do("POST", fmt.Sprintf("/api/v1/counters/%d/open", n), tok, nil)
		for _, a := range []string{"next", "start", "finish"} {
			do("POST", fmt.Sprintf("/api/v1/counters/%d/%s", n, a), tok, nil)
		}
		do("POST", "/api/v1/ratings", servertest.PadToken(n), map[string]any{"counter": n, "score": 3 - n%2, "device_seq": 1, "age_ms": 0})
	}
}

// testMonthlyOnA4: the monthly report of a month with visits and
// bookings as a manager meets it: on the office screen its tools and title
// are seen and no text is under 11 px; printed, the screen's header and
// tools are gone, every table (the bookings' too) fits the A4 sheet's
// width with each cell whole, the hall's name, the period, the bookings'
// total in Vietnamese and both signature lines are on the paper, and the
// PDF Chromium prints is one A4 page.
func testMonthlyOnA4(t *testing.T, b *browsertest.Browser) {
	h, day := bookingDay(t)
	// A service named as long as a hall may name it: its name wraps in its cell.
	var a hallq.Service
	h.Hall.View(func(e *queue.Engine, _ time.Time) { a = e.Services()[0] })
	a.NameVI = "Đất đai: đăng ký, cấp Giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở" // 80 characters at most
	if code := h.Do("PUT", "/api/v1/services/"+a.Code, h.Login("admin"), a, nil); code != 200 {
		t.Fatalf("renaming service %s: %d", a.Code, code)
	}
	busyDay(t, h)
	tab := b.Tab(t, browsertest.TabOptions{OwnCookies: true})
	signInAt(t, tab, h.URL, "quanly", "/manager/monthly?month="+day.Format("2006-01"))
	tab.Wait(t, `document.querySelectorAll("#monthly-table tbody tr").length >= 4 && document.querySelectorAll("#bookings tbody tr").length === 2`)
	for _, v := range browsertest.Desktops {
		tab.MustResize(t, v)
		tab.MustLayout(t, v, browsertest.Layout{MinFontPx: 11, FontScope: "#monthly", Seen: []string{"#print", "#monthly-csv", "#monthly h1"}})
	}

	if _, err := chromedp.Call(tab.Ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatal(err)
	}
	tab.MustResize(t, a4Area)
	tab.MustLayout(t, a4Area, browsertest.Layout{MinFontPx: 11, Seen: []string{"#place", "#monthly h1", "#period", ".signatures .role", ".signatures .date-line"},
		Whole: []string{"table.monthly th", "table.monthly td", ".signatures p"}})
	hidden, err := browsertest.Eval[[]string](tab, `["header.top", ".monthly-tools"].filter((s) => getComputedStyle(document.querySelector(s)).display !== "none")`)
	if err != nil || len(hidden) > 0 {
		t.Errorf("printed, still shown: %v (%v)", hidden, err)
	}
	// The bookings' total: the eight booked on /book and the two imported,
	// two of them cancelled (one by the citizen, one by staff), none due yet.
	foot, err := browsertest.Eval[[]string](tab, `[...document.querySelectorAll("#bookings tfoot td")].map((e) => e.textContent.trim())`)
	if err != nil || len(foot) < 6 || foot[0] != "10" || foot[1] != "0" || foot[3] != "2 (1 / 1)" || foot[4] != "8" || foot[5] != "2" {
		t.Errorf("printed bookings total: %q (%v), want 10 made, 0 checked in, 2 cancelled (1 / 1), 8 not yet due, 2 imported", foot, err)
	}
	wide, err := browsertest.Eval[[]string](tab, `[...document.querySelectorAll("table.monthly")].filter((t) => t.getBoundingClientRect().right > innerWidth + 0.5 || t.scrollWidth > t.clientWidth + 0.5).map((t) => t.id)`)
	if err != nil || len(wide) > 0 {
		t.Errorf("printed, tables wider than the A4 sheet: %v (%v)", wide, err)
	}
	text := textOf(t, tab, "#monthly")
	for _, want := range []string{strings.ToUpper(h.Hall.Settings().Name), "NGƯỜI LẬP BIỂU", "THỦ TRƯỞNG ĐƠN VỊ", "(Ký, ghi rõ họ tên, đóng dấu)",
		"01/" + day.Format("01/2006"), a.NameVI, "Lịch hẹn và khung giờ", "Lịch hẹn đã đặt", "Tỷ lệ sử dụng chỗ (%)"} {
		if !strings.Contains(text, want) {
			t.Errorf("the printed report lacks %q", want)
		}
	}
	css := true
	pdf, err := chromedp.Call(tab.Ctx, page.PrintToPDF, page.PrintToPDFParams{PreferCSSPageSize: &css})
	if err != nil {
		t.Fatal(err)
	}
	// A4 is 595.28 × 841.89 pt (Chromium writes it rounded either way).
	box := regexp.MustCompile(`/MediaBox\s*\[\s*0 0 (59[45]\.?\d*) (84[12]\.?\d*)\s*\]`)
	if !box.Match(pdf.Data) {
		t.Errorf("the printed PDF is not A4: %q", regexp.MustCompile(`/MediaBox\s*\[[^\]]*\]`).Find(pdf.Data))
	}
	if n := len(regexp.MustCompile(`/Type\s*/Page\b`).FindAll(pdf.Data, -1)); n != 1 {
		t.Errorf("a month of one busy day with bookings prints on %d A4 pages, want 1", n)
	}
}

// testDefinitionsFromDashboard: a manager who wonders what a column means
// clicks its header and lands on its definition, scrolled into view.
func testDefinitionsFromDashboard(t *testing.T, b *browsertest.Browser) {
	h := servertest.Start(t, servertest.Options{})
	busyDay(t, h)
	tab := b.Tab(t, browsertest.TabOptions{OwnCookies: true})
	signInAt(t, tab, h.URL, "quanly", "/manager")
	tab.Wait(t, `!!document.querySelector('#summary tr[data-key="A"]')`)
	v := browsertest.Desktops[0]
	tab.MustResize(t, v)
	tab.MustLayout(t, v, browsertest.Layout{Seen: []string{"#summary thead th a", "#csv", "#csv-legs", "#monthly-link"}})

	if err := chromedp.Do(tab.Ctx, chromedp.Click(`#summary thead a[href$="#presses"]`)); err != nil {
		t.Fatal(err)
	}
	tab.Wait(t, `location.pathname === "/manager/definitions" && location.hash === "#presses"`)
	if err := tab.Settle(); err != nil {
		t.Fatal(err)
	}
	tab.MustLayout(t, v, browsertest.Layout{MinFontPx: 12, Seen: []string{`#presses + h3`}})
}
