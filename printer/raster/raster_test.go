package raster

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// loadFonts loads DejaVu Sans, failing (not skipping) when it is absent:
// the golden images were drawn with it.
func loadFonts(t testing.TB) *Fonts {
	t.Helper()
	f, err := LoadDefault()
	if err != nil {
		t.Fatalf("%v\nThe printer tests need DejaVu Sans: apt-get install fonts-dejavu-core", err)
	}
	return f
}

func TestBitmapLayout(t *testing.T) {
	b := NewBitmap(10, 2)
	b.Set(0, 0)
	b.Set(9, 0)
	b.Set(7, 1)
	b.Set(10, 1) // outside: ignored
	if b.Stride != 2 {
		t.Fatalf("got stride %d, want 2", b.Stride)
	}
	want := []byte{0x80, 0x40, 0x01, 0x00}
	for i := range want {
		if b.Pix[i] != want[i] {
			t.Fatalf("got % X, want % X", b.Pix, want)
		}
	}
	if r := b.InkBounds(); r.Min.X != 0 || r.Min.Y != 0 || r.Max.X != 10 || r.Max.Y != 2 {
		t.Errorf("got ink bounds %v", r)
	}
}

// Dots and Image see each black dot once, the last partial byte's too,
// and nothing past the width even where a byte's spare bits are set.
func TestDotsAndImage(t *testing.T) {
	b := NewBitmap(10, 3)
	want := [][2]int{{0, 0}, {9, 0}, {7, 1}, {8, 2}}
	for _, d := range want {
		b.Set(d[0], d[1])
	}
	b.Pix[5] |= 0x3F // row 2's spare bits, beyond the width
	var got [][2]int
	for x, y := range b.Dots() {
		got = append(got, [2]int{x, y})
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Dots: %v, want %v", got, want)
	}
	img := b.Image()
	if img.Bounds().Dx() != 10 || img.Bounds().Dy() != 3 {
		t.Fatalf("image %v, want 10×3", img.Bounds())
	}
	for y := 0; y < 3; y++ {
		for x := 0; x < 10; x++ {
			wantV := uint8(0xFF)
			if b.At(x, y) {
				wantV = 0
			}
			if v := img.GrayAt(x, y).Y; v != wantV {
				t.Errorf("image at (%d, %d): %#x, want %#x", x, y, v, wantV)
			}
		}
	}
}

func TestCheckVietnamese(t *testing.T) {
	f := loadFonts(t)
	if err := f.Check(VietnameseRepertoire(), "Bộ phận Một cửa – Số thứ tự"); err != nil {
		t.Fatal(err)
	}
}

func TestMissingGlyph(t *testing.T) {
	f := loadFonts(t)
	err := f.Check("ok 日本")
	var mg *MissingGlyphError
	if !errors.As(err, &mg) || len(mg.Runes) != 2 {
		t.Fatalf("got %v, want a MissingGlyphError for 日 and 本", err)
	}
}

func TestMissingFont(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "none.ttf"), DefaultBold)
	if !errors.Is(err, ErrNoFont) {
		t.Fatalf("got %v, want ErrNoFont", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.ttf")
	os.WriteFile(bad, []byte("not a font"), 0o644)
	if _, err := Load(bad, DefaultBold); err == nil {
		t.Fatal("got nil error for a file that is not a font")
	}
}

func TestWrapAndRender(t *testing.T) {
	f := loadFonts(t)
	lines := f.Wrap("Thời gian chờ dự kiến: khoảng 25 phút", 200, 22, false)
	if len(lines) < 2 {
		t.Fatalf("got %q, want at least two lines", lines)
	}
	for _, l := range lines {
		if w := f.Measure(l, 22, false); w > 200 {
			t.Errorf("line %q is %d dots, want ≤ 200", l, w)
		}
	}
	b := f.Render("Đ", 100, Style{Size: 24, Align: AlignCenter})
	if b == nil || b.Width > 100 || b.Width < 50 {
		t.Fatalf("got %+v, want a centred glyph", b)
	}
	if f.Render("   ", 100, Style{Size: 24}) != nil {
		t.Error("blank text rendered ink")
	}
}
