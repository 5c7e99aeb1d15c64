package staff_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/internal/browsertest"
	"github.com/hallq/hallq/server/servertest"
)

// TestPressSpansARedraw: the officer console redraws its counter list and
// its waiting and no-show lists on every event of the hall (a ticket
// issued at a kiosk, another officer opening a counter). A press that
// spans such a redraw — the button down before it, up after it, as a
// person's press lasts a tenth of a second or more — still does what the
// button says: the page updates its rows in place instead of swapping the
// pressed button for a copy, which would lose the click.
func TestPressSpansARedraw(t *testing.T) {
	b := browsertest.Start(t)
	h := servertest.Start(t, servertest.Options{})
	tab := b.Tab(t, browsertest.TabOptions{OwnCookies: true})
	// A minute only bounds a hang on a busy machine.
	wait := func(expr string) {
		t.Helper()
		if err := tab.WaitFor(expr, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	// press holds the button sel down, makes the page redraw (redraw, then
	// waits for redrawn: the page shows what the redraw brought), and
	// lets go.
	press := func(sel string, redraw func(), redrawn string) {
		t.Helper()
		wait(fmt.Sprintf(`!!document.querySelector(%q) && !document.querySelector(%q).disabled`, sel, sel))
		release, err := tab.Hold(sel)
		if err != nil {
			t.Fatalf("press %s: %v", sel, err)
		}
		redraw()
		wait(redrawn)
		if err := release(); err != nil {
			t.Fatalf("release %s: %v", sel, err)
		}
	}
	issue := func() hallq.Ticket {
		t.Helper()
		var tk hallq.Ticket
		if code := h.Do("POST", "/api/v1/tickets", servertest.KioskToken, map[string]any{"service": "A"}, &tk); code != 201 {
			t.Fatalf("issue: %d", code)
		}
		return tk
	}
	waitingRow := func(tk hallq.Ticket) string {
		return fmt.Sprintf(`!!document.querySelector('#waiting tr[data-ticket=%q]')`, tk.ID)
	}

	signInAt(t, tab, h.URL, "canbo1", "/officer")

	// The counter list: another officer opens counter 2 during the press
	// on "open" of counter 1.
	press(`button.open-counter[data-counter="1"]`, func() {
		if code := h.Do("POST", "/api/v1/counters/2/open", h.Login("canbo2"), nil, nil); code != 200 {
			t.Fatalf("canbo2 opens counter 2: %d", code)
		}
	}, `document.querySelector('button.open-counter[data-counter="2"]').disabled`)
	wait(`!document.getElementById("console").hidden && document.getElementById("counter-title").textContent === "Quầy số 1"`)

	// The waiting list: a citizen takes a number during the press on
	// "call" of the first one.
	first := issue()
	wait(waitingRow(first))
	second := issue()
	press(fmt.Sprintf(`#waiting tr[data-ticket=%q] button.call-ticket`, first.ID), func() { issue() }, waitingRow(second)+
		` && document.querySelectorAll("#waiting tr[data-ticket]").length === 3`)
	wait(fmt.Sprintf(`document.getElementById("current-label").textContent === %q`, first.Label))

	// The no-show list: the citizen called does not come; another takes a
	// number during the press on "requeue".
	if code := h.Do("POST", "/api/v1/counters/1/no-show", h.Login("canbo1"), nil, nil); code != 200 {
		t.Fatalf("no-show: %d", code)
	}
	var fourth hallq.Ticket
	press(fmt.Sprintf(`#noshows tr[data-ticket=%q] button.requeue`, first.ID), func() { fourth = issue() },
		`document.querySelectorAll("#waiting tr[data-ticket]").length === 3`)
	wait(waitingRow(fourth) + ` && ` + waitingRow(first))
	var got hallq.Ticket
	h.Do("GET", "/api/v1/tickets/"+first.ID, h.Login("admin"), nil, &got)
	if got.State != hallq.StateWaiting {
		t.Errorf("%s after the press on requeue: %s, want waiting again", first.Label, got.State)
	}
}
