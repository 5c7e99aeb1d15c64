package raster

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
	"golang.org/x/text/unicode/norm"
)

// Default font paths, from Debian's fonts-dejavu-core package.
const (
	DefaultRegular = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
	DefaultBold    = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
)

// ErrNoFont is wrapped by the error Load returns for a font file that is not
// there.
var ErrNoFont = errors.New("raster: font file not found (on Debian: apt-get install fonts-dejavu-core)")

// Fonts is a regular and a bold TrueType font with a cache of rasterised
// glyphs. It is safe for concurrent use.
type Fonts struct {
	regular, bold *sfnt.Font
	paths         [2]string

	mu     sync.Mutex
	faces  map[faceKey]font.Face
	glyphs map[glyphKey]*Glyph
	buf    sfnt.Buffer
}

type faceKey struct {
	size int // 1/64 pixel
	bold bool
}

type glyphKey struct {
	r rune
	faceKey
}

// Glyph is one rasterised character. Bits is drawn with its top-left corner
// at (dotX+X, baseline+Y); the pen then moves Advance (1/64 dot) right.
type Glyph struct {
	Bits    *Bitmap
	X, Y    int
	Advance fixed.Int26_6
}

// Load reads the regular and bold fonts. A missing or unreadable file is an
// error naming the path.
func Load(regularPath, boldPath string) (*Fonts, error) {
	f := &Fonts{paths: [2]string{regularPath, boldPath}, faces: map[faceKey]font.Face{}, glyphs: map[glyphKey]*Glyph{}}
	var err error
	if f.regular, err = parse(regularPath); err != nil {
		return nil, err
	}
	if f.bold, err = parse(boldPath); err != nil {
		return nil, err
	}
	return f, nil
}

// LoadDefault loads DejaVu Sans and DejaVu Sans Bold from their Debian paths.
func LoadDefault() (*Fonts, error) { return Load(DefaultRegular, DefaultBold) }

func parse(path string) (*sfnt.Font, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNoFont, path)
	}
	if err != nil {
		return nil, fmt.Errorf("raster: read font: %w", err)
	}
	f, err := opentype.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("raster: font %s: %w", path, err)
	}
	return f, nil
}

// MissingGlyphError names the characters a font cannot draw.
type MissingGlyphError struct {
	Path  string
	Runes []rune
}

func (e *MissingGlyphError) Error() string {
	var b strings.Builder
	for i, r := range e.Runes {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q (U+%04X)", r, r)
	}
	return fmt.Sprintf("raster: font %s has no glyph for %s", e.Path, b.String())
}

// Check returns a *MissingGlyphError if either font lacks a glyph for a
// character of the NFC form of any of texts. Call it at start-up with every
// text that will be printed, so a gap shows as an error, not a blank box on
// paper.
func (f *Fonts) Check(texts ...string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, fnt := range []*sfnt.Font{f.regular, f.bold} {
		var missing []rune
		seen := map[rune]bool{}
		for _, s := range texts {
			for _, r := range norm.NFC.String(s) {
				if r < ' ' || seen[r] {
					continue
				}
				seen[r] = true
				if x, err := fnt.GlyphIndex(&f.buf, r); err != nil || x == 0 {
					missing = append(missing, r)
				}
			}
		}
		if len(missing) > 0 {
			return &MissingGlyphError{Path: f.paths[i], Runes: missing}
		}
	}
	return nil
}

// VietnameseRepertoire is every character Vietnamese text needs beyond
// ASCII: the precomposed letters of U+00C0–U+01B0 that Vietnamese uses and
// the whole of U+1EA0–U+1EF9.
func VietnameseRepertoire() string {
	var b strings.Builder
	b.WriteString("ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúýĂăĐđĨĩŨũƠơƯư")
	for r := rune(0x1EA0); r <= 0x1EF9; r++ {
		b.WriteRune(r)
	}
	return b.String()
}

// face returns the cached face; f.mu must be held.
func (f *Fonts) face(k faceKey) font.Face {
	if fc, ok := f.faces[k]; ok {
		return fc
	}
	src := f.regular
	if k.bold {
		src = f.bold
	}
	fc, err := opentype.NewFace(src, &opentype.FaceOptions{Size: float64(k.size) / 64, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		panic(fmt.Sprintf("raster: new face: %v", err)) // only for an invalid size, which callers never pass
	}
	f.faces[k] = fc
	return fc
}

// Glyph returns r rasterised at size pixels (em height), thresholded at
// half coverage. A character the font lacks gives its .notdef box: call
// Check first.
func (f *Fonts) Glyph(r rune, size float64, bold bool) *Glyph {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.glyph(r, faceKey{int(size * 64), bold})
}

func (f *Fonts) glyph(r rune, fk faceKey) *Glyph {
	k := glyphKey{r, fk}
	if g, ok := f.glyphs[k]; ok {
		return g
	}
	fc := f.face(fk)
	dr, mask, mp, adv, _ := fc.Glyph(fixed.P(0, 0), r)
	g := &Glyph{Bits: NewBitmap(dr.Dx(), dr.Dy()), X: dr.Min.X, Y: dr.Min.Y, Advance: adv}
	for y := 0; y < dr.Dy(); y++ {
		for x := 0; x < dr.Dx(); x++ {
			if _, _, _, a := mask.At(mp.X+x, mp.Y+y).RGBA(); a >= 0x8000 {
				g.Bits.Set(x, y)
			}
		}
	}
	f.glyphs[k] = g
	return g
}

// Metrics returns the ascent and descent, in dots, of the font at size.
func (f *Fonts) Metrics(size float64, bold bool) (ascent, descent int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := f.face(faceKey{int(size * 64), bold}).Metrics()
	return m.Ascent.Ceil(), m.Descent.Ceil()
}

// Measure returns the width of s in dots.
func (f *Fonts) Measure(s string, size float64, bold bool) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	fk := faceKey{int(size * 64), bold}
	var w fixed.Int26_6
	for _, r := range s {
		w += f.glyph(r, fk).Advance
	}
	return w.Ceil()
}

// Draw draws s (already NFC) on dst with the pen starting at x and the
// baseline at y, and returns the pen's x afterwards.
func (f *Fonts) Draw(dst *Bitmap, x, y int, s string, size float64, bold bool) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	fk := faceKey{int(size * 64), bold}
	pen := fixed.I(x)
	for _, r := range s {
		g := f.glyph(r, fk)
		blit(dst, g.Bits, pen.Round()+g.X, y+g.Y)
		pen += g.Advance
	}
	return pen.Round()
}

// blit ORs src into dst with src's top-left at (x, y).
func blit(dst, src *Bitmap, x, y int) {
	for sy := 0; sy < src.Height; sy++ {
		dy := y + sy
		if dy < 0 || dy >= dst.Height {
			continue
		}
		for sx := 0; sx < src.Width; sx++ {
			if src.Pix[sy*src.Stride+sx>>3]&(0x80>>(sx&7)) != 0 {
				dst.Set(x+sx, dy)
			}
		}
	}
}
