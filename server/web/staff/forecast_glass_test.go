package staff_test

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hallq/hallq/internal/browsertest"
	"github.com/hallq/hallq/server/config"
	"github.com/hallq/hallq/server/servertest"
	"github.com/hallq/hallq/server/sqlite"
	"github.com/hallq/hallq/simhall"
	"github.com/hallq/hallq/staffing"
)

// testForecastGlass: the manager's 'Dự báo' page on a hall with four
// weeks of seeded history, at office screen sizes: reached from the
// menu; tomorrow by default, in Vietnamese, with its weekday and date as
// the hall writes them; while the plan is being made it says so and then
// shows itself; both charts with titled axes and units, the 80 % band,
// the forecast and the counters needed in their legends, no text under
// 12 px; a row per hour as the API has; the CSV link for that day; today
// with what has come and the counters open; a date typed as the hall
// writes it is understood, a wrong one is refused on the page.
func testForecastGlass(t *testing.T, b *browsertest.Browser) {
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	// The hall's clock reads a Tuesday morning ahead of the real one (the
	// browser drops a session cookie that expired by its own clock),
	// with that day and the next no holiday.
	today := hallTuesday(time.Now().In(loc))
	clock := servertest.NewClock(today.Add(9*time.Hour + 30*time.Minute))
	tomorrow := today.AddDate(0, 0, 1)
	h := servertest.Start(t, servertest.Options{Now: clock.Now, Plan: &staffing.Options{Replications: 3},
		Setup: func(db *sqlite.DB) error {
			dm := simhall.RealisticDemand(60)
			_, err := simhall.Seed(context.Background(), db, simhall.SeedConfig{Days: 28, End: clock.Now(), Seed: 5, Demand: &dm})
			return err
		}})
	h.Do("POST", "/api/v1/tickets", servertest.KioskToken, map[string]any{"service": "A"}, nil)
	h.Do("POST", "/api/v1/counters/1/open", h.Login("canbo1"), nil, nil)
	clock.Set(clock.Now().Add(45 * time.Minute))

	tab := b.Tab(t, browsertest.TabOptions{OwnCookies: true})
	signInAt(t, tab, h.URL, "quanly", "/manager")
	if err := chromedp.Do(tab.Ctx, chromedp.Click(`header.top nav a[href="/forecast"]`)); err != nil {
		t.Fatal(err)
	}
	// The first view waits for the plan: it says so, then shows it.
	if err := tab.WaitFor(`!!document.getElementById("chart-forecast") || !!document.getElementById("pending")`, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := tab.WaitFor(`!!document.getElementById("chart-forecast")`, 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	if nav := textOf(t, tab, "header.top nav a.active"); nav != "Dự báo" {
		t.Errorf("the active menu entry reads %q, want Dự báo", nav)
	}
	if head := textOf(t, tab, "#forecast-head h1"); !strings.Contains(head, "Thứ Tư "+tomorrow.Format("02/01/2006")) {
		t.Errorf("the heading reads %q, want tomorrow, Thứ Tư %s", head, tomorrow.Format("02/01/2006"))
	}
	if v := textOf(t, tab, "#plan-verdict"); !strings.Contains(v, "Kế hoạch") || !strings.Contains(v, "%") {
		t.Errorf("the plan's verdict reads %q", v)
	}
	for _, v := range browsertest.Desktops {
		tab.MustResize(t, v)
		tab.MustLayout(t, v, browsertest.Layout{
			MinFontPx: 12, FontScope: ".charts",
			Seen:    []string{"#date", "#show", "#csv", "#day-total", "#plan-verdict"},
			OneLine: []string{"#forecast-hours tbody th", "#day-total"},
		})
	}
	noGarbage(t, tab)
	charts, err := browsertest.Eval[[]chartFact](tab, chartFacts)
	if err != nil {
		t.Fatal(err)
	}
	unit := regexp.MustCompile(`\(([^)]+)\)`)
	legends := map[string][]string{"chart-forecast": {"Khoảng 80 %", "Dự báo"}, "chart-counters": {"Cần mở"}}
	for _, c := range charts {
		if c.X == "" || !unit.MatchString(c.Y) {
			t.Errorf("chart %s: axes titled %q and %q; want both, the y axis with its unit", c.ID, c.X, c.Y)
		}
		for _, l := range legends[c.ID] {
			if !slices.Contains(c.Legend, l) {
				t.Errorf("chart %s: legend %q lacks %q", c.ID, c.Legend, l)
			}
		}
		delete(legends, c.ID)
	}
	for id := range legends {
		t.Errorf("no chart #%s", id)
	}
	var api struct{ Hours []struct{ Hour int } }
	h.Do("GET", "/api/v1/forecast?date="+tomorrow.Format(time.DateOnly), h.Login("quanly"), nil, &api)
	rows, _ := browsertest.Eval[int](tab, `document.querySelectorAll("#forecast-hours tbody tr").length`)
	if rows == 0 || rows != len(api.Hours) {
		t.Errorf("%d rows of hours on the page, the API has %d", rows, len(api.Hours))
	}
	if href, _ := browsertest.Eval[string](tab, `document.getElementById("csv").getAttribute("href")`); !strings.Contains(href, "date="+tomorrow.Format(time.DateOnly)) || !strings.Contains(href, "format=csv") {
		t.Errorf("the CSV link is %q, want tomorrow's CSV", href)
	}

	// A wrong date is refused on the page; today's, typed as the hall
	// writes it, shows what has come and the counters open.
	if err := chromedp.Do(tab.Ctx, chromedp.SetValue(chromedp.ID("date"), "31/02/2026"), chromedp.Click(chromedp.ID("show"))); err != nil {
		t.Fatal(err)
	}
	tab.Wait(t, `!document.getElementById("date-error").hidden`)
	if err := chromedp.Do(tab.Ctx, chromedp.SetValue(chromedp.ID("date"), today.Format("02/01/2006")), chromedp.Click(chromedp.ID("show"))); err != nil {
		t.Fatal(err)
	}
	if err := tab.WaitFor(`new URLSearchParams(location.search).get("date") === "`+today.Format(time.DateOnly)+`" && !!document.getElementById("day-actual")`, 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	if n := textOf(t, tab, "#day-actual"); n != "1" {
		t.Errorf("today's arrivals read %q, want 1", n)
	}
	noGarbage(t, tab)
	charts, _ = browsertest.Eval[[]chartFact](tab, chartFacts)
	for _, c := range charts {
		if want := map[string]string{"chart-forecast": "Thực tế", "chart-counters": "Đã mở"}[c.ID]; !slices.Contains(c.Legend, want) {
			t.Errorf("today's chart %s: legend %q lacks %q", c.ID, c.Legend, want)
		}
	}
	if err := tab.Navigate(h.URL + "/forecast?lang=en&date=" + today.Format(time.DateOnly)); err != nil {
		t.Fatal(err)
	}
	if head := textOf(t, tab, "#forecast-head h1"); head != "Forecast for Tuesday "+today.Format("02/01/2006") {
		t.Errorf("in English the heading reads %q", head)
	}
}

// hallTuesday is the first Tuesday after now (midnight, in now's zone)
// that, with the Wednesday after it, is not one of the demo's holidays.
func hallTuesday(now time.Time) time.Time {
	d := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, now.Location())
	for d.Weekday() != time.Tuesday || slices.Contains(config.DemoHolidays(), d.Format(time.DateOnly)) ||
		slices.Contains(config.DemoHolidays(), d.AddDate(0, 0, 1).Format(time.DateOnly)) {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

// noGarbage fails on a page that shows a template's formatting error
// (%!f(…)), NaN or undefined anywhere, charts included.
func noGarbage(t *testing.T, tab *browsertest.Tab) {
	t.Helper()
	text, err := browsertest.Eval[string](tab, `document.body.innerText + " " + [...document.querySelectorAll("svg text, svg title")].map((e) => e.textContent).join(" ")`)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"%!", "NaN", "undefined", "<nil>"} {
		if i := strings.Index(text, bad); i >= 0 {
			t.Errorf("the page shows %q: …%s…", bad, text[max(0, i-60):min(len(text), i+60)])
		}
	}
}
