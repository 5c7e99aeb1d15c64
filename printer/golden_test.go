package printer

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hallq/hallq/printer/codepage"
	"github.com/hallq/hallq/printer/decode"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// The golden files in testdata/ were drawn with DejaVu Sans 2.37 from
// Debian's fonts-dejavu-core. Regenerate them with
//
//	go test ./printer -run Golden -update
//
// and look at the PNGs before committing them.
var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// variant is one printer set-up the goldens cover.
type variant struct {
	name string
	p    Profile
}

func variants() []variant {
	var vs []variant
	for _, w := range []int{Width58, Width80E, Width80} {
		vs = append(vs,
			variant{fmt.Sprintf("hybrid-%d", w), Profile{Width: w, Mode: Hybrid}},
			variant{fmt.Sprintf("raster-%d", w), Profile{Width: w, Mode: Raster}},
			variant{fmt.Sprintf("tcvn3-%d", w), Profile{Width: w, Mode: CodePage, Encoding: codepage.TCVN3{Lower: 30, Upper: 31}}},
			variant{fmt.Sprintf("cp1258-%d", w), Profile{Width: w, Mode: CodePage, Encoding: codepage.CP1258Encoding{Page: 52}}},
		)
	}
	return vs
}

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./printer -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s: got %d bytes, want %d; first difference at byte %d", path, len(got), len(want), firstDiff(got, want))
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// goldenPNG compares the paper with testdata/name pixel for pixel (not
// byte for byte, so a different PNG encoder does not matter).
func goldenPNG(t *testing.T, name string, img *image.Gray) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("%v (run go test ./printer -update to create it)", err)
	}
	defer f.Close()
	want, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if !sameGray(img, want) {
		out := filepath.Join(t.TempDir(), name)
		var buf bytes.Buffer
		png.Encode(&buf, img)
		os.WriteFile(out, buf.Bytes(), 0o644)
		t.Errorf("%s: the paper differs from the golden image; got %s (is fonts-dejavu-core 2.37 installed?)", path, out)
	}
}

func sameGray(a *image.Gray, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			g, _, _, _ := b.At(x, y).RGBA()
			if (a.GrayAt(x, y).Y < 0x80) != (g < 0x8000) {
				return false
			}
		}
	}
	return true
}

// readQR finds and decodes the QR code on the paper.
func readQR(t *testing.T, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		t.Fatalf("no QR code found on the paper: %v", err)
	}
	return res.GetText()
}

func renderJob(t *testing.T, l *Layout, job []byte) *decode.Result {
	t.Helper()
	res, err := decode.Render(job, decode.Options{Width: l.p.Width, Fonts: l.fonts})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) > 0 {
		t.Errorf("decoder warnings: %v", res.Warnings)
	}
	if res.Cuts != 1 {
		t.Errorf("got %d cuts, want 1", res.Cuts)
	}
	return res
}

// TestGoldenTickets: layout → bytes → decode → PNG, for every width and
// mode, and the QR code on the paper reads back as the status URL.
func TestGoldenTickets(t *testing.T) {
	fonts := loadFonts(t)
	for _, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			l, err := NewLayout(v.p, fonts)
			if err != nil {
				t.Fatal(err)
			}
			tk := sampleTicket()
			tk.Language = Bilingual
			job, err := l.Ticket(tk)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "ticket-"+v.name+".bin", job)
			res := renderJob(t, l, job)
			goldenPNG(t, "ticket-"+v.name+".png", res.Paper)
			if got := readQR(t, res.Paper); got != tk.StatusURL {
				t.Errorf("QR reads %q, want %q", got, tk.StatusURL)
			}
			if v.p.Mode == CodePage {
				text := strings.Join(res.Lines, " ")
				for _, want := range []string{"Đăng ký kinh doanh", "Số người đang chờ trước bạn: 12", "Thời gian chờ dự kiến: khoảng 25 phút", "Giờ lấy số: 08:15 ngày 27/11/2026", "1025"} {
					if !strings.Contains(text, want) {
						t.Errorf("printed text lacks %q:\n%s", want, text)
					}
				}
			}
		})
	}
}

// TestGoldenTestPages prints every Vietnamese letter, both cases, all five
// tones, in every width and mode; in the code page modes the printed text
// must read back exactly.
func TestGoldenTestPages(t *testing.T) {
	fonts := loadFonts(t)
	for _, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			l, err := NewLayout(v.p, fonts)
			if err != nil {
				t.Fatal(err)
			}
			job, err := l.TestPage()
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "testpage-"+v.name+".bin", job)
			res := renderJob(t, l, job)
			goldenPNG(t, "testpage-"+v.name+".png", res.Paper)
			if v.p.Mode != CodePage {
				return
			}
			text := strings.Join(res.Lines, " ")
			for _, want := range testPageTexts()[2:] {
				for _, word := range strings.Fields(want) {
					if word != "–" && !strings.Contains(text, word) {
						t.Errorf("printed text lacks %q", word)
					}
				}
			}
		})
	}
}

func TestGoldenOutOfPaper(t *testing.T) {
	fonts := loadFonts(t)
	l, err := NewLayout(Profile{Width: Width80}, fonts)
	if err != nil {
		t.Fatal(err)
	}
	job, err := l.OutOfPaper()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "outofpaper-hybrid-576.bin", job)
	goldenPNG(t, "outofpaper-hybrid-576.png", renderJob(t, l, job).Paper)
}
