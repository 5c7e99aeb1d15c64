package decode

import (
	"unicode"

	"github.com/hallq/hallq/printer/codepage"
	"github.com/hallq/hallq/printer/raster"
	"golang.org/x/text/unicode/norm"
)

// item is one thing in the print buffer: a character cell or an ESC * image.
type item struct {
	cell   cellKey
	img    *raster.Bitmap // ESC * image, drawn scaled by sx, sy
	sx, sy int
	w, h   int
	ul     int
	rev    bool
}

type cellKey struct {
	r            rune
	bold, fontB  bool
	sizeW, sizeH int
}

func (k cellKey) base() (w, h int) {
	if k.fontB {
		return 9, 17
	}
	return 12, 24
}

func (d *decoder) lineWidth() int {
	w := 0
	for _, it := range d.line {
		w += it.w
	}
	return w
}

func (d *decoder) area() int { return max(8, min(d.areaWidth, d.opt.Width-d.leftMargin)) }

func (d *decoder) add(it item) {
	if len(d.line) > 0 && d.lineWidth()+it.w > d.area() {
		d.printLine(0) // the printer wraps a full line
	}
	d.line = append(d.line, it)
}

func (d *decoder) char(c byte) {
	cs := d.opt.Pages[d.page]
	if cs == nil {
		cs = codepage.CP437
		if c >= 0x80 && d.page != 0 {
			d.text = append(d.text, '\uFFFD')
		}
	}
	r := cs.Rune(c)
	if unicode.Is(unicode.Mn, r) && len(d.line) > 0 && d.line[len(d.line)-1].img == nil {
		// A CP1258 combining tone: the printers that overprint it put it
		// on the previous letter, and so does the image.
		d.text = append(d.text, r)
		prev := &d.line[len(d.line)-1]
		if comp := []rune(norm.NFC.String(string([]rune{prev.cell.r, r}))); len(comp) == 1 {
			prev.cell.r = comp[0]
		}
		return
	}
	d.text = append(d.text, r)
	k := cellKey{r: r, bold: d.bold, fontB: d.fontB, sizeW: d.sizeW, sizeH: d.sizeH}
	bw, bh := k.base()
	d.add(item{cell: k, w: bw * d.sizeW, h: bh * d.sizeH, ul: d.underline, rev: d.reverse})
}

func (d *decoder) tab() {
	k := cellKey{r: ' ', bold: d.bold, fontB: d.fontB, sizeW: d.sizeW, sizeH: d.sizeH}
	bw, bh := k.base()
	w := bw * d.sizeW
	for {
		d.text = append(d.text, ' ')
		d.add(item{cell: k, w: w, h: bh * d.sizeH})
		if d.lineWidth()%(8*w) == 0 || d.lineWidth()+w > d.area() {
			return
		}
	}
}

// printLine prints the buffer and advances the paper by the line spacing,
// or by at least minFeed dots when minFeed > 0 (ESC J).
func (d *decoder) printLine(minFeed int) {
	if len(d.line) == 0 {
		if minFeed > 0 {
			d.y += minFeed
		} else {
			d.y += d.lineSpacing
		}
		return
	}
	h := 0
	for _, it := range d.line {
		h = max(h, it.h)
	}
	x := d.leftMargin + d.alignOffset(d.lineWidth())
	for _, it := range d.line {
		top := d.y + h - it.h // items sit on a common bottom line
		if it.img != nil {
			d.paper.blit(it.img, x, top, it.sx, it.sy)
		} else {
			d.drawCell(it, x, top)
		}
		x += it.w
	}
	d.res.Lines = append(d.res.Lines, norm.NFC.String(d.takeText()))
	d.line = d.line[:0]
	feed := max(h, d.lineSpacing)
	if minFeed > 0 {
		feed = max(h, minFeed)
	}
	d.y += feed
}

func (d *decoder) alignOffset(w int) int {
	switch d.align {
	case 1:
		return max(0, (d.area()-w)/2)
	case 2:
		return max(0, d.area()-w)
	}
	return 0
}

func (d *decoder) drawCell(it item, x, y int) {
	if it.cell.r != ' ' {
		g := d.glyph(it.cell)
		bw, bh := it.cell.base()
		// The baseline sits about four fifths down the cell.
		base := y + bh*it.cell.sizeH*4/5
		gx := x + (bw*it.cell.sizeW-g.Width)/2
		d.paper.blit(g, gx, base+d.glyphTop(it.cell), 1, 1)
	}
	if it.ul > 0 {
		for t := 0; t < it.ul; t++ {
			for i := 0; i < it.w; i++ {
				d.paper.set(x+i, y+it.h-1-t)
			}
		}
	}
	if it.rev {
		for yy := y; yy < y+it.h; yy++ {
			for i := 0; i < it.w; i++ {
				d.paper.flip(x+i, yy)
			}
		}
	}
}

func (k cellKey) em() float64 {
	_, bh := k.base()
	return float64(bh*k.sizeH) / 1.2
}

func (d *decoder) glyphTop(k cellKey) int {
	return d.opt.Fonts.Glyph(k.r, k.em(), k.bold).Y
}

// glyph returns the character drawn for its cell: the font at the cell's
// height, squeezed (never stretched) to the cell's width, and stretched
// sideways for a wider-than-tall magnification.
func (d *decoder) glyph(k cellKey) *raster.Bitmap {
	if g, ok := d.glyphs[k]; ok {
		return g
	}
	bw, _ := k.base()
	g := d.opt.Fonts.Glyph(k.r, k.em(), k.bold)
	adv := float64(g.Advance) / 64
	sx := float64(k.sizeW) / float64(k.sizeH)
	if natural := float64(bw * k.sizeH); adv > natural {
		sx *= natural / adv
	}
	w := max(1, int(float64(g.Bits.Width)*sx+0.5))
	out := raster.NewBitmap(w, g.Bits.Height)
	for y := 0; y < g.Bits.Height; y++ {
		for x := 0; x < w; x++ {
			if g.Bits.At(int(float64(x)/sx), y) {
				out.Set(x, y)
			}
		}
	}
	d.glyphs[k] = out
	return out
}
