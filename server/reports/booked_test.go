package reports_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/server/queue"
	"github.com/hallq/hallq/server/reports"
	"github.com/hallq/hallq/server/servertest"
)

// TestBookedAgainstWalkIns: a booked citizen checks in 10 min before the
// 09:00 slot and is called at 09:03, while a walk-in waits 20 min; the
// summary (JSON and CSV) and the dashboard's table of booked and walk-in
// citizens give each their own waits, and the booked one's wait past the
// booked time. A hall with no booking has no such table.
func TestBookedAgainstWalkIns(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 9, 7, 1, 50, 0, 0, time.UTC) // 08:50 in the hall
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	at := func(hh, mm int) { mu.Lock(); now = time.Date(2026, 9, 7, hh-7, mm, 0, 0, time.UTC); mu.Unlock() }
	h := servertest.Start(t, servertest.Options{Now: clock})
	mgr := h.Login("quanly")
	officer := queue.Actor{User: "canbo1", Role: hallq.RoleOfficer}
	do := func(fn func(e *queue.Engine, now time.Time) (*hallq.Ticket, *queue.Change, error)) {
		t.Helper()
		if _, err := h.Hall.Do(context.Background(), func(e *queue.Engine, now time.Time) (any, *queue.Change, error) { return fn(e, now) }); err != nil {
			t.Fatal(err)
		}
	}
	if code, page := h.Raw("GET", "/manager", mgr, nil); code != 200 || strings.Contains(string(page), `id="booked"`) {
		t.Fatalf("/manager with no booking: %d, booked table shown: %v", code, strings.Contains(string(page), `id="booked"`))
	}
	var walkIn struct{ ID string }
	h.Do("POST", "/api/v1/tickets", servertest.KioskToken, map[string]string{"service": "A"}, &walkIn) // 08:50
	do(func(e *queue.Engine, now time.Time) (*hallq.Ticket, *queue.Change, error) {
		return e.Issue(now, queue.IssueRequest{Service: "A", ID: "booked1", Secret: "s", Booking: "K7M2QX",
			SlotAt: time.Date(2026, 9, 7, 2, 0, 0, 0, time.UTC)})
	})
	if _, err := h.Hall.Do(context.Background(), func(e *queue.Engine, now time.Time) (any, *queue.Change, error) {
		c, ch, err := e.Open(now, 1, officer)
		return c, ch, err
	}); err != nil {
		t.Fatal(err)
	}
	at(9, 3) // the booking is due: called first
	do(func(e *queue.Engine, now time.Time) (*hallq.Ticket, *queue.Change, error) {
		return e.Next(now, 1, officer)
	})
	do(func(e *queue.Engine, now time.Time) (*hallq.Ticket, *queue.Change, error) {
		return e.Finish(now, 1, officer)
	})
	at(9, 10)
	do(func(e *queue.Engine, now time.Time) (*hallq.Ticket, *queue.Change, error) {
		return e.Next(now, 1, officer)
	})

	var sum reports.SummaryResponse
	if code := h.Do("GET", "/api/v1/reports/summary?by=service", mgr, nil, &sum); code != 200 {
		t.Fatalf("summary: %d", code)
	}
	f := sum.Total.Figures
	for _, c := range []struct {
		what string
		got  *float64
		want float64
	}{
		{"booked wait", f.BookedWaitMeanS, 13 * 60},
		{"wait past the booked time", f.SlotWaitMeanS, 3 * 60},
		{"its p90", f.SlotWaitP90S, 3 * 60},
		{"walk-in wait", f.WalkInWaitMeanS, 20 * 60},
	} {
		if c.got == nil {
			t.Errorf("%s: got none, want %v s", c.what, c.want)
		} else if *c.got != c.want {
			t.Errorf("%s: got %v, want %v s", c.what, *c.got, c.want)
		}
	}
	if f.Booked != 1 || f.Issued != 2 {
		t.Errorf("got %d booked of %d issued, want 1 of 2", f.Booked, f.Issued)
	}

	code, page := h.Raw("GET", "/manager", mgr, nil)
	body := string(page)
	i := strings.Index(body, `<table id="booked"`)
	if code != 200 || i < 0 {
		t.Fatalf("/manager: %d, no table of booked and walk-in citizens", code)
	}
	table := body[i : i+strings.Index(body[i:], "</table>")]
	head := table[:strings.Index(table, "</thead>")]
	links := regexp.MustCompile(`<th><a href="`+reports.DefinitionsPath+`#([a-z-]+)">`).FindAllStringSubmatch(head, -1)
	if len(links) != strings.Count(head, "<th>") {
		t.Errorf("booked table: not every column header links to its definition:\n%s", head)
	}
	foot := table[strings.Index(table, "<tfoot>"):]
	for _, want := range []string{`<td class="booked">1 <small>(50.0 %)</small></td>`, `<td class="slot-wait">3.0</td>`, `<td class="walk-in-wait">20.0</td>`} {
		if !strings.Contains(foot, want) {
			t.Errorf("booked table's total lacks %s:\n%s", want, foot)
		}
	}

	q := url.Values{"by": {"service"}, "format": {"csv"}, "lang": {"en"}}
	_, csv := h.Raw("GET", "/api/v1/reports/summary?"+q.Encode(), mgr, nil)
	rows := spreadsheetRows(t, "summary", csv)
	col := func(name string) string {
		t.Helper()
		for j, c := range rows[0] {
			if c == name {
				return rows[len(rows)-1][j] // the total
			}
		}
		t.Fatalf("the summary file has no column %q: %q", name, rows[0])
		return ""
	}
	if col("Checked in with a booking") != "1" || col("Mean wait past the booked time (min)") != "3.0" || col("Mean wait, walk-ins (min)") != "20.0" {
		t.Errorf("the summary file's total: %q", rows[len(rows)-1])
	}
}
