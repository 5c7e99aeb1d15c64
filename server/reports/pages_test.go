package reports_test

import (
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/server/queue"
	"github.com/hallq/hallq/server/reports"
	"github.com/hallq/hallq/server/servertest"
)

// TestDefinitionsLinked: every column header of the dashboard links to its
// definition, and each link's anchor is on the page of definitions
// (docs/REPORTS.md as served), which managers may open and officers may
// not.
func TestDefinitionsLinked(t *testing.T) {
	h := servertest.Start(t, servertest.Options{})
	mgr := h.Login("quanly")
	h.Do("POST", "/api/v1/tickets", servertest.KioskToken, map[string]string{"service": "A"}, nil)
	code, page := h.Raw("GET", "/manager", mgr, nil)
	if code != 200 {
		t.Fatalf("/manager: %d", code)
	}
	head := string(page)
	head = head[strings.Index(head, `<table id="summary"`):]
	head = head[:strings.Index(head, "</thead>")]
	ths := strings.Count(head, "<th>")
	links := regexp.MustCompile(`<th><a href="`+reports.DefinitionsPath+`#([a-z-]+)">`).FindAllStringSubmatch(head, -1)
	if len(links) == 0 || len(links) != ths {
		t.Fatalf("%d column headers, %d linked to their definition:\n%s", ths, len(links), head)
	}
	code, defs := h.Raw("GET", reports.DefinitionsPath, mgr, nil)
	if code != 200 || !strings.Contains(string(defs), "<h1>hallq — what every report figure means</h1>") {
		t.Fatalf("definitions: %d\n%.300s", code, defs)
	}
	for _, l := range links {
		if !strings.Contains(string(defs), `<a id="`+l[1]+`"></a>`) {
			t.Errorf("the dashboard links to #%s, which the definitions do not have", l[1])
		}
	}
	if code, _ := h.Raw("GET", reports.DefinitionsPath, h.Login("canbo1"), nil); code != 403 {
		t.Errorf("an officer at the definitions: got %d, want 403", code)
	}
}

// TestTargetChangeMarked: a change of a service's target wait is listed
// with the summary (target_changes) and on the dashboard, by day the day's
// row is marked, and the tickets before it keep their own target: the day
// before reads the same before and after the change.
func TestTargetChangeMarked(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 9, 7, 1, 0, 0, 0, time.UTC) // 08:00 in the hall
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	step := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	h := servertest.Start(t, servertest.Options{Now: clock})
	admin, mgr, off := h.Login("admin"), h.Login("quanly"), h.Login("canbo1")
	h.Do("POST", "/api/v1/counters/1/open", off, nil, nil)
	h.Do("POST", "/api/v1/tickets", servertest.KioskToken, map[string]string{"service": "A"}, nil)
	step(10 * time.Minute)
	h.Do("POST", "/api/v1/counters/1/next", off, nil, nil) // waited 10 min: within A's 15
	const q = "/api/v1/reports/summary?from=2026-09-07&by=service"
	var before reports.SummaryResponse
	h.Do("GET", q, mgr, nil, &before)

	step(time.Minute)
	var a hallq.Service
	h.Hall.View(func(e *queue.Engine, _ time.Time) {
		for _, sv := range e.Services() {
			if sv.Code == "A" {
				a = sv
			}
		}
	})
	a.TargetWaitMin = 5
	if code := h.Do("PUT", "/api/v1/services/A", admin, a, nil); code != 200 {
		t.Fatalf("changing A's target: %d", code)
	}
	var after reports.SummaryResponse
	h.Do("GET", q, mgr, nil, &after)
	if len(after.TargetChanges) != 1 || after.TargetChanges[0].Before.WaitMin["A"] != 15 || after.TargetChanges[0].After.WaitMin["A"] != 5 {
		t.Fatalf("target changes: %+v, want A 15 → 5", after.TargetChanges)
	}
	if b, a := *before.Rows[0].WithinTargetPct, *after.Rows[0].WithinTargetPct; b != 100 || a != 100 {
		t.Errorf("A within target: %v before the change, %v after; want 100 both (the ticket keeps its own target)", b, a)
	}
	code, page := h.Raw("GET", "/manager?from=2026-09-07&to=2026-09-07&by=day", mgr, nil)
	body := string(page)
	if code != 200 || !strings.Contains(body, `id="target-changes"`) || !strings.Contains(body, "Hộ tịch: thời gian chờ mục tiêu 15 → 5 phút") {
		t.Fatalf("dashboard: %d, no list of target changes naming A's", code)
	}
	if !regexp.MustCompile(`<tr data-key="2026-09-07" class="target-change">`).MatchString(body) {
		t.Errorf("the day of the change is not marked in the table by day")
	}
}

// TestMonthly: the monthly report a hall sends up: one month, per
// service, counter and officer and in total, as JSON, as a CSV file for
// Excel and as a printable page with the hall's name, the period and the
// signature lines; a bad month is a 400 naming it.
func TestMonthly(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 10, 2, 2, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	step := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	h := servertest.Start(t, servertest.Options{Now: clock})
	off := h.Login("canbo1")
	h.Do("POST", "/api/v1/counters/1/open", off, nil, nil)
	for range 3 {
		h.Do("POST", "/api/v1/tickets", servertest.KioskToken, map[string]string{"service": "A"}, nil)
	}
	step(20 * time.Minute)
	h.Do("POST", "/api/v1/counters/1/next", off, nil, nil) // over A's 15
	step(time.Minute)
	h.Do("POST", "/api/v1/counters/1/finish", off, nil, nil)
	h.Do("POST", "/api/v1/ratings", servertest.PadToken(1), map[string]any{"counter": 1, "score": 2, "device_seq": 1, "age_ms": 0}, nil)
	h.Do("POST", "/api/v1/counters/1/next", off, nil, nil)
	h.Do("POST", "/api/v1/counters/1/no-show", off, nil, nil)
	mgr := h.Login("quanly")

	var m reports.MonthlyResponse
	if code := h.Do("GET", "/api/v1/reports/monthly?month=2026-10", mgr, nil, &m); code != 200 {
		t.Fatalf("monthly: %d", code)
	}
	var bys []string
	for _, s := range m.Sections {
		bys = append(bys, string(s.By))
	}
	if m.From != "2026-10-01" || m.To != "2026-10-31" || !slices.Equal(bys, []string{"service", "counter", "officer"}) {
		t.Errorf("monthly: %s to %s by %v; want October by service, counter, officer", m.From, m.To, bys)
	}
	// October is not over on the 2nd: its figures hold up to today, and say so.
	if m.Through != "2026-10-02" || !m.InProgress {
		t.Errorf("monthly of the current month: through %s, in progress %v; want through 2026-10-02, in progress", m.Through, m.InProgress)
	}
	tot := m.Total
	if tot.Issued != 3 || tot.Served != 1 || tot.NoShows != 1 || tot.OverTargetPct == nil || *tot.OverTargetPct != 100 ||
		tot.SatisfiedPct == nil || *tot.SatisfiedPct != 100 || tot.VerySatisfiedPct == nil || *tot.VerySatisfiedPct != 0 {
		t.Errorf("monthly total: %+v", tot)
	}

	code, body := h.Raw("GET", "/api/v1/reports/monthly?month=2026-10&format=csv&lang=en", mgr, nil)
	rows := spreadsheetRows(t, "monthly", body)
	if code != 200 || len(rows) < 5 {
		t.Fatalf("monthly CSV: %d %q", code, rows)
	}
	head := rows[0]
	last := rows[len(rows)-1]
	if last[0] != "Total" || last[1] != "" || last[column(t, head, "Tickets issued")] != "3" || last[column(t, head, "Share over target wait (%)")] != "100.0" ||
		last[column(t, head, "Target: over target wait at most (%)")] != "10" || last[column(t, head, "Target: satisfaction at least (%)")] != "80" {
		t.Errorf("monthly CSV total: %q under %q", last, head)
	}
	sections := map[string]bool{}
	for _, r := range rows[1:] {
		sections[r[0]] = true
	}
	for _, s := range []string{"Service", "Counter", "Officer"} {
		if !sections[s] {
			t.Errorf("monthly CSV has no %s rows: %q", s, rows)
		}
	}

	code, page := h.Raw("GET", "/manager/monthly?month=2026-10", mgr, nil)
	for _, want := range []string{"Báo cáo tháng tình hình tiếp nhận và trả kết quả 10/2026", "từ ngày 01/10/2026 đến ngày 02/10/2026",
		`<strong id="in-progress">(tháng chưa kết thúc`, "NGƯỜI LẬP BIỂU", "THỦ TRƯỞNG ĐƠN VỊ", `<tbody data-by="officer">`, "canbo1", h.Hall.Settings().Name} {
		if !strings.Contains(string(page), want) {
			t.Errorf("monthly page (%d) lacks %q", code, want)
		}
	}
	if strings.Contains(string(page), `id="next-month"`) {
		t.Errorf("the current month's page links to the month after, which has not begun")
	}
	// A month that is over: its last day, no note, a link to the next.
	code, page = h.Raw("GET", "/manager/monthly?month=2026-09", mgr, nil)
	for _, want := range []string{"từ ngày 01/09/2026 đến ngày 30/09/2026", `id="next-month"`} {
		if !strings.Contains(string(page), want) {
			t.Errorf("September's page (%d) lacks %q", code, want)
		}
	}
	if strings.Contains(string(page), `id="in-progress"`) {
		t.Errorf("September's page says the month is not over")
	}
	// Without a month: the month before the current one.
	if m = (reports.MonthlyResponse{}); h.Do("GET", "/api/v1/reports/monthly", mgr, nil, &m) != 200 || m.Month != "2026-09" {
		t.Errorf("default month: %s, want 2026-09", m.Month)
	}
	if m.Through != "2026-09-30" || m.InProgress {
		t.Errorf("September: through %s, in progress %v; want through 2026-09-30, not in progress", m.Through, m.InProgress)
	}
	for bad, msg := range map[string]string{"2026-13": "want a month as YYYY-MM", "10/2026": "want a month as YYYY-MM", "2026-11": "has not begun yet"} {
		code, body := h.Raw("GET", "/api/v1/reports/monthly?month="+bad, mgr, nil)
		if code != 400 || !strings.Contains(string(body), msg) {
			t.Errorf("month=%s: %d %s", bad, code, body)
		}
	}
}

// TestGroupingWrittenUnderTable: under the dashboard's table, the one
// definition of what its rows count by (by hour: the hour of issue, the
// call's included), under the hour chart what its bars count; a press no
// ticket took has its own row by service, named.
func TestGroupingWrittenUnderTable(t *testing.T) {
	h := servertest.Start(t, servertest.Options{})
	mgr := h.Login("quanly")
	h.Do("POST", "/api/v1/tickets", servertest.KioskToken, map[string]string{"service": "A"}, nil)
	if code := h.Do("POST", "/api/v1/ratings", servertest.PadToken(5), map[string]any{"counter": 5, "score": 1, "device_seq": 1, "age_ms": 0}, nil); code != 201 {
		t.Fatalf("a press at an idle counter: %d", code)
	}
	for by, want := range map[string]string{
		"service": "lượt bấm không gắn phiếu ở dòng “(không gắn phiếu)”",
		"counter": "Mỗi phiếu tính vào quầy của lần gọi cuối",
		"officer": "Mỗi phiếu tính vào cán bộ của lần gọi cuối",
		"day":     "Mỗi phiếu tính vào ngày lấy số",
		"hour":    "tính vào giờ lấy số",
	} {
		code, page := h.Raw("GET", "/manager?by="+by, mgr, nil)
		body := string(page)
		i := strings.Index(body, `id="grouping-def"`)
		if code != 200 || i < 0 || !strings.Contains(body[i:i+600], want) {
			t.Errorf("by %s: no definition of the rows under the table (%d)", by, code)
		}
		if !strings.Contains(body, `id="chart-hour-def"`) {
			t.Errorf("by %s: no definition under the hour chart", by)
		}
	}
	var sum reports.SummaryResponse
	h.Do("GET", "/api/v1/reports/summary?by=service", mgr, nil, &sum)
	var found bool
	for _, r := range sum.Rows {
		if r.Key == "" {
			found = true
			if r.Label != "(không gắn phiếu)" || r.Presses != 1 || r.Unattached != 1 {
				t.Errorf("the row of presses on no ticket: %q, %d presses, %d unattached", r.Label, r.Presses, r.Unattached)
			}
		}
	}
	if !found || sum.Total.Presses != 1 {
		t.Errorf("by service: no row of presses on no ticket (total presses %d)", sum.Total.Presses)
	}
}
