package printer

import (
	"errors"
	"strings"
	"testing"

	"github.com/hallq/hallq/printer/codepage"
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
	got := wrapColumns("Thời gian chờ dự kiến: khoảng 25 phút", 12)
	want := []string{"Thời gian", "chờ dự kiến:", "khoảng 25", "phút"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %q, want %q", got, want)
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
