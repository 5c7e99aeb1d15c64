package display_test

import (
	"bytes"
	"fmt"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/internal/browsertest"
)

// bookLayout is what must be whole on the phone at each step of /book.
var bookLayout = browsertest.Layout{Whole: []string{".book", ".b-choice", "#b-privacy"}, MinFontPx: 12}

// testBookPage: /book on a phone, step by step, in Vietnamese: only the
// bookable procedures, the days ahead from the hall's today, the free
// times; a time that fills up meanwhile (slot_full) sends the citizen back
// to the times, now marked full; a wrong phone number is named; then the
// code, large, with a QR code that reads back as the code, and the links
// to follow and to cancel the booking. Each step is whole at 390×844 and
// 360×640.
func testBookPage(t *testing.T, newTab func() *browsertest.Tab) {
	// Each part has a tab of its own, and so the tab's whole deadline on
	// a busy machine.
	tab := newTab()
	h := startHall(t, nil)
	// The refusals the test provokes: the slot filled meanwhile (409) and
	// the wrong phone number (400).
	tab.Allow(" for " + h.URL + "/api/v1/bookings")
	if err := tab.Resize(browsertest.Phones[0]); err != nil {
		t.Fatal(err)
	}
	if err := tab.Navigate(h.URL + "/book"); err != nil {
		t.Fatal(err)
	}
	layout := bookLayout
	scroll := "" // an element the page has scrolled to, as it does on the phone it runs on
	look := func(seen ...string) {
		t.Helper()
		for _, v := range browsertest.Phones {
			if err := tab.Resize(v); err != nil {
				t.Fatal(err)
			}
			if scroll != "" {
				if _, err := browsertest.Eval[bool](tab, fmt.Sprintf(`(document.querySelector(%q).scrollIntoView({block: "end"}), true)`, scroll)); err != nil {
					t.Fatal(err)
				}
			}
			settle(t, tab)
			l := layout
			l.Seen = seen
			tab.MustLayout(t, v, l)
		}
	}
	click := func(sel string) {
		t.Helper()
		if err := chromedp.Do(tab.Ctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible)); err != nil {
			t.Fatalf("click %s: %v", sel, err)
		}
	}
	eval := func(js string) string {
		t.Helper()
		s, err := browsertest.Eval[string](tab, js)
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return s
	}

	// 1. The procedures that take bookings: the demo's Hộ tịch and Đất đai.
	tab.Wait(t, `document.querySelectorAll("#b-services .b-choice").length > 0`)
	if got := eval(`[...document.querySelectorAll("#b-services .b-choice")].map(b => b.dataset.service).join()`); got != "A,C" {
		t.Errorf("the page offers %q, want A,C", got)
	}
	look("#b-services .b-choice", ".b-head h1")

	// 2. The days: today (the hall's) and the days ahead.
	click(`#b-services .b-choice[data-service="C"]`)
	tab.Wait(t, `!document.getElementById("b-step-day").hidden`)
	loc, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	today := time.Now().In(loc)
	if got := eval(`document.querySelector("#b-days .b-choice").dataset.day`); got != today.Format(time.DateOnly) && got != today.Add(-time.Minute).Format(time.DateOnly) {
		t.Errorf("the first day is %s, want the hall's today %s", got, today.Format(time.DateOnly))
	}
	if n := eval(`String(document.querySelectorAll("#b-days .b-choice").length)`); n != "15" {
		t.Errorf("%s days offered, want today and 14 ahead", n)
	}
	look("#b-days .b-choice:nth-child(-n+6)", "#b-picked")

	// 3. The times of tomorrow.
	tomorrow := today.AddDate(0, 0, 1).Format(time.DateOnly)
	click(fmt.Sprintf(`#b-days .b-choice[data-day=%q]`, tomorrow))
	tab.Wait(t, `document.querySelectorAll("#b-slots .b-choice:not([disabled])").length > 1`)
	look("#b-slots .b-choice:nth-child(-n+6)", "#b-picked")
	first := eval(`document.querySelector("#b-slots .b-choice:not([disabled])").dataset.start`)
	second := eval(`document.querySelectorAll("#b-slots .b-choice:not([disabled])")[1].dataset.start`)

	// Someone else fills the first time while this citizen types.
	click(fmt.Sprintf(`#b-slots .b-choice[data-start=%q]`, first))
	tab.Wait(t, `!document.getElementById("b-step-you").hidden`)
	look("#b-name", "#b-phone", "#b-privacy", "#b-submit")
	if p := eval(`document.getElementById("b-privacy").textContent`); !strings.Contains(p, "13/2023/NĐ-CP") || !strings.Contains(p, "30 ngày") {
		t.Errorf("the personal-data notice reads %q", p)
	}
	start, err := time.Parse(time.RFC3339, first)
	if err != nil {
		t.Fatal(err)
	}
	for {
		var b hallq.Booking
		code := h.do("POST", "/api/v1/bookings", "", hallq.BookingRequest{Service: "C", Start: start, Name: "Trần Văn B", Phone: "0912345678"}, &b)
		if code == 409 {
			break
		}
		if code != 201 {
			t.Fatalf("filling %s: status %d", first, code)
		}
	}
	if err := chromedp.Do(tab.Ctx,
		chromedp.SendKeys(chromedp.ID("b-name"), "Nguyễn Thị Lan"),
		chromedp.SendKeys(chromedp.ID("b-phone"), "0905 123 456"),
	); err != nil {
		t.Fatal(err)
	}
	click("#b-submit")
	tab.Wait(t, `!document.getElementById("b-step-slot").hidden && !document.getElementById("b-slot-note").hidden`)
	if got := eval(`document.getElementById("b-slot-note").textContent`); got != "Giờ này vừa hết chỗ — mời chọn giờ khác." {
		t.Errorf("after slot_full the page says %q", got)
	}
	tab.Wait(t, fmt.Sprintf(`document.querySelector('#b-slots .b-choice[data-start=%q]').disabled`, first))

	// A phone number too short is named, and nothing is booked.
	click(fmt.Sprintf(`#b-slots .b-choice[data-start=%q]`, second))
	eval(`document.getElementById("b-phone").value = ""`)
	if err := chromedp.Do(tab.Ctx, chromedp.SendKeys(chromedp.ID("b-phone"), "0905 123")); err != nil {
		t.Fatal(err)
	}
	click("#b-submit")
	tab.Wait(t, `!document.getElementById("b-error").hidden`)
	if inv := eval(`document.getElementById("b-phone").getAttribute("aria-invalid") || ""`); inv != "true" {
		t.Errorf("the phone field is not marked wrong; the page says %q", eval(`document.getElementById("b-error").textContent`))
	}
	scroll = "#b-submit"
	look("#b-error", "#b-submit")
	scroll = ""
	if err := chromedp.Do(tab.Ctx, chromedp.SendKeys(chromedp.ID("b-phone"), " 456")); err != nil {
		t.Fatal(err)
	}
	click("#b-submit")

	// 4. The code, its QR code, the links.
	tab.Wait(t, `!document.getElementById("b-step-done").hidden && document.getElementById("b-qr").naturalWidth > 0`)
	code := eval(`document.getElementById("b-code").textContent`)
	look("#b-code", "#b-qr", "#b-done-when", "#b-status", "#b-cancel-link")
	tab.MustLayout(t, browsertest.Phones[1], browsertest.Layout{OneLine: []string{"#b-code"}})
	if got := readQR(t, h.URL+"/book/qr/"+code); got != code {
		t.Errorf("the QR code reads %q, want the booking's code %q", got, code)
	}
	s2, _ := time.Parse(time.RFC3339, second)
	if when := eval(`document.getElementById("b-done-when").textContent`); !strings.HasPrefix(when, s2.In(loc).Format("15:04")+"–") {
		t.Errorf("the time reads %q, want it to start at %s", when, s2.In(loc).Format("15:04"))
	}
	status := eval(`document.getElementById("b-status").href`)
	cancel := eval(`document.getElementById("b-cancel-link").href`)
	var got hallq.Booking
	if c := h.do("GET", "/api/v1/bookings/"+code, h.login("admin"), nil, &got); c != 200 || got.Phone != "0905123456" || got.Name != "Nguyễn Thị Lan" || got.Status != hallq.BookingBooked {
		t.Errorf("the hall holds %+v (%d), want the booking as typed", got, c)
	}

	// The booking's own page, then its cancel link.
	tab = newTab()
	if err := tab.Resize(browsertest.Phones[0]); err != nil {
		t.Fatal(err)
	}
	if err := tab.Navigate(status); err != nil {
		t.Fatal(err)
	}
	layout = browsertest.Layout{Whole: []string{".book", ".b-done"}, MinFontPx: 12}
	tab.Wait(t, fmt.Sprintf(`document.getElementById("b-code").textContent === %q && document.getElementById("b-state").textContent !== ""`, code))
	if st := eval(`document.getElementById("b-state").textContent`); st != "Đã đặt — chưa nhận số" {
		t.Errorf("the booking's page says %q", st)
	}
	look("#b-code", "#b-state", "#b-qr", "#b-when", "#b-cancel")
	if err := tab.Navigate(cancel); err != nil {
		t.Fatal(err)
	}
	tab.Wait(t, `document.getElementById("b-cancel").textContent === "Có, huỷ lịch hẹn"`)
	click("#b-cancel")
	tab.Wait(t, `document.getElementById("b-state").textContent === "Đã huỷ"`)
	if c := h.do("GET", "/api/v1/bookings/"+code, h.login("admin"), nil, &got); c != 200 || got.Status != hallq.BookingCancelled {
		t.Errorf("after the cancel link the hall holds %s (%d), want cancelled", got.Status, c)
	}

	// English.
	tab = newTab()
	if err := tab.Navigate(h.URL + "/book?lang=en"); err != nil {
		t.Fatal(err)
	}
	tab.Wait(t, `document.querySelectorAll("#b-services .b-choice").length === 2`)
	if title := eval(`document.querySelector(".b-head h1").textContent`); title != "Book an appointment" {
		t.Errorf("the English page's title is %q", title)
	}
	look("#b-services .b-choice", ".b-head h1")
}

// testBookingBadLink: a booking link with a wrong secret says so and
// shows nothing of a booking.
func testBookingBadLink(t *testing.T, tab *browsertest.Tab) {
	h := startHall(t, nil)
	tab.Allow(" for " + h.URL + "/api/v1/bookings/")
	if err := tab.Resize(browsertest.Phones[1]); err != nil {
		t.Fatal(err)
	}
	if err := tab.Navigate(h.URL + "/book/ZZZZ22?k=wrong"); err != nil {
		t.Fatal(err)
	}
	tab.Wait(t, `document.getElementById("b-state").textContent.startsWith("Không tìm thấy lịch hẹn")`)
	if visible(t, tab.Ctx, "#b-cancel") || visible(t, tab.Ctx, "#b-qr") {
		t.Error("a wrong link offers to cancel or shows a QR code")
	}
}

// readQR fetches a QR code image and decodes it.
func readQR(t *testing.T, url string) string {
	t.Helper()
	status, header, data := get(t, url)
	if status != 200 || header.Get("Content-Type") != "image/png" {
		t.Fatalf("GET %s: %d %s", url, status, header.Get("Content-Type"))
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("no QR code in %s: %v", url, err)
	}
	return res.GetText()
}

// TestBookingQRRefusesNonCodes: the QR route encodes booking codes only.
func TestBookingQRRefusesNonCodes(t *testing.T) {
	h := startHall(t, nil)
	for _, bad := range []string{"k7m2qx", "ABC%20DEF", strings.Repeat("A", 40), "%3Cscript%3E"} {
		if status, _, _ := get(t, h.URL+"/book/qr/"+bad); status != 400 {
			t.Errorf("/book/qr/%s: %d, want 400", bad, status)
		}
	}
}
