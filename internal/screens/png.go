package screens

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"sort"
)

// smallPNG re-encodes a screenshot with at most 256 colours, best
// compression: a page of flat colours and anti-aliased text keeps its
// look at a fraction of the size (the committed set stays small).
//
// The palette is by popularity: colours are counted in 5-bit-per-channel
// boxes, the 256 fullest boxes give their mean colour, and every pixel
// takes the nearest palette colour (no dithering: flat areas stay flat and
// compress well).
func smallPNG(raw []byte) ([]byte, error) {
	src, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	b := src.Bounds()
	type box struct{ n, r, g, b int }
	boxes := make([]box, 1<<15)
	key := func(r, g, bl uint32) int { return int(r>>11)<<10 | int(g>>11)<<5 | int(bl>>11) }
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := src.At(x, y).RGBA()
			k := &boxes[key(r, g, bl)]
			k.n++
			k.r += int(r >> 8)
			k.g += int(g >> 8)
			k.b += int(bl >> 8)
		}
	}
	idx := make([]int, 0, len(boxes))
	for i, bx := range boxes {
		if bx.n > 0 {
			idx = append(idx, i)
		}
	}
	sort.Slice(idx, func(i, j int) bool { return boxes[idx[i]].n > boxes[idx[j]].n })
	if len(idx) > 256 {
		idx = idx[:256]
	}
	pal := make(color.Palette, len(idx))
	for i, k := range idx {
		bx := boxes[k]
		pal[i] = color.RGBA{uint8(bx.r / bx.n), uint8(bx.g / bx.n), uint8(bx.b / bx.n), 255}
	}
	// Each box maps to its nearest palette colour, found once.
	nearest := make([]int16, len(boxes))
	for i := range nearest {
		nearest[i] = -1
	}
	out := image.NewPaletted(b, pal)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := src.At(x, y).RGBA()
			k := key(r, g, bl)
			if nearest[k] < 0 {
				nearest[k] = int16(pal.Index(color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8), 255}))
			}
			out.SetColorIndex(x, y, uint8(nearest[k]))
		}
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, out); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
