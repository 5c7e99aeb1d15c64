package decode

import (
	"github.com/hallq/hallq/printer/raster"
	qrcode "github.com/skip2/go-qrcode"
)

// bitImage reads ESC * m nL nH data: a column-format image in the line.
func (d *decoder) bitImage(start int) {
	p, ok := d.need(start, 3)
	if !ok {
		return
	}
	m, cols := p[0], int(p[1])|int(p[2])<<8
	var rowsPerCol, sx, sy int
	switch m {
	case 0:
		rowsPerCol, sx, sy = 8, 2, 3
	case 1:
		rowsPerCol, sx, sy = 8, 1, 3
	case 32:
		rowsPerCol, sx, sy = 24, 2, 1
	case 33:
		rowsPerCol, sx, sy = 24, 1, 1
	default:
		d.warn(start, "ESC * with unknown mode %d", m)
		return
	}
	data, ok := d.need(start, cols*rowsPerCol/8)
	if !ok {
		return
	}
	bm := raster.NewBitmap(cols, rowsPerCol)
	for c := 0; c < cols; c++ {
		for r := 0; r < rowsPerCol; r++ {
			if data[c*rowsPerCol/8+r/8]&(0x80>>(r%8)) != 0 {
				bm.Set(c, r)
			}
		}
	}
	d.add(item{img: bm, sx: sx, sy: sy, w: cols * sx, h: rowsPerCol * sy})
}

// rasterImage reads GS v 0 m xL xH yL yH data and prints it at once.
func (d *decoder) rasterImage(start int) {
	p, ok := d.need(start, 6)
	if !ok {
		return
	}
	if p[0] != '0' && p[0] != 0 {
		d.warn(start, "unknown command GS v %02X", p[0])
		return
	}
	m := p[1] % 48
	xb, rows := int(p[2])|int(p[3])<<8, int(p[4])|int(p[5])<<8
	data, ok := d.need(start, xb*rows)
	if !ok {
		return
	}
	if m > 3 {
		d.warn(start, "GS v 0 with unknown mode %d", p[1])
		m = 0
	}
	d.flushForImage()
	sx, sy := 1+int(m&1), 1+int(m>>1&1)
	bm := &raster.Bitmap{Width: xb * 8, Height: rows, Stride: xb, Pix: data}
	x := d.leftMargin + d.alignOffset(bm.Width*sx)
	d.paper.blit(bm, x, d.y, sx, sy)
	d.y += rows * sy
}

// flushForImage prints any pending text before an image that prints at once.
func (d *decoder) flushForImage() {
	if len(d.line) > 0 {
		d.printLine(0)
	}
}

// gsParen reads GS ( k: the 2D symbol functions.
func (d *decoder) gsParen(start int) {
	h, ok := d.need(start, 3)
	if !ok {
		return
	}
	if h[0] != 'k' {
		n := int(h[1]) | int(h[2])<<8
		d.need(start, n)
		d.warn(start, "GS ( %c (%d parameter bytes) parsed but not rendered", h[0], n)
		return
	}
	n := int(h[1]) | int(h[2])<<8
	p, ok := d.need(start, n)
	if !ok {
		return
	}
	if n < 2 {
		d.warn(start, "GS ( k with %d parameter bytes", n)
		return
	}
	cn, fn, args := p[0], p[1], p[2:]
	if cn != '1' {
		d.warn(start, "GS ( k symbol type %d (not QR) not rendered", cn)
		return
	}
	switch fn {
	case 'A': // model: the decoder draws model 2
	case 'C':
		// Printers take module sizes 1–16 and ignore others; so do we,
		// which also keeps a corrupt capture from drawing a square
		// kilometre of paper.
		if len(args) > 0 && args[0] >= 1 && args[0] <= 16 {
			d.qrModule = int(args[0])
		} else {
			d.warn(start, "GS ( k QR module size out of range 1–16, ignored")
		}
	case 'E':
		if len(args) > 0 {
			d.qrLevel = args[0]
		}
	case 'P':
		if len(args) > 0 {
			d.qrData = append(d.qrData[:0], args[1:]...)
		}
	case 'Q':
		d.printQR(start)
	default:
		d.warn(start, "GS ( k QR function %d not rendered", fn)
	}
}

func (d *decoder) printQR(start int) {
	if len(d.qrData) == 0 {
		d.warn(start, "QR print with no data stored")
		return
	}
	level := []qrcode.RecoveryLevel{qrcode.Low, qrcode.Medium, qrcode.High, qrcode.Highest}[(d.qrLevel-'0')&3]
	q, err := qrcode.New(string(d.qrData), level)
	if err != nil {
		d.warn(start, "QR code of %d bytes: %v", len(d.qrData), err)
		return
	}
	q.DisableBorder = true
	mods := q.Bitmap()
	size := max(1, d.qrModule)
	bm := raster.NewBitmap(len(mods), len(mods))
	for y, row := range mods {
		for x, on := range row {
			if on {
				bm.Set(x, y)
			}
		}
	}
	d.flushForImage()
	x := d.leftMargin + d.alignOffset(bm.Width*size)
	d.paper.blit(bm, x, d.y, size, size)
	d.y += bm.Height * size
	d.res.QRCodes = append(d.res.QRCodes, string(d.qrData))
}

// barcode reads GS k and draws a box of the barcode's height.
func (d *decoder) barcode(start int) {
	m, ok := d.need(start, 1)
	if !ok {
		return
	}
	var data []byte
	if m[0] <= 6 {
		end := d.pos
		for end < len(d.data) && d.data[end] != 0 {
			end++
		}
		if end == len(d.data) {
			d.warn(start, "GS k barcode without its NUL terminator")
			d.pos = end
			return
		}
		data = d.data[d.pos:end]
		d.pos = end + 1
	} else {
		n, ok := d.need(start, 1)
		if !ok {
			return
		}
		if data, ok = d.need(start, int(n[0])); !ok {
			return
		}
	}
	d.flushForImage()
	w := min(d.area(), 11*len(data)+35)
	x := d.leftMargin + d.alignOffset(w)
	for i := 0; i < w; i++ {
		d.paper.set(x+i, d.y)
		d.paper.set(x+i, d.y+d.barcodeH-1)
	}
	for j := 0; j < d.barcodeH; j++ {
		d.paper.set(x, d.y+j)
		d.paper.set(x+w-1, d.y+j)
	}
	d.y += d.barcodeH
	d.res.Barcodes = append(d.res.Barcodes, string(data))
}
