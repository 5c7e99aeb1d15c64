package escpos

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

// hx formats bytes as in docs/PRINTER.md ("1B 40").
func hx(b []byte) string { return fmt.Sprintf("% X", b) }

// TestCommands checks every command against the table in docs/PRINTER.md.
func TestCommands(t *testing.T) {
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		enc  func(e *Encoder)
		want string
	}{
		{"initialise", func(e *Encoder) { e.Init() }, "1B 40 1C 2E"},
		{"bold on", func(e *Encoder) { e.Bold(true) }, "1B 45 01"},
		{"bold off", func(e *Encoder) { e.Bold(false) }, "1B 45 00"},
		{"underline off", func(e *Encoder) { must(e.Underline(0)) }, "1B 2D 00"},
		{"underline 1", func(e *Encoder) { must(e.Underline(1)) }, "1B 2D 01"},
		{"underline 2", func(e *Encoder) { must(e.Underline(2)) }, "1B 2D 02"},
		{"align left", func(e *Encoder) { e.Align(Left) }, "1B 61 00"},
		{"align centre", func(e *Encoder) { e.Align(Center) }, "1B 61 01"},
		{"align right", func(e *Encoder) { e.Align(Right) }, "1B 61 02"},
		{"font A", func(e *Encoder) { e.Font(0) }, "1B 4D 00"},
		{"font B", func(e *Encoder) { e.Font(1) }, "1B 4D 01"},
		{"reverse on", func(e *Encoder) { e.Reverse(true) }, "1D 42 01"},
		{"reverse off", func(e *Encoder) { e.Reverse(false) }, "1D 42 00"},
		{"size 1×1", func(e *Encoder) { must(e.Size(1, 1)) }, "1D 21 00"},
		{"size 2×2", func(e *Encoder) { must(e.Size(2, 2)) }, "1D 21 11"},
		{"size 8×8", func(e *Encoder) { must(e.Size(8, 8)) }, "1D 21 77"},
		{"size 3×5", func(e *Encoder) { must(e.Size(3, 5)) }, "1D 21 24"},
		{"code page 30", func(e *Encoder) { e.CodePage(30) }, "1B 74 1E"},
		{"code page 52", func(e *Encoder) { e.CodePage(52) }, "1B 74 34"},
		{"line feed", func(e *Encoder) { e.LineFeed() }, "0A"},
		{"feed lines", func(e *Encoder) { e.FeedLines(3) }, "1B 64 03"},
		{"feed dots", func(e *Encoder) { e.FeedDots(24) }, "1B 4A 18"},
		{"line spacing", func(e *Encoder) { e.LineSpacing(30) }, "1B 33 1E"},
		{"default line spacing", func(e *Encoder) { e.DefaultLineSpacing() }, "1B 32"},
		{"full cut", func(e *Encoder) { e.Cut(FullCut) }, "1D 56 00"},
		{"partial cut", func(e *Encoder) { e.Cut(PartialCut) }, "1D 56 01"},
		{"feed and cut", func(e *Encoder) { e.Cut(FeedCut) }, "1D 56 42 00"},
		{"raster 2×3", func(e *Encoder) { must(e.Raster(RasterNormal, 2, 3, []byte{0x80, 0x01, 0xFF, 0x00, 0x10, 0x04})) },
			"1D 76 30 00 02 00 03 00 80 01 FF 00 10 04"},
		{"raster 300 bytes wide", func(e *Encoder) { must(e.Raster(RasterQuadruple, 300, 1, make([]byte, 300))) },
			"1D 76 30 03 2C 01 01 00 " + hx(make([]byte, 300))},
		{"QR 1025", func(e *Encoder) { must(e.QR([]byte("1025"), 6, QRLevelM)) },
			"1D 28 6B 04 00 31 41 32 00 " + // model 2
				"1D 28 6B 03 00 31 43 06 " + // module size 6
				"1D 28 6B 03 00 31 45 31 " + // level M
				"1D 28 6B 07 00 31 50 30 31 30 32 35 " + // docs/PRINTER.md worked example
				"1D 28 6B 03 00 31 51 30"}, // print
		{"status query", func(e *Encoder) { e.Raw(StatusQuery(4)...) }, "10 04 04"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e Encoder
			tt.enc(&e)
			if got := hx(e.Bytes()); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestQRLongData(t *testing.T) {
	data := bytes.Repeat([]byte("a"), 300) // pL pH = 303 = 0x012F
	var e Encoder
	if err := e.QR(data, 4, QRLevelL); err != nil {
		t.Fatal(err)
	}
	want := []byte{GS, '(', 'k', 0x2F, 0x01, '1', 'P', '0'}
	if !bytes.Contains(e.Bytes(), want) {
		t.Errorf("store header missing: got % X", e.Bytes()[:40])
	}
}

func TestArgumentErrors(t *testing.T) {
	var e Encoder
	for name, err := range map[string]error{
		"size 0":          e.Size(0, 1),
		"size 9":          e.Size(1, 9),
		"underline 3":     e.Underline(3),
		"qr empty":        e.QR(nil, 4, QRLevelM),
		"qr module 17":    e.QR([]byte("x"), 17, QRLevelM),
		"qr level":        e.QR([]byte("x"), 4, 0x34),
		"raster short":    e.Raster(RasterNormal, 2, 2, []byte{1}),
		"raster too wide": e.Raster(RasterNormal, 0x10000, 1, nil),
	} {
		if !errors.Is(err, ErrArgument) {
			t.Errorf("%s: got %v, want ErrArgument", name, err)
		}
	}
	if e.Len() != 0 {
		t.Errorf("failed commands wrote % X", e.Bytes())
	}
}
