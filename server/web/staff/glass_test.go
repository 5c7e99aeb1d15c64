package staff_test

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/internal/browsertest"
	"github.com/hallq/hallq/internal/netcut"
	"github.com/hallq/hallq/server/servertest"
)

var passwords = map[string]string{"admin": "demo-admin", "quanly": "demo-quanly"}

// signInAt signs user in at base (the hall, or a proxy in front of it)
// in the tab, and opens page.
func signInAt(t *testing.T, tab *browsertest.Tab, base, user, page string) {
	t.Helper()
	pw, ok := passwords[user]
	if !ok {
		pw = "demo-canbo"
	}
	if err := chromedp.Do(tab.Ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), user),
		chromedp.SendKeys(chromedp.ID("password"), pw),
		chromedp.Click(chromedp.ID("login-submit")),
	); err != nil {
		t.Fatal(err)
	}
	tab.Wait(t, `location.pathname !== "/login"`)
	if err := tab.Navigate(base + page); err != nil {
		t.Fatal(err)
	}
}

// clearFlash empties the page's message box, so that a test waiting for
// the next message does not read the last one.
func clearFlash(t *testing.T, tab *browsertest.Tab) {
	t.Helper()
	if _, err := browsertest.Eval[bool](tab, `(() => { const f = document.getElementById("flash"); if (f) { f.textContent = ""; f.className = ""; } return true; })()`); err != nil {
		t.Fatal(err)
	}
}

// pressable is true once the element sel matches is on the page and
// enabled: the officer console disables its buttons (and their keys) while
// an action is on its way, so a test presses once the console takes it.
func pressable(sel string) string {
	return fmt.Sprintf(`(e => !!e && !e.disabled)(document.querySelector(%q))`, sel)
}

// key presses a key on the page, as a person at the keyboard.
func key(t *testing.T, tab *browsertest.Tab, k string) {
	t.Helper()
	if err := chromedp.Do(tab.Ctx, chromedp.KeyEvent(k)); err != nil {
		t.Fatal(err)
	}
}

func textOf(t *testing.T, tab *browsertest.Tab, sel string) string {
	t.Helper()
	s, err := browsertest.Eval[string](tab, fmt.Sprintf(`(document.querySelector(%q) || {}).innerText || ""`, sel))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// hallClock is the hall's wall clock now and a minute either side.
func hallClock(format string) []string {
	loc, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	now := time.Now().In(loc)
	return []string{now.Add(-time.Minute).Format(format), now.Format(format), now.Add(time.Minute).Format(format)}
}

var officerButtons = []string{"#btn-next", "#btn-recall", "#btn-start", "#btn-finish", "#btn-noshow", "#transfer-to", "#btn-transfer", "#btn-pause", "#btn-close"}

// testOfficerGlass: the officer's console at office screen sizes: every
// action on screen; the header names the counter once; "N" with nobody
// waiting says so; the recall count and what the next recall does are
// shown before it does it; shortcuts work after the transfer list was
// used; times are the hall's.
func testOfficerGlass(t *testing.T, b *browsertest.Browser) {
	h := servertest.Start(t, servertest.Options{})
	tab := b.Tab(t, browsertest.TabOptions{OwnCookies: true})
	signInAt(t, tab, h.URL, "canbo1", "/officer")
	tab.Wait(t, `!!document.querySelector('button.open-counter[data-counter="1"]')`)
	if err := chromedp.Do(tab.Ctx, chromedp.Click(chromedp.CSS(`button.open-counter[data-counter="1"]`))); err != nil {
		t.Fatal(err)
	}
	tab.Wait(t, `!document.getElementById("console").hidden`)
	if got := textOf(t, tab, "#console h1"); got != "Quầy số 1" {
		t.Errorf("the header reads %q, want \"Quầy số 1\" once", got)
	}

	// Nobody waits: N says so, in Vietnamese.
	tab.Wait(t, pressable("#btn-next"))
	key(t, tab, "n")
	tab.Wait(t, `(document.getElementById("flash") || {}).textContent === "Không còn ai chờ"`)

	var tk hallq.Ticket
	for i := 0; i < 3; i++ {
		if code := h.Do("POST", "/api/v1/tickets", servertest.KioskToken, map[string]any{"service": "A"}, &tk); code != 201 {
			t.Fatalf("issue: %d", code)
		}
	}
	tab.Wait(t, `document.querySelectorAll("#waiting tr[data-ticket]").length === 3`)
	issued := textOf(t, tab, "#waiting tr[data-ticket] td:nth-child(3)")
	if m := regexp.MustCompile(`\d\d:\d\d`).FindString(issued); !slices.Contains(hallClock("15:04"), m) {
		t.Errorf("the waiting list says %q, want the hall's time (one of %v)", issued, hallClock("15:04"))
	}
	for _, v := range browsertest.Desktops {
		tab.MustResize(t, v)
		tab.MustLayout(t, v, browsertest.Layout{Seen: append([]string{"#console h1", "#current-label"}, officerButtons...)})
	}

	// Call, then recall up to the hall's limit (3): the console counts
	// the recalls and says, before the fourth press, that it will make the
	// citizen a no-show.
	tab.Wait(t, pressable("#btn-next"))
	key(t, tab, "n")
	tab.Wait(t, `document.getElementById("current-label").textContent !== "—"`)
	for i := 1; i <= 3; i++ {
		tab.Wait(t, pressable("#btn-recall"))
		key(t, tab, "r")
		tab.Wait(t, fmt.Sprintf(`document.getElementById("recall-info").textContent.startsWith("Đã gọi lại %d/3")`, i))
	}
	if info := textOf(t, tab, "#recall-info"); !strings.Contains(info, "Vắng mặt") {
		t.Errorf("after 3 of 3 recalls the console says %q; want it to say the next recall makes a no-show (Vắng mặt)", info)
	}
	if btn := textOf(t, tab, "#btn-recall"); !strings.Contains(btn, "Vắng mặt") {
		t.Errorf("the recall button reads %q at the limit; want it to say Vắng mặt", btn)
	}

	// The transfer list, used with the keyboard, then a shortcut.
	tab.Wait(t, pressable("#btn-noshow"))
	key(t, tab, "v") // the recalled citizen is a no-show: call the next one
	tab.Wait(t, `document.getElementById("current-label").textContent === "—"`)
	tab.Wait(t, pressable("#btn-next"))
	key(t, tab, "n")
	tab.Wait(t, `document.getElementById("current-label").textContent !== "—" && !document.getElementById("btn-start").disabled`)
	if err := chromedp.Do(tab.Ctx, chromedp.Focus(chromedp.ID("transfer-to"))); err != nil {
		t.Fatal(err)
	}
	key(t, tab, kb.ArrowDown)
	tab.Wait(t, `document.getElementById("transfer-to").selectedIndex === 1`)
	key(t, tab, "s")
	tab.Wait(t, `document.getElementById("current-meta").textContent.includes("Đang phục vụ")`)
}

// testOfficerOffline: with the server unreachable the console says so in
// Vietnamese and its action buttons cannot be pressed; back online, they
// can.
func testOfficerOffline(t *testing.T, b *browsertest.Browser) {
	h := servertest.Start(t, servertest.Options{})
	proxy, err := netcut.New(strings.TrimPrefix(h.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	base := "http://" + proxy.Addr()
	tab := b.Tab(t, browsertest.TabOptions{OwnCookies: true})
	tab.Allow("ERR_CONNECTION") // the page's own requests while the network is cut
	h.Do("POST", "/api/v1/tickets", servertest.KioskToken, map[string]any{"service": "A"}, nil)
	signInAt(t, tab, base, "canbo2", "/officer?counter=2")
	tab.Wait(t, `!!document.querySelector('button.open-counter[data-counter="2"]')`)
	if err := chromedp.Do(tab.Ctx, chromedp.Click(chromedp.CSS(`button.open-counter[data-counter="2"]`))); err != nil {
		t.Fatal(err)
	}
	tab.Wait(t, `!document.getElementById("console").hidden && !document.getElementById("btn-next").disabled`)
	proxy.Down()
	tab.Wait(t, `document.getElementById("conn").textContent.includes("Mất kết nối")`)
	for _, sel := range officerButtons {
		if ok, _ := browsertest.Eval[bool](tab, fmt.Sprintf(`document.querySelector(%q).disabled`, sel)); !ok {
			t.Errorf("%s can be pressed while the server is unreachable", sel)
		}
	}
	if got, _ := browsertest.Eval[string](tab, `errorText(new TypeError("Failed to fetch"))`); !strings.Contains(got, "Mất kết nối") || strings.Contains(got, "Failed") {
		t.Errorf("a failed request reads %q, want Vietnamese", got)
	}
	proxy.Up()
	tab.Wait(t, `!document.getElementById("btn-next").disabled && !document.getElementById("conn").textContent.includes("Mất kết nối")`)
}

// chartFacts reads each chart's geometry and words.
const chartFacts = `[...document.querySelectorAll("svg.chart")].map((svg) => {
  const box = (e) => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  return {
    id: svg.id,
    x: (svg.querySelector("text.axis-x") || {}).textContent || "",
    y: (svg.querySelector("text.axis-y") || {}).textContent || "",
    legend: [...svg.querySelectorAll("g.legend text")].map((e) => e.textContent),
    target: [...svg.querySelectorAll("line.target")].map((e) => e.dataset.value),
    labels: [...svg.querySelectorAll("text.target-label")].map(box),
    bars: [...svg.querySelectorAll("rect.bar")].map(box),
  };
})`

type chartFact struct {
	ID, X, Y string
	Legend   []string
	Target   []string
	Labels   [][4]float64
	Bars     [][4]float64
}

// testManagerGlass: the manager's charts at office screen sizes: no text
// under 12 px, axes titled with their units, every target a labelled line
// whose label touches no bar, a late-share chart with its 10 % target;
// the live table has headers and "Quầy 1" on one line; dates in the
// hall's day/month/year.
func testManagerGlass(t *testing.T, b *browsertest.Browser) {
	h := servertest.Start(t, servertest.Options{})
	busyDay(t, h)
	for n := 1; n <= 4; n++ {
		h.Do("POST", fmt.Sprintf("/api/v1/counters/%d/next", n), h.Login(fmt.Sprintf("canbo%d", n)), nil, nil)
	}
	tab := b.Tab(t, browsertest.TabOptions{OwnCookies: true})
	signInAt(t, tab, h.URL, "quanly", "/manager")
	tab.Wait(t, `document.querySelectorAll("#live-counters tr").length > 0 && document.getElementById("live-open").textContent === "4"`)
	for _, v := range browsertest.Desktops {
		tab.MustResize(t, v)
		tab.MustLayout(t, v, browsertest.Layout{
			MinFontPx: 12, FontScope: ".charts",
			OneLine: []string{"#live-counters tbody th", "#live-counters thead th", "#live-services thead th"},
			Seen:    []string{"#from", "#to", "#show"},
		})
	}
	charts, err := browsertest.Eval[[]chartFact](tab, chartFacts)
	if err != nil {
		t.Fatal(err)
	}
	if len(charts) < 4 {
		t.Fatalf("%d charts, want 4 (arrivals, waits, satisfaction, late share)", len(charts))
	}
	unit := regexp.MustCompile(`\(([^)]+)\)|%`)
	late := false
	for _, c := range charts {
		if c.X == "" || c.Y == "" || !unit.MatchString(c.Y) {
			t.Errorf("chart %s: axes titled %q and %q; want both, the y axis with its unit", c.ID, c.X, c.Y)
		}
		if c.ID == "chart-wait" && slices.Contains(c.Legend, "phút") {
			t.Errorf("the waiting-time chart's legend says %v: its bars count visits, not minutes", c.Legend)
		}
		if len(c.Target) != len(c.Labels) {
			t.Errorf("chart %s: %d target lines, %d labels", c.ID, len(c.Target), len(c.Labels))
		}
		for _, l := range c.Labels {
			for _, bar := range c.Bars {
				if l[0] < bar[2] && bar[0] < l[2] && l[1] < bar[3] && bar[1] < l[3] {
					t.Errorf("chart %s: the target's label at %v covers a bar at %v", c.ID, l, bar)
				}
			}
		}
		if c.ID == "chart-late" {
			late = true
			if !slices.Equal(c.Target, []string{"10"}) {
				t.Errorf("the late-share chart's target lines are at %v, want 10", c.Target)
			}
		}
	}
	if !late {
		t.Error("no late-share chart (#chart-late)")
	}
	heads, _ := browsertest.Eval[[]string](tab, `[...document.querySelectorAll("#live-counters thead th")].map((e) => e.textContent)`)
	if len(heads) != 4 {
		t.Errorf("the live counters table has headers %q, want four", heads)
	}
	day := regexp.MustCompile(`^\d\d/\d\d/\d{4}$`)
	for _, id := range []string{"from", "to"} {
		if v, _ := browsertest.Eval[string](tab, fmt.Sprintf(`document.getElementById(%q).value`, id)); !day.MatchString(v) {
			t.Errorf("#%s reads %q, want day/month/year", id, v)
		}
	}
	// A date typed as the hall writes it is understood.
	today := hallClock("02/01/2006")[1]
	if err := chromedp.Do(tab.Ctx,
		chromedp.SetValue(chromedp.ID("from"), today),
		chromedp.Click(chromedp.ID("show")),
	); err != nil {
		t.Fatal(err)
	}
	tab.Wait(t, fmt.Sprintf(`new URLSearchParams(location.search).get("from") === %q`, hallClock("2006-01-02")[1]))
}

// testAdminGlass: the admin page at office screen sizes: no horizontal
// overflow with a device's health reported; health is a table with a
// coloured state and the hall's time; revoking a device or disabling an
// account asks first; errors are in Vietnamese with the detail kept; the
// TV notice has a multi-line editor with a preview.
func testAdminGlass(t *testing.T, b *browsertest.Browser) {
	h := servertest.Start(t, servertest.Options{})
	long := strings.Repeat("printer: status query timed out after 300ms on /dev/usb/lp0; ", 6)
	if code := h.Do("POST", "/api/v1/devices/heartbeat", servertest.KioskToken, map[string]any{
		"version": "v0.3.1", "printer": "online, paper near end", "paper": "near_end", "last_error": long, "outbox": 0}, nil); code != 204 {
		t.Fatalf("heartbeat: %d", code)
	}
	tab := b.Tab(t, browsertest.TabOptions{OwnCookies: true})
	tab.Allow("HTTP 404 for " + h.URL + "/api/v1/counters/7") // the bad counter below: no service Z
	signInAt(t, tab, h.URL, "admin", "/admin")
	row := `#devices tr[data-device="kiosk-1"]`
	tab.Wait(t, `!!document.querySelector('`+row+` .status')`)
	for _, v := range browsertest.Desktops {
		tab.MustResize(t, v)
		tab.MustLayout(t, v, browsertest.Layout{Seen: []string{"header.top nav"}})
	}
	if cls := textOf(t, tab, row+" .status"); cls == "" {
		t.Error("kiosk-1 has no state")
	}
	if ok, _ := browsertest.Eval[bool](tab, `document.querySelector('`+row+` .status').classList.contains("warn")`); !ok {
		t.Errorf("kiosk-1, paper near its end, shows %q without the warning colour", textOf(t, tab, row+" .status"))
	}
	if got := textOf(t, tab, row+" .seen"); !regexp.MustCompile(`^\d\d:\d\d \d\d/\d\d/\d{4}$`).MatchString(got) || !slices.Contains(hallClock("15:04"), got[:5]) {
		t.Errorf("kiosk-1 was last seen %q, want the hall's time as hh:mm dd/mm/yyyy", got)
	}
	if got := textOf(t, tab, row+" .version"); got != "v0.3.1" {
		t.Errorf("kiosk-1's version reads %q", got)
	}

	// Revoking asks first; "Huỷ" leaves the device alone.
	confirmOpen := `!!document.querySelector("dialog#confirm[open]")`
	if err := chromedp.Do(tab.Ctx, chromedp.Click(chromedp.CSS(row+" button.revoke"))); err != nil {
		t.Fatal(err)
	}
	tab.Wait(t, confirmOpen)
	if err := chromedp.Do(tab.Ctx, chromedp.Click(chromedp.ID("confirm-no"))); err != nil {
		t.Fatal(err)
	}
	tab.Wait(t, `!`+confirmOpen)
	time.Sleep(300 * time.Millisecond)
	if code := h.Do("POST", "/api/v1/devices/heartbeat", servertest.KioskToken, map[string]any{}, nil); code != 204 {
		t.Fatalf("kiosk-1 after a cancelled revoke: %d, want 204 (still valid)", code)
	}
	if err := chromedp.Do(tab.Ctx, chromedp.Click(chromedp.CSS(row+" button.revoke"))); err != nil {
		t.Fatal(err)
	}
	tab.Wait(t, confirmOpen)
	if err := chromedp.Do(tab.Ctx, chromedp.Click(chromedp.ID("confirm-yes"))); err != nil {
		t.Fatal(err)
	}
	tab.Wait(t, `document.querySelector('`+row+`').classList.contains("revoked")`)

	// Disabling an account asks first too.
	clearFlash(t, tab)
	urow := `#users tr[data-user="canbo6"]`
	if err := chromedp.Do(tab.Ctx,
		chromedp.Click(chromedp.CSS(urow+` input[type=checkbox]`)),
		chromedp.Click(chromedp.CSS(urow+` button`)),
	); err != nil {
		t.Fatal(err)
	}
	tab.Wait(t, confirmOpen)
	if err := chromedp.Do(tab.Ctx, chromedp.Click(chromedp.ID("confirm-yes"))); err != nil {
		t.Fatal(err)
	}
	tab.Wait(t, `(document.getElementById("flash") || {}).textContent === "Đã lưu."`)

	// A bad counter: the error is Vietnamese, the detail kept.
	clearFlash(t, tab)
	crow := `#counters tr:last-child`
	if err := chromedp.Do(tab.Ctx,
		chromedp.SendKeys(chromedp.CSS(crow+` input[type=number]`), "7"),
		chromedp.SendKeys(chromedp.CSS(crow+` input.counter-name`), "Quầy 7"),
		chromedp.SendKeys(chromedp.CSS(crow+` input.counter-services`), "Z"),
		chromedp.Click(chromedp.CSS(crow+` button`)),
	); err != nil {
		t.Fatal(err)
	}
	tab.Wait(t, `(document.getElementById("flash") || {}).className.includes("error")`)
	msg := textOf(t, tab, "#flash")
	if !strings.HasPrefix(msg, "Lỗi: Không tìm thấy — ") || !strings.Contains(msg, `no service "Z"`) {
		t.Errorf("the error reads %q; want Vietnamese first, the server's detail kept", msg)
	}

	// The public base URL: a loopback address is flagged as typed; one a
	// phone could not open is refused in Vietnamese; a good one is kept.
	setBase := func(v string) {
		t.Helper()
		clearFlash(t, tab)
		if _, err := browsertest.Eval[bool](tab, `(document.getElementById("set-base-url").value = "", true)`); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(tab.Ctx, chromedp.SendKeys(chromedp.ID("set-base-url"), v)); err != nil {
			t.Fatal(err)
		}
	}
	setBase("http://localhost:8080")
	tab.Wait(t, `!document.getElementById("base-url-warn").hidden`)
	tab.Allow("HTTP 400 for " + h.URL + "/api/v1/settings")
	if _, err := browsertest.Eval[bool](tab, `(document.getElementById("set-base-url").type = "text", true)`); err != nil {
		t.Fatal(err) // let the browser send what the server must refuse
	}
	setBase("10.20.0.2:8080")
	if err := chromedp.Do(tab.Ctx, chromedp.Click(chromedp.ID("settings-save"))); err != nil {
		t.Fatal(err)
	}
	tab.Wait(t, `(document.getElementById("flash") || {}).className.includes("error")`)
	if msg := textOf(t, tab, "#flash"); !strings.HasPrefix(msg, "Lỗi: Địa chỉ công khai phải là") {
		t.Errorf("a bad base URL reads %q", msg)
	}
	setBase("http://10.20.0.2:8080")
	if err := chromedp.Do(tab.Ctx, chromedp.Click(chromedp.ID("settings-save"))); err != nil {
		t.Fatal(err)
	}
	tab.Wait(t, `(document.getElementById("flash") || {}).textContent === "Đã lưu."`)
	var saved hallq.Settings
	h.Do("GET", "/api/v1/settings", h.Login("admin"), nil, &saved)
	if saved.BaseURL != "http://10.20.0.2:8080" {
		t.Errorf("base_url saved as %q", saved.BaseURL)
	}

	// The notice: two lines, previewed as the TV runs them.
	if rows, _ := browsertest.Eval[int](tab, `document.getElementById("notice").rows`); rows < 4 {
		t.Errorf("the notice editor has %d rows", rows)
	}
	if _, err := browsertest.Eval[bool](tab, `(document.getElementById("notice").value = "", true)`); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(tab.Ctx, chromedp.SendKeys(chromedp.ID("notice"), "Quầy 4 nghỉ hôm nay.\nXin cảm ơn.")); err != nil {
		t.Fatal(err)
	}
	tab.Wait(t, `document.getElementById("notice-preview").textContent.includes("Quầy 4 nghỉ hôm nay. • Xin cảm ơn.")`)
	clearFlash(t, tab)
	if err := chromedp.Do(tab.Ctx, chromedp.Click(chromedp.ID("notice-save"))); err != nil {
		t.Fatal(err)
	}
	tab.Wait(t, `(document.getElementById("flash") || {}).textContent === "Đã lưu."`)
	var set hallq.Settings
	h.Do("GET", "/api/v1/settings", h.Login("admin"), nil, &set)
	if set.Notice != "Quầy 4 nghỉ hôm nay.\nXin cảm ơn." {
		t.Errorf("the notice saved is %q", set.Notice)
	}
	var u struct{ Users []hallq.User }
	h.Do("GET", "/api/v1/users", h.Login("admin"), nil, &u)
	for _, x := range u.Users {
		if x.Username == "canbo6" && !x.Disabled {
			t.Error("canbo6 is still enabled after the confirmed save")
		}
	}
}

// testTopBarOnPhones: an admin, who has every page, on phones (390×844 and
// 360×640) with a hall named as long as halls are: the top bar is at most
// a sixth of the screen's height, the hall's name, the language switch
// and sign-out are seen, and each page's link, scrolled to in the bar's
// row, is seen whole while the page itself never scrolls sideways.
func testTopBarOnPhones(t *testing.T, b *browsertest.Browser) {
	h := servertest.Start(t, servertest.Options{})
	admin := h.Login("admin")
	var set map[string]any
	if code := h.Do("GET", "/api/v1/settings", admin, nil, &set); code != 200 {
		t.Fatalf("settings: %d", code)
	}
	set["name"] = "Trung tâm Phục vụ hành chính công tỉnh Bà Rịa - Vũng Tàu, chi nhánh thành phố Vũng Tàu"
	if code := h.Do("PUT", "/api/v1/settings", admin, set, nil); code != 200 {
		t.Fatalf("renaming the hall: %d", code)
	}
	tab := b.Tab(t, browsertest.TabOptions{OwnCookies: true})
	signInAt(t, tab, h.URL, "admin", "/bookings")
	const links = `[...document.querySelectorAll("header.top nav a")]`
	tab.Wait(t, links+`.map((a) => a.getAttribute("href")).join(" ") === "/officer /manager /bookings /forecast /admin"`)
	for _, v := range browsertest.Phones {
		resizeToTop(t, tab, v)
		height, err := browsertest.Eval[float64](tab, `document.querySelector("header.top").getBoundingClientRect().height`)
		if err != nil {
			t.Fatal(err)
		}
		if height > float64(v.H)/6 {
			t.Errorf("%v: the top bar is %.0f px high, more than a sixth of the screen (%d px)", v, height, v.H/6)
		}
		tab.MustLayout(t, v, browsertest.Layout{MinFontPx: 12, FontScope: "header.top", Seen: []string{"header.top .hall", "#lang-toggle", "#signout"},
			Whole: []string{"#lang-toggle", "#signout"}})
		for i := 1; i <= 5; i++ {
			link := fmt.Sprintf("header.top nav a:nth-of-type(%d)", i)
			if _, err := browsertest.Eval[bool](tab, fmt.Sprintf(`(document.querySelector(%q).scrollIntoView({block: "nearest", inline: "nearest"}), true)`, link)); err != nil {
				t.Fatal(err)
			}
			if err := tab.Settle(); err != nil {
				t.Fatal(err)
			}
			tab.MustLayout(t, v, browsertest.Layout{Seen: []string{link}, Whole: []string{link}})
			if x, err := browsertest.Eval[float64](tab, `scrollX`); err != nil || x != 0 {
				t.Errorf("%v: reaching %s scrolled the page sideways to %v (%v)", v, link, x, err)
			}
		}
	}
}

// resizeToTop resizes the tab to v, waits for the page to settle and
// scrolls it to its top.
func resizeToTop(t *testing.T, tab *browsertest.Tab, v browsertest.Viewport) {
	t.Helper()
	if err := tab.Resize(v); err != nil {
		t.Fatal(err)
	}
	if err := tab.Settle(); err != nil {
		t.Fatal(err)
	}
	if _, err := browsertest.Eval[bool](tab, `(scrollTo(0, 0), true)`); err != nil {
		t.Fatal(err)
	}
}
