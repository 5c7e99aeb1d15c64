package raster

import (
	"errors"
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
