package printer

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/hallq/hallq/printer/codepage"
	"github.com/hallq/hallq/printer/escpos"
	"github.com/hallq/hallq/printer/raster"
	"golang.org/x/text/unicode/norm"
)

// Mode is how a printer gets Vietnamese text.
type Mode int

// Modes.
const (
	// Hybrid (the default) sends plain-ASCII lines as printer text, the
	// number in the printer's own enlarged digits, and only lines with
	// Vietnamese letters as raster images.
	Hybrid Mode = iota
	// Raster sends every line, the number included, as raster images: for
	// printers whose built-in fonts cannot be trusted at all.
	Raster
	// CodePage sends all text in the printer's Vietnamese code page
	// (Profile.Encoding); no raster at all.
	CodePage
)

var modeNames = []string{"hybrid", "raster", "codepage"}

func (m Mode) String() string {
	if int(m) < len(modeNames) {
		return modeNames[m]
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// ParseMode reads "hybrid", "raster" or "codepage".
func ParseMode(s string) (Mode, error) {
	for i, n := range modeNames {
		if s == n {
			return Mode(i), nil
		}
	}
	return 0, fmt.Errorf("printer: unknown mode %q (want hybrid, raster or codepage)", s)
}

// Paper widths in dots.
const (
	Width58  = 384 // 58 mm paper at 203 dpi
	Width80  = 576 // 80 mm paper at 203 dpi
	Width80E = 512 // 80 mm paper on older 180-dpi Epson TM-T88
)

// Cut is how a ticket is cut off.
type Cut int

// Cuts: partial (the zero value; some Chinese printers know only this
// one), full, or feed to the cutter first.
const (
	CutPartial Cut = iota
	CutFull
	CutFeed
)

func (c Cut) escpos() escpos.CutMode {
	switch c {
	case CutFull:
		return escpos.FullCut
	case CutFeed:
		return escpos.FeedCut
	}
	return escpos.PartialCut
}

// Profile describes one printer. Settings builds one from a hall's
// config, with every number overridable.
type Profile struct {
	Width int  // printable dots across: Width58, Width80 or Width80E
	Mode  Mode // Hybrid when zero
	// Encoding is the Vietnamese code page for CodePage mode; nil means
	// TCVN-3 on pages 30/31 (Epson, Citizen).
	Encoding codepage.Encoding
	Cut      Cut
	// Columns and ColumnsSmall are the characters per line of printer text
	// in font A and font B; 0 means Width/12 and Width/9. Lines are
	// wrapped by the bytes sent, so a line never exceeds them.
	Columns, ColumnsSmall int
	// QRModule is the QR module size in dots; 0 picks one for the width.
	QRModule int
	// FeedLines is how many lines to feed before the cut so the last line
	// clears the cutter; 0 means 4.
	FeedLines int
	// PadRaster centres raster lines by sending their white margin, for
	// printers that ignore ESC a for GS v 0 images. Without it centred
	// images are sent trimmed, after ESC a 1, which saves about a third of
	// the raster bytes.
	PadRaster bool
	VI, EN    Texts // zero means TextsVI, TextsEN
}

// Layout renders tickets for one printer profile. It is safe for concurrent
// use.
type Layout struct {
	p     Profile
	fonts *raster.Fonts
}

// Type sizes in dots for raster text.
const (
	sizeTitle   = 21
	sizeService = 26
	sizeBody    = 20
	sizeSmall   = 16
)

// NewLayout checks the profile and that fonts (and, in CodePage mode, the
// code page) can print every fixed text and each of extra (the hall name,
// footer and service names from config), so that a gap is an error at
// start-up rather than a blank box on paper. fonts may be nil only in
// CodePage mode.
func NewLayout(p Profile, fonts *raster.Fonts, extra ...string) (*Layout, error) {
	if p.Width < 128 || p.Width%8 != 0 || p.Width > 2048 {
		return nil, fmt.Errorf("printer: paper width %d dots, want a multiple of 8 such as 384, 512 or 576", p.Width)
	}
	if p.Encoding == nil {
		p.Encoding = codepage.TCVN3{Lower: 30, Upper: 31}
	}
	p.Columns, p.ColumnsSmall = p.columns()
	if p.QRModule == 0 {
		p.QRModule = 6
		if p.Width < Width80E {
			p.QRModule = 5
		}
	}
	if p.FeedLines == 0 {
		p.FeedLines = 4
	}
	if p.VI == (Texts{}) {
		p.VI = TextsVI
	}
	if p.EN == (Texts{}) {
		p.EN = TextsEN
	}
	texts := append(append(append([]string{}, extra...), p.VI.all()...), p.EN.all()...)
	texts = append(texts, testPageTexts()...)
	if p.Mode != CodePage {
		if fonts == nil {
			return nil, errors.New("printer: raster text needs fonts")
		}
		if err := fonts.Check(texts...); err != nil {
			return nil, fmt.Errorf("printer: %w", err)
		}
	} else {
		for _, s := range texts {
			if err := p.Encoding.Check(s); err != nil {
				return nil, fmt.Errorf("printer: %w", err)
			}
		}
	}
	return &Layout{p: p, fonts: fonts}, nil
}

// Profile returns the profile with its defaults filled in.
func (l *Layout) Profile() Profile { return l.p }

// Check reports whether the layout can print every character of texts.
func (l *Layout) Check(texts ...string) error {
	if l.p.Mode == CodePage {
		for _, s := range texts {
			if err := l.p.Encoding.Check(s); err != nil {
				return fmt.Errorf("printer: %w", err)
			}
		}
		return nil
	}
	if err := l.fonts.Check(texts...); err != nil {
		return fmt.Errorf("printer: %w", err)
	}
	return nil
}

// style is one kind of line on a ticket.
type style struct {
	size  float64 // raster em size
	bold  bool
	align raster.Align
	small bool // printer text in font B
	tall  bool // printer text double height
}

// writer accumulates one print job.
type writer struct {
	l    *Layout
	e    escpos.Encoder
	page int // ESC t in force, -1 unknown
	err  error
}

func (l *Layout) newWriter(dst []byte) *writer {
	w := &writer{l: l, page: -1}
	w.e.Raw(dst...)
	w.e.Init()
	w.page = 0 // ESC @ restores the default code page
	return w
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// line prints s in style st: as printer text or as raster, by mode.
func (w *writer) line(s string, st style) {
	if w.err != nil || strings.TrimSpace(s) == "" {
		return
	}
	s = norm.NFC.String(s)
	switch {
	case w.l.p.Mode == Raster:
		w.rasterText(s, st)
	case w.l.p.Mode == CodePage || isASCII(s):
		w.printerText(s, st)
	default:
		// Wrap as raster, then send the wrapped lines that happen to be
		// plain ASCII ("TP. Nha Trang") as printer text: far fewer bytes.
		for _, ln := range w.l.fonts.Wrap(s, w.l.p.Width, st.size, st.bold) {
			if isASCII(ln) {
				w.printerText(ln, st)
			} else {
				w.rasterText(ln, st)
			}
		}
	}
}

func (w *writer) rasterText(s string, st style) {
	b := w.l.fonts.Render(s, w.l.p.Width, raster.Style{Size: st.size, Bold: st.bold, Align: st.align})
	if b == nil {
		return
	}
	if st.align != raster.AlignLeft && !w.l.p.PadRaster {
		b = b.Sub(b.InkBounds(), 0)
		w.alignedBitmap(b, escpos.Alignment(st.align))
	} else {
		w.bitmap(b)
	}
	w.e.FeedDots(byte(st.size * 0.45))
}

// bitmap prints b left-aligned (any alignment is already in its margin).
func (w *writer) bitmap(b *raster.Bitmap) { w.alignedBitmap(b, escpos.Left) }

func (w *writer) alignedBitmap(b *raster.Bitmap, a escpos.Alignment) {
	w.e.Align(a)
	if err := w.e.Raster(escpos.RasterNormal, b.Stride, b.Height, b.Pix); err != nil {
		w.err = fmt.Errorf("printer: %w", err)
	}
}

func (w *writer) printerText(s string, st style) {
	cols := w.l.p.Columns
	if st.small {
		cols = w.l.p.ColumnsSmall
	}
	w.e.Align(escpos.Alignment(st.align))
	if st.small {
		w.e.Font(1)
	}
	if st.bold {
		w.e.Bold(true)
	}
	if st.tall {
		_ = w.e.Size(1, 2)
	}
	for _, ln := range wrapColumns(s, cols, w.cells) {
		if isASCII(ln) {
			w.e.Text(ln)
		} else {
			err := w.e.AppendWith(func(dst []byte) ([]byte, error) {
				b, page, err := w.l.p.Encoding.Append(dst, ln, w.page)
				w.page = page
				return b, err
			})
			if err != nil {
				w.err = fmt.Errorf("printer: %w", err)
				return
			}
		}
		w.e.LineFeed()
	}
	if st.tall {
		_ = w.e.Size(1, 1)
	}
	if st.bold {
		w.e.Bold(false)
	}
	if st.small {
		w.e.Font(0)
	}
}

// cells is how many character cells s takes as printer text: its bytes
// as sent (in CodePage mode a CP1258 tone mark is a byte of its own).
func (w *writer) cells(s string) int {
	if isASCII(s) {
		return len(s)
	}
	return w.l.p.Encoding.Cells(s)
}

// wrapColumns breaks s at spaces into lines of at most cols cells, as
// cells counts them; a word longer than a line is split between
// characters.
func wrapColumns(s string, cols int, cells func(string) int) []string {
	var lines []string
	line, n := "", 0
	for _, word := range strings.Fields(s) {
		wn := cells(word)
		switch {
		case n == 0:
			line, n = word, wn
		case n+1+wn <= cols:
			line, n = line+" "+word, n+1+wn
		default:
			lines = append(lines, line)
			line, n = word, wn
		}
		for n > cols {
			// Split before the first character that does not fit.
			head, used := "", 0
			for i, r := range line {
				c := cells(string(r))
				if used+c > cols && used > 0 {
					head, line = line[:i], line[i:]
					break
				}
				used += c
			}
			if head == "" {
				break // one character wider than a line: send it as it is
			}
			lines = append(lines, head)
			n = cells(line)
		}
	}
	if n > 0 {
		lines = append(lines, line)
	}
	return lines
}

// bigNumber prints label as large as the paper allows: the printer's own
// enlarged characters, or in Raster mode a bold raster.
func (w *writer) bigNumber(label string) {
	if w.err != nil {
		return
	}
	if w.l.p.Mode == Raster || !isASCII(label) {
		size := 150.0
		if m := w.l.fonts.Measure(label, size, true); m > w.l.p.Width*9/10 {
			size = size * float64(w.l.p.Width*9/10) / float64(m)
		}
		b := w.l.fonts.Render(label, w.l.p.Width, raster.Style{Size: size, Bold: true, Align: raster.AlignCenter})
		if b != nil {
			if !w.l.p.PadRaster {
				b = b.Sub(b.InkBounds(), 0)
			}
			w.alignedBitmap(b, escpos.Center)
			w.e.FeedDots(24)
		}
		return
	}
	mul := w.l.p.Columns / max(1, len(label))
	mul = min(max(mul, 1), 8)
	w.e.Align(escpos.Center).Bold(true)
	_ = w.e.Size(mul, mul)
	w.e.Text(label).LineFeed()
	_ = w.e.Size(1, 1)
	w.e.Bold(false)
}

func (w *writer) qr(url string) {
	if w.err != nil || url == "" {
		return
	}
	if !isASCII(url) {
		w.err = fmt.Errorf("printer: status URL %q is not ASCII (percent-encode it)", url)
		return
	}
	w.e.Align(escpos.Center)
	if err := w.e.QR([]byte(url), w.l.p.QRModule, escpos.QRLevelM); err != nil {
		w.err = fmt.Errorf("printer: %w", err)
	}
	w.e.Align(escpos.Left)
}

func (w *writer) finish() ([]byte, error) {
	if w.err != nil {
		return nil, w.err
	}
	w.e.FeedLines(byte(w.l.p.FeedLines))
	w.e.Cut(w.l.p.Cut.escpos())
	return w.e.Bytes(), nil
}
