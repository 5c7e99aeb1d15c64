package display_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/hallq/hallq/internal/browsertest"
)

func settle(t *testing.T, tab *browsertest.Tab) {
	t.Helper()
	if err := tab.Settle(); err != nil {
		t.Fatal(err)
	}
}

// busyHall is the demo hall with six counters each calling a number,
// more people waiting, and a notice on the TV.
func busyHall(t *testing.T) *testHall {
	h := startHall(t, nil)
	for _, s := range strings.Split("ABCDEABACDEABCAB", "") {
		h.issue(s)
	}
	for n := 1; n <= 6; n++ {
		h.counter(n, "open")
	}
	for n := 1; n <= 6; n++ {
		h.call(n)
	}
	h.notice("Bộ phận Một cửa làm việc từ thứ Hai đến thứ Sáu.\nSáng 07:30–11:30, chiều 13:30–17:00.")
	return h
}

// hallClock is the hall's wall clock now and a minute either side (the
// page's clock may tick over while the test reads it).
func hallClock(format string) []string {
	loc, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	now := time.Now().In(loc)
	return []string{now.Add(-time.Minute).Format(format), now.Format(format), now.Add(time.Minute).Format(format)}
}

// testHallLayout: at each TV size, all six calls are on screen, each with
// its number, arrow and counter on one line and painted where it is (not
// under the notice bar); the hall's name is whole; the clock shows the
// hall's time although the browser is in another zone.
func testHallLayout(t *testing.T, tab *browsertest.Tab) {
	h := busyHall(t)
	for _, lang := range []string{"vi", "en"} {
		if err := tab.Navigate(h.URL + "/display/hall?audio=0&lang=" + lang); err != nil {
			t.Fatal(err)
		}
		tab.Wait(t, `document.querySelectorAll("#calls li").length === 6 && !document.getElementById("notice-bar").hidden`)
		for _, v := range browsertest.TVs {
			tab.MustResize(t, v)
			tab.MustLayout(t, v, browsertest.Layout{
				Seen:    []string{"#calls li", "#calls li .number", "#calls li .arrow", "#calls li .counter", "#hallname", "#time", "#date", "#services li", "#notice-bar"},
				OneLine: []string{"#calls li"},
				Whole:   []string{"#hallname", "#services li"},
			})
		}
	}
	if got := text(t, tab.Ctx, "#time"); !slices.Contains(hallClock("15:04"), got) {
		t.Errorf("the clock reads %q, want the hall's time, one of %v (the browser is in %s)", got, hallClock("15:04"), browsertest.ForeignZone)
	}
	if got := text(t, tab.Ctx, "#date"); !slices.Contains(hallClock("02/01/2006"), got) {
		t.Errorf("the date reads %q, want the hall's day as dd/mm/yyyy", got)
	}
	// The notice's two lines run as one, with a mark between them.
	if got := text(t, tab.Ctx, "#notice"); !strings.Contains(got, "Sáu. • Sáng") {
		t.Errorf("the notice reads %q, want its lines joined by •", got)
	}
}

// testRecallKeepsRows: a recall flashes and re-announces the row of the
// ticket recalled; it adds no row, so other counters' calls stay on the
// list. A reload shows the same rows.
func testRecallKeepsRows(t *testing.T, tab *browsertest.Tab) {
	h := busyHall(t)
	if err := tab.Navigate(h.URL + "/display/hall?audio=0&n=6"); err != nil {
		t.Fatal(err)
	}
	tab.Wait(t, `document.querySelectorAll("#calls li").length === 6`)
	before := rows(t, tab.Ctx)
	recalled, code := h.counter(3, "recall")
	if code != 200 {
		t.Fatalf("recall: %d", code)
	}
	row := fmt.Sprintf(`document.querySelector('#calls li[data-ticket=%q]')`, recalled.ID)
	tab.Wait(t, row+` && `+row+`.classList.contains("blink")`)
	if got := rows(t, tab.Ctx); !slices.Equal(got, before) {
		t.Errorf("after a recall the rows are %v, want them unchanged: %v", got, before)
	}
	h.counter(3, "recall")
	h.counter(1, "recall")
	tab.Wait(t, `document.querySelectorAll("#calls li.blink").length === 2`)
	if got := rows(t, tab.Ctx); !slices.Equal(got, before) {
		t.Errorf("after three recalls the rows are %v, want them unchanged: %v", got, before)
	}
	if err := tab.Navigate(h.URL + "/display/hall?audio=0&n=6"); err != nil {
		t.Fatal(err)
	}
	tab.Wait(t, `document.querySelectorAll("#calls li").length >= 6`)
	if got := rows(t, tab.Ctx); !slices.Equal(got, before) {
		t.Errorf("after a reload the rows are %v, want %v", got, before)
	}
}

// testCounterLayout: the counter screen's number and title are whole and
// on one line at each TV size.
func testCounterLayout(t *testing.T, tab *browsertest.Tab) {
	h := busyHall(t)
	if err := tab.Navigate(h.URL + "/display/counter/3"); err != nil {
		t.Fatal(err)
	}
	tab.Wait(t, `document.getElementById("current").textContent.length === 4`)
	for _, v := range browsertest.TVs {
		tab.MustResize(t, v)
		tab.MustLayout(t, v, browsertest.Layout{
			Seen:    []string{".counter-title", "#current", "#service", "#state"},
			OneLine: []string{".counter-title", "#current"},
		})
	}
}

// vibrationSpy records the page's calls of navigator.vibrate, and whether
// the person had touched the page by then (browsers refuse vibration
// before that, and log an intervention the tab reports).
const vibrationSpy = `window.__vib = [];
const __realVibrate = navigator.vibrate ? navigator.vibrate.bind(navigator) : null;
navigator.vibrate = (p) => { window.__vib.push({ p: JSON.stringify(p), active: navigator.userActivation.hasBeenActive }); return __realVibrate ? __realVibrate(p) : false; };
window.__fetches = 0;
const __realFetch = window.fetch.bind(window);
window.fetch = (...a) => { window.__fetches++; return __realFetch(...a); };`

func spy(t *testing.T, tab *browsertest.Tab) {
	t.Helper()
	if _, err := chromedp.Call(tab.Ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: vibrationSpy}); err != nil {
		t.Fatal(err)
	}
}

// testPhone: the citizen's page on a phone: the number and its state are
// on screen at both sizes; vibration is asked for on the first tap (and
// only then used); called, it vibrates; finished, it no longer says the
// page updates itself; times are the hall's.
func testPhone(t *testing.T, tab *browsertest.Tab) {
	spy(t, tab)
	h := busyHall(t)
	tk := h.issue("D")
	path := tk.StatusURL[strings.Index(tk.StatusURL, "/t/"):]
	if err := tab.Resize(browsertest.Phones[0]); err != nil {
		t.Fatal(err)
	}
	if err := tab.Navigate(h.URL + path); err != nil {
		t.Fatal(err)
	}
	tab.Wait(t, fmt.Sprintf(`document.getElementById("t-number").textContent === %q`, tk.Label))
	for _, v := range browsertest.Phones {
		tab.MustResize(t, v)
		tab.MustLayout(t, v, browsertest.Layout{
			Seen:    []string{"#t-number", "#t-service", "#t-state", "#t-ahead", "#t-wait", "#t-vibrate"},
			OneLine: []string{"#t-number"},
		})
	}
	if !visible(t, tab.Ctx, ".t-note") {
		t.Error("a waiting ticket's page does not say it updates itself")
	}
	upd := text(t, tab.Ctx, "#t-updated")
	if len(upd) < 5 || !slices.Contains(hallClock("15:04"), upd[:5]) {
		t.Errorf("updated at %q, want the hall's time (one of %v)", upd, hallClock("15:04"))
	}
	if n, _ := browsertest.Eval[int](tab, `window.__vib.length`); n != 0 {
		t.Errorf("the page vibrated %d times before anyone touched it", n)
	}
	before := text(t, tab.Ctx, "#t-vibrate")
	if err := chromedp.Do(tab.Ctx, chromedp.Tap(chromedp.ID("t-vibrate"))); err != nil {
		t.Fatal(err)
	}
	tab.Wait(t, `window.__vib.length === 1 && window.__vib[0].active`)
	if after := text(t, tab.Ctx, "#t-vibrate"); after == before {
		t.Errorf("after the tap the vibration note still reads %q", after)
	}
	// Called: the phone says where to go, and vibrates.
	h.counter(4, "finish")
	if code := h.do("POST", "/api/v1/counters/4/call", h.login("canbo4"), map[string]string{"ticket": tk.ID}, nil); code != 200 {
		t.Fatalf("call %s at counter 4: %d", tk.Label, code)
	}
	tab.Wait(t, `document.getElementById("t-state").textContent.includes("quầy số 4")`)
	tab.Wait(t, `window.__vib.length === 2 && window.__vib[1].active && window.__vib[1].p.startsWith("[")`)
	// Finished: no "keep this page open".
	h.counter(4, "start")
	h.counter(4, "finish")
	tab.Wait(t, `document.getElementById("t-state").classList.contains("done")`)
	if visible(t, tab.Ctx, ".t-note") {
		t.Errorf("a finished ticket's page still says %q", text(t, tab.Ctx, ".t-note"))
	}
	// English plurals.
	if err := tab.Navigate(h.URL + path + "&lang=en"); err != nil {
		t.Fatal(err)
	}
	tab.Wait(t, fmt.Sprintf(`document.getElementById("t-number").textContent === %q`, tk.Label))
	for s, want := range map[int]string{20: "under a minute", 60: "about 1 minute", 180: "about 3 minutes"} {
		if got, err := browsertest.Eval[string](tab, fmt.Sprintf("waitText(%d)", s)); err != nil || got != want {
			t.Errorf("a wait of %d s reads %q (%v), want %q", s, got, err, want)
		}
	}
}

// testPhoneBadLink: a wrong link shows one clear message, nothing of a
// ticket, and stops asking the server.
func testPhoneBadLink(t *testing.T, tab *browsertest.Tab) {
	spy(t, tab)
	h := startHall(t, nil)
	tk := h.issue("A")
	tab.Allow(" for " + h.URL + "/api/v1/tickets/")
	path := tk.StatusURL[strings.Index(tk.StatusURL, "/t/"):]
	bad := strings.Replace(path, "?k=", "?k=x", 1)
	if err := tab.Resize(browsertest.Phones[1]); err != nil {
		t.Fatal(err)
	}
	if err := tab.Navigate(h.URL + bad); err != nil {
		t.Fatal(err)
	}
	tab.Wait(t, `document.getElementById("t-state").textContent.includes("Không tìm thấy")`)
	for _, sel := range []string{"#t-number", ".t-facts", ".t-note", "#t-vibrate"} {
		if visible(t, tab.Ctx, sel) {
			t.Errorf("a wrong link still shows %s %q", sel, text(t, tab.Ctx, sel))
		}
	}
	n, _ := browsertest.Eval[int](tab, `window.__fetches`)
	time.Sleep(6 * time.Second) // longer than the page's 5 s poll
	if m, _ := browsertest.Eval[int](tab, `window.__fetches`); m != n {
		t.Errorf("the page asked the server %d more times after the link proved wrong", m-n)
	}
}
