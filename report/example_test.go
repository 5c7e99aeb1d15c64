package report_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/report"
)

// TestWorkedExample builds the worked example of docs/REPORTS.md through
// the queue engine and the store, and checks every figure of its table:
// the documentation and the code say the same.
func TestWorkedExample(t *testing.T) {
	doc, err := os.ReadFile("../docs/REPORTS.md")
	if err != nil {
		t.Fatal(err)
	}
	want := docTable(t, string(doc), "<!-- worked example: by service -->", map[string]string{"A": "A", "B": "B", "(no ticket)": "", "total": "total"})

	h := newTestHall(t, day1, func(s *hallq.Settings) { s.ClosingTime = "17:00" })
	h.open(1)
	h.open(2)
	h.clock("08:00")
	h.issue("A")
	h.clock("08:02")
	h.issue("A")
	h.clock("08:05")
	h.issue("B")
	h.clock("08:10")
	a001 := h.call(1, "t001")
	h.clock("08:12")
	h.call(2, "t003")
	h.clock("08:13")
	h.noShow(1)
	h.clock("08:14")
	h.call(1, "t002")
	h.clock("08:15")
	h.start(2)
	h.clock("08:19")
	h.finish(2)
	h.clock("08:20")
	mustTake(t, h.rate(2, 2), "t003")
	h.requeue(a001)
	h.clock("08:21")
	leg := h.transfer(1, "B")
	h.clock("08:24")
	h.call(2, leg)
	h.clock("08:25")
	h.call(1, a001)
	h.clock("08:26")
	h.finish(2)
	h.clock("08:27")
	mustTake(t, h.rate(2, 3), leg)
	h.clock("08:30")
	h.finish(1)
	h.clock("08:31")
	mustTake(t, h.rate(1, 3), a001)
	h.clock("08:40")
	mustTake(t, h.rate(1, 1), "")
	h.clock("16:50")
	h.issue("A")
	h.clock("17:00")
	h.at(day1.AddDate(0, 0, 1))

	day := day1.Format(time.DateOnly)
	for _, today := range []string{day, ""} { // live, then rolled up
		checkFigs(t, "worked example", h.figures(h.query(day, day, report.ByService, today)), want)
		// "by counter, in counter 1's": the press on no ticket was made at
		// pad 1, beside A001's; pad 2 took B001's and A002's leg's.
		checkFigs(t, "worked example by counter", h.figures(h.query(day, day, report.ByCounter, today)), figs{
			"1": {"presses": 2, "unattached_presses": 1, "satisfied_pct": 50},
			"2": {"presses": 2, "unattached_presses": 0, "satisfied_pct": 100},
			"0": {"issued": 1, "closed_waiting": 1, "presses": 0},
		})
	}
}

func mustTake(t *testing.T, r *hallq.Rating, ticket string) {
	t.Helper()
	if r.TicketID != ticket {
		t.Fatalf("press %d on counter %d: took %q, want %q (%s)", r.Score, r.Counter, r.TicketID, ticket, r.Unattached)
	}
}

// docTable reads the markdown table after marker: the first column names
// a figure (`name`), the others groups, whose headers keys maps to group
// keys.
func docTable(t *testing.T, doc, marker string, keys map[string]string) figs {
	t.Helper()
	i := strings.Index(doc, marker)
	if i < 0 {
		t.Fatalf("no %q in the document", marker)
	}
	var cols []string
	out := figs{}
	for n, line := range strings.Split(doc[i+len(marker):], "\n")[1:] {
		if !strings.HasPrefix(line, "|") {
			break
		}
		cells := strings.Split(strings.Trim(line, "| "), "|")
		for j := range cells {
			cells[j] = strings.TrimSpace(cells[j])
		}
		switch n {
		case 0:
			for _, c := range cells[1:] {
				k, ok := keys[c]
				if !ok {
					t.Fatalf("column %q of the table is not a known group", c)
				}
				cols = append(cols, k)
				out[k] = map[string]any{}
			}
			continue
		case 1:
			continue
		}
		field := strings.Trim(cells[0], "`")
		for j, v := range cells[1:] {
			var val any = v
			if v == "null" {
				val = nil
			}
			out[cols[j]][field] = val
		}
	}
	if len(out) == 0 {
		t.Fatalf("no table after %q", marker)
	}
	return out
}
