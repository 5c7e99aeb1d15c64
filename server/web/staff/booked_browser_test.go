package staff_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/internal/browsertest"
	"github.com/hallq/hallq/server/queue"
	"github.com/hallq/hallq/server/servertest"
)

// TestOfficerSeesBooking: a citizen checked in for a booked slot shows in
// the officer's waiting list with 'Lịch hẹn HH:MM' beside the number, and
// in the call panel once called; a walk-in shows no such badge.
func TestOfficerSeesBooking(t *testing.T) {
	b := browsertest.Start(t)
	h := servertest.Start(t, servertest.Options{})
	tab := b.Tab(t, browsertest.TabOptions{OwnCookies: true})
	run := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(tab.Ctx, steps...); err != nil {
			t.Fatal(err)
		}
	}
	// A minute only bounds a hang on a busy machine.
	waitJS := func(expr string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(context.Context, *chromedp.Target) error { return tab.WaitFor(expr, time.Minute) })
	}
	var walkIn hallq.Ticket
	if code := h.Do("POST", "/api/v1/tickets", servertest.KioskToken, map[string]any{"service": "A"}, &walkIn); code != 201 {
		t.Fatalf("walk-in: %d", code)
	}
	// The booked citizen's slot starts in 40 min: not due yet, so it
	// waits behind the walk-in.
	var booked *hallq.Ticket
	if _, err := h.Hall.Do(context.Background(), func(e *queue.Engine, now time.Time) (any, *queue.Change, error) {
		slot := now.Add(40 * time.Minute).Truncate(time.Minute)
		tk, ch, err := e.Issue(now, queue.IssueRequest{Service: "A", ID: "booked1", Secret: "s", Booking: "K7M2QX", SlotAt: slot})
		booked = tk
		return tk, ch, err
	}); err != nil {
		t.Fatal(err)
	}
	want := "Lịch hẹn " + booked.SlotAt.In(h.Hall.Location()).Format("15:04")

	run(chromedp.Navigate(h.URL+"/login"),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), "canbo1"),
		chromedp.SendKeys(chromedp.ID("password"), "demo-canbo"),
		chromedp.Click(chromedp.ID("login-submit")),
		waitJS(`location.pathname === "/officer"`),
		chromedp.WaitVisible(chromedp.CSS(`button.open-counter[data-counter="1"]`)),
		chromedp.Click(chromedp.CSS(`button.open-counter[data-counter="1"]`)),
		chromedp.WaitVisible(chromedp.ID("console")),
	)
	badge := func(id string) string {
		return fmt.Sprintf(`document.querySelector('#waiting tr[data-ticket=%q] td.label .booking-badge')`, id)
	}
	run(waitJS(badge(booked.ID)+` !== null && `+badge(booked.ID)+`.textContent === `+fmt.Sprintf("%q", want)),
		waitJS(fmt.Sprintf(`document.querySelector('#waiting tr[data-ticket=%q]') !== null`, walkIn.ID)),
		waitJS(badge(walkIn.ID)+` === null`),
		// The walk-in first, with no badge in the call panel. Each button
		// is pressed once the console takes presses again (it shows a call
		// from the event stream before the call's own answer is in).
		waitJS(pressable("#btn-next")),
		chromedp.Click(chromedp.ID("btn-next")),
		waitJS(fmt.Sprintf(`document.getElementById("current-label").textContent === %q`, walkIn.Label)),
		waitJS(`document.getElementById("current-booking").hidden`),
		waitJS(pressable("#btn-finish")),
		chromedp.Click(chromedp.ID("btn-finish")),
		waitJS(`document.getElementById("current-label").textContent === "—"`),
		// Then the booked citizen, with the time of their booking.
		waitJS(pressable("#btn-next")),
		chromedp.Click(chromedp.ID("btn-next")),
		waitJS(fmt.Sprintf(`document.getElementById("current-label").textContent === %q`, booked.Label)),
		waitJS(fmt.Sprintf(`!document.getElementById("current-booking").hidden && document.getElementById("current-booking").textContent === %q`, want)),
	)
	// The badge is on screen beside the number, not clipped away.
	visible, err := browsertest.Eval[bool](tab, `(() => { const r = document.getElementById("current-booking").getBoundingClientRect();
		return r.width > 0 && r.height > 0 && r.right <= window.innerWidth; })()`)
	if err != nil || !visible {
		t.Errorf("the call panel's booking badge is not on screen (%v)", err)
	}
}
