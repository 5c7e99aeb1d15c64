package decode

import (
	"strings"
	"testing"

	"github.com/hallq/hallq/printer/escpos"
	"github.com/hallq/hallq/printer/raster"
)

func fonts(t *testing.T) *raster.Fonts {
	t.Helper()
	f, err := raster.LoadDefault()
	if err != nil {
		t.Fatalf("%v\nThe printer tests need DejaVu Sans: apt-get install fonts-dejavu-core", err)
	}
	return f
}

func render(t *testing.T, b []byte) *Result {
	t.Helper()
	r, err := Render(b, Options{Width: 384, Fonts: fonts(t)})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestUnknownCommandsAreReported(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"unknown ESC", "\x1b\x7f", "unknown command ESC"},
		{"unknown GS", "\x1d\x01", "unknown command GS"},
		{"unknown FS", "\x1c\x01", "unknown command FS"},
		{"control byte", "\x07", "unknown control byte 07"},
		{"truncated raster", "\x1dv0\x00\x02\x00\x02\x00\xff", "truncated command"},
		{"no line feed", "abc", "without a line feed"},
		{"unconfigured page", "\x1bt\x63", "code page 99 not configured"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := render(t, []byte(tt.in))
			if len(r.Warnings) == 0 || !strings.Contains(r.Warnings[0].Msg, tt.want) {
				t.Errorf("got warnings %v, want one containing %q", r.Warnings, tt.want)
			}
		})
	}
}

func TestKnownCommandsAreQuiet(t *testing.T) {
	in := "\x1b@\x1c.\x1b!\x38A\n\x1bE\x01\x1b-\x01\x1ba\x01\x1b2\x1b3\x20\x1bt\x00\x1bM\x01\x1d!\x11\x1dB\x01B\n" +
		"\x1dL\x08\x00\x1dW\x00\x01\x1bd\x02\x1bJ\x10\x1dh\x40\x1dw\x02\x1dH\x02\x1dkI\x05{B123\x1dk\x04AB\x00" +
		"\x1b*\x00\x02\x00\xff\x81\n\x1b*\x21\x01\x00\xff\xff\xff\n\tX\r\n\x10\x04\x01\x1dV\x42\x00"
	r := render(t, []byte(in))
	if len(r.Warnings) != 0 {
		t.Errorf("got warnings %v", r.Warnings)
	}
	if r.Cuts != 1 || r.StatusQueries != 1 || len(r.Barcodes) != 2 {
		t.Errorf("got %d cuts, %d queries, barcodes %q", r.Cuts, r.StatusQueries, r.Barcodes)
	}
}

// TestRasterExact checks that GS v 0 lands on the paper dot for dot.
func TestRasterExact(t *testing.T) {
	var e escpos.Encoder
	data := []byte{0x80, 0x01, 0x00, 0x00, 0xF0, 0x0F}
	if err := e.Raster(escpos.RasterNormal, 2, 3, data); err != nil {
		t.Fatal(err)
	}
	r := render(t, e.Bytes())
	black := func(x, y int) bool { return r.Paper.GrayAt(x, y).Y < 0x80 }
	want := raster.Bitmap{Width: 16, Height: 3, Stride: 2, Pix: data}
	for y := 0; y < 3; y++ {
		for x := 0; x < 20; x++ {
			if black(x, y) != want.At(x, y) {
				t.Errorf("dot (%d,%d): got %v, want %v", x, y, black(x, y), want.At(x, y))
			}
		}
	}
}

func TestCodePagesDecode(t *testing.T) {
	// TCVN-3 switching pages inside a line, then CP1258 with combining tones.
	in := "\x1bt\x1f\xa7\x1bt\x1e\xca\x74 \xae\x61\x69\n\x1bt\x34\x50\x68\xfd\xf5\xcc\x6e\x67 \x53\xf4\xec\n"
	r := render(t, []byte(in))
	want := []string{"Đất đai", "Phường Số"}
	if strings.Join(r.Lines, "|") != strings.Join(want, "|") {
		t.Errorf("got %q, want %q", r.Lines, want)
	}
}

func TestQR(t *testing.T) {
	var e escpos.Encoder
	if err := e.QR([]byte("https://hall.example/t/1"), 4, escpos.QRLevelM); err != nil {
		t.Fatal(err)
	}
	r := render(t, e.Bytes())
	if len(r.QRCodes) != 1 || r.QRCodes[0] != "https://hall.example/t/1" {
		t.Errorf("got %q", r.QRCodes)
	}
	if r.Paper.Bounds().Dy() < 21*4 {
		t.Errorf("paper is %d dots tall, too short for a QR code", r.Paper.Bounds().Dy())
	}
}
