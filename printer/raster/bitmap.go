// Package raster draws text with a TrueType font into 1-bit bitmaps laid out
// the way ESC/POS GS v 0 takes them: rows of bytes, most significant bit the
// leftmost dot, 1 black.
package raster

import (
	"bytes"
	"image"
	"iter"
)

// Bitmap is a 1-bit image. Row y starts at Pix[y*Stride]; Stride is
// (Width+7)/8, so Pix is exactly the data of GS v 0.
type Bitmap struct {
	Width, Height, Stride int
	Pix                   []byte
}

// NewBitmap returns a white bitmap of w × h dots.
func NewBitmap(w, h int) *Bitmap {
	s := (w + 7) / 8
	return &Bitmap{Width: w, Height: h, Stride: s, Pix: make([]byte, s*h)}
}

// Set blackens the dot at (x, y); dots outside the bitmap are ignored.
func (b *Bitmap) Set(x, y int) {
	if x < 0 || y < 0 || x >= b.Width || y >= b.Height {
		return
	}
	b.Pix[y*b.Stride+x>>3] |= 0x80 >> (x & 7)
}

// At reports whether the dot at (x, y) is black.
func (b *Bitmap) At(x, y int) bool {
	if x < 0 || y < 0 || x >= b.Width || y >= b.Height {
		return false
	}
	return b.Pix[y*b.Stride+x>>3]&(0x80>>(x&7)) != 0
}

// Dots yields the black dots of b, row by row, passing over white bytes
// at once: a receipt is mostly white paper.
func (b *Bitmap) Dots() iter.Seq2[int, int] {
	return func(yield func(x, y int) bool) {
		for y := 0; y < b.Height; y++ {
			for i, v := range b.Pix[y*b.Stride : (y+1)*b.Stride] {
				for x := i * 8; v != 0 && x < b.Width; x, v = x+1, v<<1 {
					if v&0x80 != 0 && !yield(x, y) {
						return
					}
				}
			}
		}
	}
}

// InkBounds returns the smallest rectangle holding every black dot; it is
// empty for a white bitmap.
func (b *Bitmap) InkBounds() image.Rectangle {
	r := image.Rectangle{}
	first := true
	for x, y := range b.Dots() {
		p := image.Rect(x, y, x+1, y+1)
		if first {
			r, first = p, false
		} else {
			r = r.Union(p)
		}
	}
	return r
}

// Sub copies the rectangle r of b into a new bitmap whose left edge is
// shifted right by pad dots (white), so that it can be placed on paper.
func (b *Bitmap) Sub(r image.Rectangle, pad int) *Bitmap {
	out := NewBitmap(pad+r.Dx(), r.Dy())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if b.At(x, y) {
				out.Set(pad+x-r.Min.X, y-r.Min.Y)
			}
		}
	}
	return out
}

// Image returns b as a black-on-white grey image. White rows are copied
// whole: a few bytes of feed commands make two metres of paper.
func (b *Bitmap) Image() *image.Gray {
	img := image.NewGray(image.Rect(0, 0, b.Width, b.Height))
	white := bytes.Repeat([]byte{0xFF}, b.Width)
	for y := 0; y < b.Height; y++ {
		copy(img.Pix[y*img.Stride:], white)
	}
	for x, y := range b.Dots() {
		img.Pix[y*img.Stride+x] = 0
	}
	return img
}
