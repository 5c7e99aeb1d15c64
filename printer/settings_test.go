package printer

import (
	"strings"
	"testing"

	"github.com/hallq/hallq/printer/codepage"
)

func intp(n int) *int { return &n }

func TestSettingsOverrideEveryNumber(t *testing.T) {
	pad := true
	p, errs := Settings{Paper: "58mm", Dots: 432, Mode: "codepage", Family: "bixolon", CodePage: "cp1258",
		CP1258Page: intp(42), Columns: 36, ColumnsSmall: 48, PadRaster: &pad, Cut: "feed"}.Profile()
	if errs != nil {
		t.Fatalf("got %v", errs)
	}
	want := Profile{Width: 432, Mode: CodePage, Encoding: codepage.CP1258Encoding{Page: 42}, Columns: 36, ColumnsSmall: 48, PadRaster: true, Cut: CutFeed}
	if p != want {
		t.Errorf("got %+v, want %+v", p, want)
	}
	p, errs = Settings{Family: "bixolon", Mode: "codepage", TCVN3Lower: intp(40), TCVN3Upper: intp(41)}.Profile()
	if errs != nil || p.Encoding != (codepage.TCVN3{Lower: 40, Upper: 41}) {
		t.Errorf("TCVN-3 override: got %+v %v", p, errs)
	}
	// Defaults: Epson, TCVN-3 30/31, 80 mm, partial cut.
	p, errs = Settings{}.Profile()
	if errs != nil || p.Width != Width80 || p.Encoding != (codepage.TCVN3{Lower: 30, Upper: 31}) || p.Cut != CutPartial {
		t.Errorf("defaults: got %+v %v", p, errs)
	}
}

func TestSettingsNameTheBadOne(t *testing.T) {
	for _, tt := range []struct {
		s       Settings
		setting string
		want    string
	}{
		{Settings{Paper: "A4"}, SetPaper, `not "A4"`},
		{Settings{Dots: 500}, SetDots, "multiple of 8"},
		{Settings{Mode: "laser"}, SetMode, "hybrid, raster or codepage"},
		{Settings{Family: "acme"}, SetFamily, "epson, citizen"},
		{Settings{CodePage: "viscii"}, SetCodePage, "tcvn3 or cp1258"},
		{Settings{TCVN3Lower: intp(300)}, SetTCVN3Lower, "1 to 255"},
		{Settings{CP1258Page: intp(0)}, SetCP1258Page, "1 to 255"},
		{Settings{Mode: "codepage", TCVN3Lower: intp(31)}, SetTCVN3Upper, "both are 31"},
		{Settings{Mode: "codepage", Family: "bixolon", CodePage: "cp1258"}, SetCP1258Page, "no known CP1258 page"},
		{Settings{Mode: "codepage", Family: "generic", CodePage: "tcvn3"}, SetTCVN3Lower, "no known TCVN-3 pages"},
		{Settings{Columns: 200}, SetColumns, "8 to 96"},
		{Settings{ColumnsSmall: 3}, SetColumnsSmall, "8 to 96"},
		{Settings{Cut: "guillotine"}, SetCut, "partial"},
	} {
		_, errs := tt.s.Profile()
		if len(errs) != 1 || errs[0].Setting != tt.setting || !strings.Contains(errs[0].Msg, tt.want) {
			t.Errorf("%+v: got %v, want one error on %s containing %q", tt.s, errs, tt.setting, tt.want)
		}
	}
	// A family without CP1258 is no problem outside code-page mode.
	if _, errs := (Settings{Family: "bixolon", CodePage: "cp1258"}).Profile(); errs != nil {
		t.Errorf("hybrid mode: got %v", errs)
	}
}
