// Package decode reads an ESC/POS byte stream and renders the paper it would
// print as an image: text in the configured TrueType font and code page,
// raster images dot for dot, QR codes module for module, and cut marks.
//
// Commands it does not know are reported as warnings with their offset,
// never skipped silently.
package decode

import (
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"strings"

	"github.com/hallq/hallq/printer/codepage"
	"github.com/hallq/hallq/printer/raster"
)

// Options configure a decoding.
type Options struct {
	// Width is the printable width in dots; 0 means 576 (80 mm).
	Width int
	// Fonts draw the printer's text; required.
	Fonts *raster.Fonts
	// Pages maps ESC t numbers to code pages; nil means the Epson family
	// (TCVN-3 on 30/31, CP1258 on 52, CP437 on 0).
	Pages map[int]*codepage.Charset
}

// Warning is a command the decoder could not render faithfully.
type Warning struct {
	Offset int // byte offset of the command in the input
	Msg    string
}

func (w Warning) String() string { return fmt.Sprintf("offset %d: %s", w.Offset, w.Msg) }

// Result is a decoded print job.
type Result struct {
	// Paper is the printed paper, black on white, Width dots across.
	Paper *image.Gray
	// Lines are the printed text lines, decoded to Unicode (NFC).
	Lines []string
	// QRCodes are the payloads of the QR codes printed, in order.
	QRCodes []string
	// Barcodes are the payloads of GS k barcodes, drawn only as boxes.
	Barcodes []string
	// Cuts counts GS V commands; StatusQueries counts DLE EOT requests.
	Cuts, StatusQueries int
	// Warnings lists unknown and malformed commands.
	Warnings []Warning
}

// WritePNG encodes the paper as a PNG.
func (r *Result) WritePNG(w io.Writer) error {
	if err := png.Encode(w, r.Paper); err != nil {
		return fmt.Errorf("decode: write png: %w", err)
	}
	return nil
}

// Render decodes data.
func Render(data []byte, opt Options) (*Result, error) {
	if opt.Fonts == nil {
		return nil, errors.New("decode: no fonts")
	}
	if opt.Width == 0 {
		opt.Width = 576
	}
	if opt.Width < 8 || opt.Width > 4096 {
		return nil, fmt.Errorf("decode: width %d dots out of range", opt.Width)
	}
	if opt.Pages == nil {
		opt.Pages = codepage.Families["epson"].Pages()
	}
	d := &decoder{opt: opt, data: data, paper: newPaper(opt.Width), res: &Result{}, glyphs: map[cellKey]*raster.Bitmap{}}
	d.reset()
	d.run()
	if len(d.line) > 0 {
		d.warn(len(data), "data left in the print buffer without a line feed (a printer would not print it yet)")
		d.printLine(0)
	}
	d.y += 8
	d.paper.grow(d.y)
	if d.paper.cut {
		d.warn(len(data), "paper longer than %d dots: the rest is not drawn", MaxPaper)
	}
	d.res.Paper = d.paper.bm.Image()
	return d.res, nil
}

// state is what ESC @ resets.
type state struct {
	align        int
	bold         bool
	underline    int
	fontB        bool
	sizeW, sizeH int
	reverse      bool
	page         int
	lineSpacing  int
	leftMargin   int
	areaWidth    int
	qrModule     int
	qrLevel      byte
	qrData       []byte
	barcodeH     int
}

type decoder struct {
	opt   Options
	data  []byte
	pos   int
	paper *paper
	res   *Result
	state
	y      int    // top of the next line
	line   []item // the print buffer
	text   []rune // the print buffer's characters, for Result.Lines
	glyphs map[cellKey]*raster.Bitmap
}

func (d *decoder) reset() {
	d.state = state{sizeW: 1, sizeH: 1, lineSpacing: 30, areaWidth: d.opt.Width, qrModule: 3, qrLevel: '0', barcodeH: 162}
}

func (d *decoder) warn(off int, format string, args ...any) {
	d.res.Warnings = append(d.res.Warnings, Warning{Offset: off, Msg: fmt.Sprintf(format, args...)})
}

// need returns the n bytes after the command start plus skip, or false when
// the stream ends first (a truncated command, reported).
func (d *decoder) need(start, n int) ([]byte, bool) {
	if d.pos+n > len(d.data) {
		d.warn(start, "truncated command % X", d.data[start:])
		d.pos = len(d.data)
		return nil, false
	}
	b := d.data[d.pos : d.pos+n]
	d.pos += n
	return b, true
}

func (d *decoder) run() {
	for d.pos < len(d.data) {
		start := d.pos
		c := d.data[d.pos]
		d.pos++
		switch c {
		case 0x1B:
			d.esc(start)
		case 0x1D:
			d.gs(start)
		case 0x1C:
			d.fs(start)
		case 0x10:
			d.dle(start)
		case '\n':
			d.printLine(0)
		case '\r':
			// Printers with auto line feed off (the default) ignore CR.
		case '\t':
			d.tab()
		default:
			if c < 0x20 || c == 0x7F {
				d.warn(start, "unknown control byte %02X", c)
				continue
			}
			d.char(c)
		}
	}
}

// arg reads a command's one-byte argument.
func (d *decoder) arg(start int) (byte, bool) {
	a, ok := d.need(start, 1)
	if !ok {
		return 0, false
	}
	return a[0], true
}

func (d *decoder) esc(start int) {
	b, ok := d.need(start, 1)
	if !ok {
		return
	}
	switch b[0] {
	case '@':
		d.reset()
	case '!':
		if n, ok := d.arg(start); ok {
			d.fontB = n&0x01 != 0
			d.bold = n&0x08 != 0
			d.sizeH = 1 + int(n>>4&1)
			d.sizeW = 1 + int(n>>5&1)
			d.underline = int(n >> 7)
		}
	case 'E':
		if n, ok := d.arg(start); ok {
			d.bold = n&1 != 0
		}
	case '-':
		if n, ok := d.arg(start); ok {
			d.underline = int(n & 3)
			if n == '0' || n == '1' || n == '2' {
				d.underline = int(n - '0')
			}
		}
	case 'a':
		if n, ok := d.arg(start); ok {
			d.align = int(n % 48 % 3)
		}
	case 'd':
		if n, ok := d.arg(start); ok {
			d.printLine(0)
			d.y += int(n) * d.lineSpacing
		}
	case 'J':
		if n, ok := d.arg(start); ok {
			if len(d.line) > 0 {
				d.printLine(int(n))
			} else {
				d.y += int(n)
			}
		}
	case '2':
		d.lineSpacing = 30
	case '3':
		if n, ok := d.arg(start); ok {
			d.lineSpacing = int(n)
		}
	case 't':
		if n, ok := d.arg(start); ok {
			d.page = int(n)
			if d.opt.Pages[d.page] == nil {
				d.warn(start, "code page %d not configured: its bytes above 7F will show as �", n)
			}
		}
	case 'M':
		if n, ok := d.arg(start); ok {
			d.fontB = n&1 != 0
		}
	case 'R', '=', 'c', 'V', '{', ' ':
		// International set, peripheral, panel keys, rotation, upside
		// down, right spacing: accepted, not drawn.
		if n, ok := d.arg(start); ok {
			if b[0] == 'V' || b[0] == '{' || (b[0] == ' ' && n != 0) {
				d.warn(start, "ESC %c %d parsed but not rendered", b[0], n)
			}
		}
	case '*':
		d.bitImage(start)
	default:
		d.warn(start, "unknown command ESC %q (1B %02X)", b[0], b[0])
	}
}

func (d *decoder) gs(start int) {
	b, ok := d.need(start, 1)
	if !ok {
		return
	}
	switch b[0] {
	case '!':
		if n, ok := d.arg(start); ok {
			d.sizeW = 1 + int(n>>4&7)
			d.sizeH = 1 + int(n&7)
		}
	case 'B':
		if n, ok := d.arg(start); ok {
			d.reverse = n&1 != 0
		}
	case 'L':
		if p, ok := d.need(start, 2); ok {
			d.leftMargin = int(p[0]) | int(p[1])<<8
		}
	case 'W':
		if p, ok := d.need(start, 2); ok {
			d.areaWidth = int(p[0]) | int(p[1])<<8
		}
	case 'V':
		d.cut(start)
	case 'v':
		d.rasterImage(start)
	case '(':
		d.gsParen(start)
	case 'k':
		d.barcode(start)
	case 'h':
		if n, ok := d.arg(start); ok {
			d.barcodeH = int(n)
		}
	case 'w', 'H', 'f', 'a':
		d.arg(start) // barcode width, HRI position and font, automatic status back
	default:
		d.warn(start, "unknown command GS %q (1D %02X)", b[0], b[0])
	}
}

func (d *decoder) fs(start int) {
	b, ok := d.need(start, 1)
	if !ok {
		return
	}
	switch b[0] {
	case '.':
		// Leave double-byte mode: already single-byte.
	case '&':
		d.warn(start, "FS & (double-byte mode) not supported: bytes are decoded as single bytes")
	default:
		d.warn(start, "unknown command FS %q (1C %02X)", b[0], b[0])
	}
}

func (d *decoder) dle(start int) {
	b, ok := d.need(start, 1)
	if !ok {
		return
	}
	switch b[0] {
	case 0x04:
		if _, ok := d.need(start, 1); ok {
			d.res.StatusQueries++
		}
	default:
		d.warn(start, "unknown real-time command DLE %02X", b[0])
	}
}

func (d *decoder) cut(start int) {
	m, ok := d.need(start, 1)
	if !ok {
		return
	}
	d.printLine(0)
	if m[0] == 'A' || m[0] == 'B' || m[0] == 65 || m[0] == 66 {
		if n, ok := d.need(start, 1); ok {
			d.y += int(n[0])
		}
	}
	d.res.Cuts++
	// The cut mark: a dashed line across the paper.
	d.y += 4
	for x := 0; x < d.opt.Width; x++ {
		if x%12 < 7 {
			d.paper.set(x, d.y)
			d.paper.set(x, d.y+1)
		}
	}
	d.y += 10
}

// lineText returns the print buffer's text and clears it.
func (d *decoder) takeText() string {
	s := strings.TrimRight(string(d.text), " ")
	d.text = d.text[:0]
	return s
}
