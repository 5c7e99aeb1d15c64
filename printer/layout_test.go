package printer

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hallq/hallq/printer/codepage"
	"github.com/hallq/hallq/printer/decode"
	"github.com/hallq/hallq/printer/raster"
)

func TestNewLayoutChecksAtStartUp(t *testing.T) {
	f := loadFonts(t)
	var mg *raster.MissingGlyphError
	if _, err := NewLayout(Profile{Width: Width80}, f, "Bộ phận Một cửa 日"); !errors.As(err, &mg) {
		t.Errorf("missing glyph: got %v, want MissingGlyphError", err)
	} else if !strings.HasPrefix(err.Error(), "printer: raster: font ") {
		t.Errorf("got %q", err)
	}
	var ue *codepage.UnencodableError
	if _, err := NewLayout(Profile{Width: Width80, Mode: CodePage}, nil, "Hall ☺"); !errors.As(err, &ue) {
		t.Errorf("unencodable: got %v, want UnencodableError", err)
	}
	if _, err := NewLayout(Profile{Width: 500}, f); err == nil {
		t.Error("accepted a width that is not a multiple of 8")
	}
	if _, err := NewLayout(Profile{Width: Width58}, nil); err == nil {
		t.Error("hybrid mode without fonts accepted")
	}
}

func TestTicketErrors(t *testing.T) {
	l, err := NewLayout(Profile{Width: Width80}, loadFonts(t))
	if err != nil {
		t.Fatal(err)
	}
	tk := sampleTicket()
	tk.StatusURL = "https://hall.example/t/số"
	if _, err := l.Ticket(tk); err == nil || !strings.Contains(err.Error(), "not ASCII") {
		t.Errorf("got %v, want a non-ASCII URL error", err)
	}
}

func TestParseMode(t *testing.T) {
	for _, m := range []Mode{Hybrid, Raster, CodePage} {
		if got, err := ParseMode(m.String()); err != nil || got != m {
			t.Errorf("%s: got %v, %v", m, got, err)
		}
	}
	if _, err := ParseMode("laser"); err == nil {
		t.Error("accepted laser")
	}
}

func TestWrapColumns(t *testing.T) {
	runes := func(s string) int { return utf8.RuneCountInString(s) }
	got := wrapColumns("Thời gian chờ dự kiến: khoảng 25 phút", 12, runes)
	want := []string{"Thời gian", "chờ dự kiến:", "khoảng 25", "phút"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %q, want %q", got, want)
	}
	// By CP1258 bytes "chờ dự kiến:" is 15 cells: it no longer fits 12.
	cp := codepage.CP1258Encoding{Page: 52}
	got = wrapColumns("Thời gian chờ dự kiến: khoảng 25 phút", 12, cp.Cells)
	for _, l := range got {
		if cp.Cells(l) > 12 {
			t.Errorf("line %q is %d bytes in CP1258, more than 12 columns (all: %q)", l, cp.Cells(l), got)
		}
	}
	// A word longer than a line is split between letters, never between a
	// letter and its tone byte.
	got = wrapColumns("Nghịệệệệệệệệệệệệệp", 8, cp.Cells)
	for _, l := range got {
		if n := cp.Cells(l); n > 8 {
			t.Errorf("split line %q is %d bytes, more than 8", l, n)
		}
	}
	if strings.Join(got, "") != "Nghịệệệệệệệệệệệệệp" {
		t.Errorf("split lost text: %q", got)
	}
}

// TestCodePageLinesFitTheColumns prints a ticket in CP1258 mode with the
// columns set by the hall and reads the lines back: none is longer, in
// bytes sent, than the printer's line.
func TestCodePageLinesFitTheColumns(t *testing.T) {
	cp := codepage.CP1258Encoding{Page: 52}
	for _, cols := range []int{20, 32} {
		l, err := NewLayout(Profile{Width: Width80, Mode: CodePage, Encoding: cp, Columns: cols, ColumnsSmall: cols}, nil)
		if err != nil {
			t.Fatal(err)
		}
		tk := sampleTicket()
		tk.Hall = "Trung tâm Phục vụ hành chính công tỉnh Khánh Hòa – Bộ phận tiếp nhận và trả kết quả"
		job, err := l.Ticket(tk)
		if err != nil {
			t.Fatal(err)
		}
		res, err := decode.Render(job, decode.Options{Width: Width80, Fonts: loadFonts(t), Pages: codepage.PagesOf(cp)})
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range res.Lines {
			if n := cp.Cells(line); n > cols {
				t.Errorf("%d columns: line %q is %d bytes", cols, line, n)
			}
		}
	}
}

// TestProfileColumnsAndCut: the columns a hall sets decide where printer
// text wraps and how big the number is; the cut is the one configured.
func TestProfileColumnsAndCut(t *testing.T) {
	l, err := NewLayout(Profile{Width: Width80, Mode: CodePage, Columns: 24, Cut: CutFull}, nil)
	if err != nil {
		t.Fatal(err)
	}
	job, err := l.Ticket(sampleTicket())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(job, []byte{0x1D, 'V', 0x00}) {
		t.Errorf("job ends % X, want the full cut 1D 56 00", job[len(job)-3:])
	}
	// 24 columns, 4 digits: each digit 6 characters wide (and not 8, as
	// 576 dots alone would give).
	if !bytes.Contains(job, []byte{0x1D, '!', 0x55}) {
		t.Errorf("no GS ! 0x55 (6×6) for the number with 24 columns")
	}
}

// TestHybridBudget keeps the default ticket within the 8 KB target.
func TestHybridBudget(t *testing.T) {
	l, err := NewLayout(Profile{Width: Width80}, loadFonts(t))
	if err != nil {
		t.Fatal(err)
	}
	job, err := l.Ticket(sampleTicket())
	if err != nil {
		t.Fatal(err)
	}
	if len(job) > 8192 {
		t.Errorf("hybrid 80 mm ticket is %d bytes, want ≤ 8192", len(job))
	}
}
