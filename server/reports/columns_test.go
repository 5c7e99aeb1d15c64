package reports_test

import (
	"strings"
	"testing"

	"github.com/hallq/hallq/docs"
	"github.com/hallq/hallq/server/servertest"
)

// TestFilesColumnsDefined: every column of every file for Excel (summary,
// summary by day, ticket log, legs, monthly report), in both languages,
// is in docs/REPORTS.md's table of that file's columns, in the file's
// order, and the tables name no column a file does not have: the page of
// definitions and the files cannot drift apart.
func TestFilesColumnsDefined(t *testing.T) {
	h := servertest.Start(t, servertest.Options{})
	mgr := h.Login("quanly")
	h.Do("POST", "/api/v1/tickets", servertest.KioskToken, map[string]string{"service": "A"}, nil)
	files := []struct {
		table, path string
		skip        int // leading columns that name the group, defined under "Groupings"
	}{
		{"summary", "/api/v1/reports/summary?by=service&format=csv", 1},
		{"summary", "/api/v1/reports/summary?by=hour&per_day=1&format=csv", 2},
		{"tickets", "/api/v1/reports/tickets?format=csv", 0},
		{"legs", "/api/v1/reports/tickets?format=csv&legs=1", 0},
		{"monthly", "/api/v1/reports/monthly?format=csv", 0},
	}
	for _, f := range files {
		doc := docColumns(t, f.table)
		for lang, docCol := range map[string]int{"en": 0, "vi": 1} {
			code, body := h.Raw("GET", f.path+"&lang="+lang, mgr, nil)
			if code != 200 {
				t.Fatalf("%s: %d %s", f.path, code, body)
			}
			head := spreadsheetRows(t, f.path, body)[0][f.skip:]
			var want []string
			for _, row := range doc {
				want = append(want, row[docCol])
			}
			if strings.Join(head, " | ") != strings.Join(want, " | ") {
				t.Errorf("%s (%s): the file's columns\n  %q\nREPORTS.md's table %q\n  %q", f.path, lang, head, f.table, want)
			}
		}
	}
}

// docColumns reads REPORTS.md's table of a file's columns (between
// "<!-- columns: NAME -->" and "<!-- end -->"): each row's English and
// Vietnamese header, without the backquotes around them.
func docColumns(t *testing.T, name string) [][2]string {
	t.Helper()
	_, rest, ok := strings.Cut(docs.Reports, "<!-- columns: "+name+" -->\n")
	table, _, ok2 := strings.Cut(rest, "<!-- end -->")
	if !ok || !ok2 {
		t.Fatalf("REPORTS.md has no table of the %s file's columns", name)
	}
	var out [][2]string
	for i, line := range strings.Split(strings.TrimSpace(table), "\n") {
		cells := strings.Split(strings.Trim(line, "| "), " | ")
		if i < 2 {
			continue // the head and its rule
		}
		if len(cells) < 3 {
			t.Fatalf("REPORTS.md, %s columns: row %q has no English, Vietnamese and meaning cells", name, line)
		}
		out = append(out, [2]string{strings.Trim(cells[0], "`"), strings.Trim(cells[1], "`")})
	}
	return out
}
