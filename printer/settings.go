package printer

import (
	"fmt"

	"github.com/hallq/hallq/printer/codepage"
)

// Settings are a printer profile as a hall writes it down (the kiosk's
// [printer] section, the escpos tool's flags): a paper, a mode and a
// family whose numbers are the defaults, and any of those numbers
// overridden — because printer tables disagree, and the printer's own
// self-test page is the last word. Zero values and nil pointers keep the
// default.
type Settings struct {
	Paper string // "80mm" (576 dots, the default), "58mm" (384) or "80mm-180dpi" (512)
	Dots  int    // printable dots across, overriding Paper's
	Mode  string // hybrid (default), raster or codepage
	// Family gives the default code page numbers: epson (default),
	// citizen, bixolon, generic or rongta.
	Family string
	// CodePage is the Vietnamese code page for Mode codepage: tcvn3 or
	// cp1258; "" is TCVN-3 where the family has it, else CP1258.
	CodePage string
	// ESC t numbers overriding the family's.
	TCVN3Lower, TCVN3Upper, CP1258Page *int
	// Characters per line in font A and font B; 0 derives them from the
	// dots (12 and 9 dots a character).
	Columns, ColumnsSmall int
	PadRaster             *bool  // see Profile.PadRaster; default off
	Cut                   string // partial (default), full or feed (feed to the cutter, then cut)
}

// Setting names, as they appear in a kiosk.toml's [printer] section; the
// escpos tool maps them to its flags.
const (
	SetPaper        = "paper"
	SetDots         = "dots"
	SetMode         = "mode"
	SetFamily       = "family"
	SetCodePage     = "code_page"
	SetTCVN3Lower   = "tcvn3_lower"
	SetTCVN3Upper   = "tcvn3_upper"
	SetCP1258Page   = "cp1258_page"
	SetColumns      = "columns"
	SetColumnsSmall = "columns_small"
	SetCut          = "cut"
)

// SettingError is a setting that cannot be used: Setting names it, Msg
// says why and what would do.
type SettingError struct {
	Setting, Msg string
}

func (e *SettingError) Error() string { return fmt.Sprintf("printer: %s: %s", e.Setting, e.Msg) }

// FamilyNames lists the known families, for messages.
const FamilyNames = "epson, citizen, bixolon, generic or rongta"

// Profile resolves the settings into a profile for NewLayout, with every
// problem found (nil when there is none).
func (s Settings) Profile() (Profile, []*SettingError) {
	var errs []*SettingError
	bad := func(setting, format string, args ...any) {
		errs = append(errs, &SettingError{Setting: setting, Msg: fmt.Sprintf(format, args...)})
	}
	p := Profile{Width: s.width(bad)}
	mode := s.Mode
	if mode == "" {
		mode = "hybrid"
	}
	m, err := ParseMode(mode)
	if err != nil {
		bad(SetMode, "must be hybrid, raster or codepage, not %q", s.Mode)
	}
	p.Mode = m

	fam := s.family(bad)
	p.Encoding = s.encoding(fam, m == CodePage, bad)

	for _, c := range []struct {
		setting string
		v       int
		dst     *int
		cell    int
	}{{SetColumns, s.Columns, &p.Columns, 12}, {SetColumnsSmall, s.ColumnsSmall, &p.ColumnsSmall, 9}} {
		if c.v == 0 {
			continue
		}
		// A printer font narrower than 6 dots does not exist.
		if most := p.Width / 6; c.v < 8 || c.v > most {
			bad(c.setting, "%d characters a line: want 8 to %d for %d dots (font A is usually %d)", c.v, most, p.Width, p.Width/c.cell)
			continue
		}
		*c.dst = c.v
	}
	if s.PadRaster != nil {
		p.PadRaster = *s.PadRaster
	}
	switch s.Cut {
	case "", "partial":
		p.Cut = CutPartial
	case "full":
		p.Cut = CutFull
	case "feed":
		p.Cut = CutFeed
	default:
		bad(SetCut, "must be partial (GS V 1), full (GS V 0) or feed (GS V 66 0), not %q", s.Cut)
	}
	return p, errs
}

// width is the printable width in dots: the paper's, or Dots.
func (s Settings) width(bad func(setting, format string, args ...any)) int {
	width := 0
	switch s.Paper {
	case "", "80mm", "80":
		width = Width80
	case "58mm", "58":
		width = Width58
	case "80mm-180dpi":
		width = Width80E
	default:
		bad(SetPaper, "must be \"80mm\", \"58mm\" or \"80mm-180dpi\" (older Epson TM-T88), not %q", s.Paper)
	}
	switch {
	case s.Dots == 0:
	case s.Dots < 128 || s.Dots > 2048 || s.Dots%8 != 0:
		bad(SetDots, "%d dots: want a multiple of 8 from 128 to 2048, such as 384, 512 or 576", s.Dots)
	default:
		width = s.Dots
	}
	return width
}

// family is the printer family's code pages, with the ESC t page numbers
// the settings give instead.
func (s Settings) family(bad func(setting, format string, args ...any)) codepage.Family {
	family := s.Family
	if family == "" {
		family = "epson"
	}
	fam, ok := codepage.Families[family]
	if !ok {
		bad(SetFamily, "must be %s, not %q", FamilyNames, s.Family)
		fam = codepage.Family{Name: family, TCVN3Lower: -1, TCVN3Upper: -1, CP1258: -1}
	}
	for _, o := range []struct {
		setting string
		v       *int
		dst     *int
	}{{SetTCVN3Lower, s.TCVN3Lower, &fam.TCVN3Lower}, {SetTCVN3Upper, s.TCVN3Upper, &fam.TCVN3Upper}, {SetCP1258Page, s.CP1258Page, &fam.CP1258}} {
		if o.v == nil {
			continue
		}
		if *o.v < 1 || *o.v > 255 {
			// 0 is the printer's default page (PC437), never a Vietnamese one.
			bad(o.setting, "%d: an ESC t page number is 1 to 255", *o.v)
			continue
		}
		*o.dst = *o.v
	}
	return fam
}

// encoding picks the Vietnamese code page. It matters only in CodePage
// mode (need): elsewhere a family without the pages is no problem.
func (s Settings) encoding(fam codepage.Family, need bool, bad func(string, string, ...any)) codepage.Encoding {
	cp := s.CodePage
	if cp == "" {
		cp = "tcvn3"
		if fam.TCVN3Lower < 0 && fam.TCVN3Upper < 0 {
			cp = "cp1258"
		}
	}
	switch cp {
	case "tcvn3":
		switch {
		case fam.TCVN3Lower < 0 || fam.TCVN3Upper < 0:
			if need {
				bad(SetTCVN3Lower, "printers of family %s have no known TCVN-3 pages: set tcvn3_lower and tcvn3_upper from the printer's self-test page, or use code_page = \"cp1258\"", fam.Name)
			}
			return nil
		case fam.TCVN3Lower == fam.TCVN3Upper:
			bad(SetTCVN3Upper, "TCVN-3 needs two pages, lowercase and capitals: both are %d", fam.TCVN3Lower)
			return nil
		}
		return codepage.TCVN3{Lower: byte(fam.TCVN3Lower), Upper: byte(fam.TCVN3Upper)}
	case "cp1258":
		if fam.CP1258 < 0 {
			if need {
				bad(SetCP1258Page, "printers of family %s have no known CP1258 page: set cp1258_page from the printer's self-test page, or use code_page = \"tcvn3\"", fam.Name)
			}
			return nil
		}
		return codepage.CP1258Encoding{Page: byte(fam.CP1258)}
	}
	bad(SetCodePage, "must be tcvn3 or cp1258, not %q", s.CodePage)
	return nil
}

// String describes the profile for a person checking a config: paper,
// mode, code page numbers, columns and cut.
func (p Profile) String() string {
	s := fmt.Sprintf("%d dots, mode %s", p.Width, p.Mode)
	var enc codepage.Encoding
	if p.Mode == CodePage {
		enc = p.Encoding // the only mode that sends Vietnamese as text
	}
	switch e := enc.(type) {
	case codepage.TCVN3:
		s += fmt.Sprintf(", TCVN-3 on ESC t %d/%d", e.Lower, e.Upper)
	case codepage.CP1258Encoding:
		s += fmt.Sprintf(", CP1258 on ESC t %d", e.Page)
	}
	cols, small := p.columns()
	s += fmt.Sprintf(", %d columns (font B %d)", cols, small)
	if p.PadRaster {
		s += ", padded raster"
	}
	switch p.Cut {
	case CutFull:
		s += ", full cut"
	case CutFeed:
		s += ", feed and cut"
	default:
		s += ", partial cut"
	}
	return s
}

// columns returns the characters per line in font A and font B.
func (p Profile) columns() (a, b int) {
	a, b = p.Columns, p.ColumnsSmall
	if a == 0 {
		a = p.Width / 12
	}
	if b == 0 {
		b = p.Width / 9
	}
	return a, b
}

// Pages are the code pages this profile's printer text selects, by ESC t
// number (a hall's overrides included), with CP437 at 0: what a decoder
// needs to read its jobs back.
func (p Profile) Pages() map[int]*codepage.Charset {
	if p.Encoding == nil {
		return map[int]*codepage.Charset{0: codepage.CP437}
	}
	return codepage.PagesOf(p.Encoding)
}
