package server_test

import (
	"encoding/csv"
	"strings"
	"testing"

	"github.com/hallq/hallq/server/servertest"
)

// TestCSVFormulaNeutralised: a cancel reason that Excel would run as a
// formula (OWASP's CSV injection) comes out of the ticket log's CSV as
// text: the cell starts with an apostrophe.
func TestCSVFormulaNeutralised(t *testing.T) {
	h := servertest.Start(t, servertest.Options{})
	tk := issue(t, h, "A")
	const evil = `=HYPERLINK("http://x","y")`
	if code, body := h.Raw("POST", "/api/v1/tickets/"+tk.ID+"/cancel", servertest.KioskToken, `{"reason":"=HYPERLINK(\"http://x\",\"y\")"}`); code != 200 {
		t.Fatalf("cancel: %d %s", code, body)
	}
	manager := h.Login("quanly")
	for _, path := range []string{"/api/v1/reports/tickets?format=csv", "/api/v1/reports/summary?format=csv&by=service"} {
		code, body := h.Raw("GET", path, manager, "")
		if code != 200 {
			t.Fatalf("%s: %d %s", path, code, body)
		}
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(body), "\ufeff"))).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v\n%s", path, err, body)
		}
		for _, row := range rows {
			for _, cell := range row {
				if len(cell) > 0 && strings.ContainsRune("=+@\t\r", rune(cell[0])) {
					t.Errorf("%s: a cell Excel would run: %q", path, cell)
				}
				if strings.Contains(cell, "HYPERLINK") && cell != "'"+evil {
					t.Errorf("%s: the reason came out as %q, want %q", path, cell, "'"+evil)
				}
			}
		}
		if path == "/api/v1/reports/tickets?format=csv" && !strings.Contains(string(body), "'"+strings.ReplaceAll(evil, `"`, `""`)) {
			t.Errorf("the ticket log lacks the neutralised reason:\n%s", body)
		}
	}
}
