package kiosk_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hallq/hallq/internal/browsertest"
	"github.com/hallq/hallq/internal/eventually"
	"github.com/hallq/hallq/server/hall"
	"github.com/hallq/hallq/server/servertest"
)

// TestBookingEndToEnd is issue 19's browser test: a citizen books on /book
// on a 390×844 phone, checks in on the touch kiosk with its keypad and
// gets a printed ticket with the booked time; the officer calls it from
// the console, the hall TV shows it, and the citizen's phone, which
// followed the booking, now follows the ticket to the counter.
func TestBookingEndToEnd(t *testing.T) {
	t.Parallel()
	b := browsertest.Start(t)
	clock := hall.NewSimClock(tomorrowAt(9, 52), 1)
	h := servertest.Start(t, servertest.Options{Sim: clock})
	toml := strings.Replace(touchTOML, `state_dir = "{DIR}"`, "state_dir = \"{DIR}\"\nlanguage = \"vi+en\"", 1)
	r := newRig(t, rigOptions{url: h.URL, toml: toml})
	click := func(tab *browsertest.Tab, sel string) {
		t.Helper()
		if err := chromedp.Do(tab.Ctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible)); err != nil {
			t.Fatalf("click %s: %v", sel, err)
		}
	}
	text := func(tab *browsertest.Tab, id string) string {
		t.Helper()
		s, err := browsertest.Eval[string](tab, fmt.Sprintf(`document.getElementById(%q).textContent`, id))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}

	// 1. The phone: procedure, day, time, name and phone, the code.
	phone := b.Tab(t, browsertest.TabOptions{OwnCookies: true})
	v := browsertest.Phones[0]
	if err := phone.Resize(v); err != nil {
		t.Fatal(err)
	}
	if err := phone.Navigate(h.URL + "/book"); err != nil {
		t.Fatal(err)
	}
	click(phone, `#b-services .b-choice[data-service="A"]`)
	click(phone, fmt.Sprintf(`#b-days .b-choice[data-day=%q]`, tomorrowAt(10, 0).Format(time.DateOnly)))
	slot := fmt.Sprintf(`#b-slots .b-choice[data-start=%q]`, tomorrowAt(10, 0).Format(time.RFC3339))
	phone.Wait(t, fmt.Sprintf(`document.querySelector(%q) !== null && !document.querySelector(%q).disabled`, slot, slot))
	click(phone, slot)
	if err := chromedp.Do(phone.Ctx,
		chromedp.SendKeys(chromedp.ID("b-name"), "Nguyễn Thị Lan"),
		chromedp.SendKeys(chromedp.ID("b-phone"), "0905 123 456"),
	); err != nil {
		t.Fatal(err)
	}
	click(phone, "#b-submit")
	phone.Wait(t, `/^[A-Z0-9]{6}$/.test(document.getElementById("b-code").textContent) && document.getElementById("b-qr").naturalWidth > 0`)
	code := text(phone, "b-code")
	if err := phone.Settle(); err != nil {
		t.Fatal(err)
	}
	phone.MustLayout(t, v, browsertest.Layout{Seen: []string{"#b-code", "#b-qr", "#b-done-when"}, OneLine: []string{"#b-code"}, Whole: []string{".book"}})
	if when := text(phone, "b-done-when"); !strings.HasPrefix(when, "10:00–10:15") {
		t.Errorf("the phone shows the time %q, want 10:00–10:15", when)
	}
	status, err := browsertest.Eval[string](phone, `document.getElementById("b-status").href`)
	if err != nil || !strings.Contains(status, "/book/"+code+"?k=") {
		t.Fatalf("the booking's link is %q (%v)", status, err)
	}

	// 2. The kiosk: the keypad.
	kiosk := b.Tab(t, browsertest.TabOptions{})
	if err := kiosk.Resize(browsertest.Kiosks[0]); err != nil {
		t.Fatal(err)
	}
	if err := kiosk.Navigate(r.k.TouchURL()); err != nil {
		t.Fatal(err)
	}
	kiosk.Wait(t, `!document.getElementById("booking").hidden && !document.getElementById("booking").disabled`)
	if err := kiosk.Settle(); err != nil { // the page sizes its buttons once its fonts are in
		t.Fatal(err)
	}
	click(kiosk, "#booking")
	for _, ch := range code {
		click(kiosk, fmt.Sprintf(`.kp-key[data-key="%c"]`, ch))
	}
	click(kiosk, "#kp-ok")
	kiosk.Wait(t, `document.getElementById("card-number").textContent !== ""`)
	label := text(kiosk, "card-number")
	if card := text(kiosk, "card-text"); !strings.Contains(card, "Lịch hẹn 10:00") {
		t.Errorf("the kiosk's card reads %q, want the booked time", card)
	}
	p := &paper{t: t, r: r}
	if paper := p.next(1); !strings.Contains(paper, label) || !strings.Contains(paper, "Appointment 10:00") {
		t.Errorf("the printed ticket reads %q, want %s and the booked time", paper, label)
	}
	ts := issued(t, h)
	if len(ts) != 1 || ts[0].Label != label || ts[0].Booking != code {
		t.Fatalf("got tickets %+v, want %s for booking %s", ts, label, code)
	}
	eventually.True(t, wait, "the kiosk confirms the print", func() bool { return ticket(t, h, ts[0].ID).HeldUntil == nil })

	// The phone's link now shows the ticket (a tab of its own: each tab has
	// its deadline, and this one lasts to the call).
	phone = b.Tab(t, browsertest.TabOptions{OwnCookies: true})
	if err := phone.Resize(v); err != nil {
		t.Fatal(err)
	}
	if err := phone.Navigate(status); err != nil {
		t.Fatal(err)
	}
	phone.Wait(t, fmt.Sprintf(`document.getElementById("t-number") && document.getElementById("t-number").textContent === %q`, label))
	if s := text(phone, "t-slot"); s != "Lịch hẹn 10:00" {
		t.Errorf("the ticket's page shows %q, want the booked time", s)
	}

	// 3. The officer calls it; 4. the hall TV shows it; the phone says where to go.
	tv := b.Tab(t, browsertest.TabOptions{})
	if err := tv.Resize(browsertest.TVs[0]); err != nil {
		t.Fatal(err)
	}
	if err := tv.Navigate(h.URL + "/display/hall?audio=0"); err != nil {
		t.Fatal(err)
	}
	officer := b.Tab(t, browsertest.TabOptions{OwnCookies: true})
	if err := officer.Resize(browsertest.Desktops[0]); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(officer.Ctx,
		chromedp.Navigate(h.URL+"/login?next=%2Fofficer"),
		chromedp.SendKeys(chromedp.ID("username"), "canbo1", chromedp.NodeVisible),
		chromedp.SendKeys(chromedp.ID("password"), "demo-canbo"),
		chromedp.Click(chromedp.ID("login-submit")),
	); err != nil {
		t.Fatal(err)
	}
	click(officer, `button.open-counter[data-counter="1"]`)
	if err := chromedp.Do(officer.Ctx, chromedp.WaitVisible(chromedp.ID("console"))); err != nil {
		t.Fatal(err)
	}
	officer.Wait(t, `!document.getElementById("btn-next").disabled`)
	click(officer, "#btn-next")
	officer.Wait(t, fmt.Sprintf(`document.getElementById("current-label").textContent === %q`, label))
	tv.Wait(t, fmt.Sprintf(`[...document.querySelectorAll("#calls li .number")].some(e => e.textContent === %q)`, label))
	phone.Wait(t, `document.getElementById("t-state").textContent.includes("quầy số 1")`)
}
