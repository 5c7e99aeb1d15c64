package excelcsv

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
)

// TestSpreadsheetRules: the file starts with the BOM, lines end in CRLF,
// formula-looking cells get an apostrophe (plain numbers stay numbers),
// and every cell reads back as written otherwise.
func TestSpreadsheetRules(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	rows := [][]string{
		{"Số thứ tự", "Cán bộ", "Giá trị"},
		{"=HYPERLINK(\"http://x\",\"y\")", "+84 90", "-3.5"},
		{"-1+2", "@SUM(A1:A2)", "12"},
		{"\tx", "\rcmd", "a,b\n\"c\""},
	}
	for _, r := range rows {
		if err := w.Write(r...); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasPrefix(out, BOM) {
		t.Errorf("no byte-order mark: %q", out[:10])
	}
	if strings.Count(out, "\n") != strings.Count(out, "\r\n") || strings.Count(out, "\r\n") != len(rows)+1 {
		t.Errorf("lines do not end in CRLF (a line break inside a quoted cell too, as Excel writes it):\n%q", out)
	}
	got, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(out, BOM))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"Số thứ tự", "Cán bộ", "Giá trị"},
		{"'=HYPERLINK(\"http://x\",\"y\")", "'+84 90", "-3.5"},
		{"'-1+2", "'@SUM(A1:A2)", "12"},
		// A carriage return alone in a cell is dropped by the CRLF encoding.
		{"'\tx", "'cmd", "a,b\n\"c\""},
	}
	for i := range want {
		for j := range want[i] {
			if g, w := got[i][j], want[i][j]; g != w {
				t.Errorf("row %d cell %d: got %q, want %q", i, j, g, w)
			}
		}
	}
}
