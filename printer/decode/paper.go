package decode

import "github.com/hallq/hallq/printer/raster"

// MaxPaper is the longest paper Render draws, in dots (2 m at 8 dots per
// mm; a ticket is 15–25 cm). A few bytes of ESC d feed metres of paper:
// drawing all of it would take seconds and gigabytes (found by FuzzRender).
const MaxPaper = 1 << 14

// paper is a roll that grows downwards as rows are printed, up to MaxPaper
// rows; cut says something beyond was not drawn.
type paper struct {
	bm  *raster.Bitmap
	cut bool
}

func newPaper(width int) *paper { return &paper{bm: raster.NewBitmap(width, 0)} }

// grow makes sure rows [0, h) exist.
func (p *paper) grow(h int) {
	if h > MaxPaper {
		p.cut = true
		h = MaxPaper
	}
	if h <= p.bm.Height {
		return
	}
	need := h * p.bm.Stride
	if cap(p.bm.Pix) < need {
		pix := make([]byte, len(p.bm.Pix), max(need, 2*cap(p.bm.Pix)))
		copy(pix, p.bm.Pix)
		p.bm.Pix = pix
	}
	p.bm.Pix = p.bm.Pix[:need]
	p.bm.Height = h
}

func (p *paper) set(x, y int) {
	if p.reach(x, y) {
		p.bm.Set(x, y)
	}
}

func (p *paper) flip(x, y int) {
	if p.reach(x, y) {
		p.bm.Pix[y*p.bm.Stride+x>>3] ^= 0x80 >> (x & 7)
	}
}

// reach grows the paper to hold dot (x, y) and says whether it is on it:
// not off its sides, nor past MaxPaper (which marks the paper cut).
func (p *paper) reach(x, y int) bool {
	if y < 0 || x < 0 || x >= p.bm.Width {
		return false
	}
	if y >= MaxPaper {
		p.cut = true
		return false
	}
	p.grow(y + 1)
	return true
}

// blit draws src scaled by sx, sy with its top-left at (x, y).
func (p *paper) blit(src *raster.Bitmap, x, y, sx, sy int) {
	p.grow(y + src.Height*sy)
	for c, r := range src.Dots() {
		for dy := 0; dy < sy; dy++ {
			for dx := 0; dx < sx; dx++ {
				p.set(x+c*sx+dx, y+r*sy+dy)
			}
		}
	}
}
