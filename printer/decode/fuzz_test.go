package decode

import (
	"testing"

	"github.com/hallq/hallq/printer/raster"
)

// FuzzRender: any byte string decodes without panicking, and the paper it
// draws stays within bounds. Seeds: the golden tickets of every mode and
// width (testdata/*.bin beside the printer package) and hand-made edge cases.
func FuzzRender(f *testing.F) {
	fonts, err := raster.LoadDefault()
	if err != nil {
		f.Fatalf("%v (install Debian's fonts-dejavu-core)", err)
	}
	for _, s := range [][]byte{
		{0x1b, 0x40, 'H', 'i', '\n', 0x1d, 0x56, 0x00},
		{0x1d, 0x76, 0x30, 0x00, 0xff, 0xff, 0xff, 0xff},         // huge raster header, no data
		{0x1d, 0x28, 0x6b, 0xff, 0xff, 0x31, 0x50, 0x30},         // QR store longer than the input
		{0x1d, 0x21, 0x77, '8', '\n'},                            // 8×8 size
		{0x1b, 0x74, 30, 0xad, 0xea, '\n', 0x1b, 0x74, 31, 0xa7}, // TCVN-3 switching
		{0x1b, 0x2a, 33, 0xff, 0xff},                             // ESC * with a huge width
		{0x10, 0x04, 0x01, 0x10, 0x04, 0x04},                     // status queries
	} {
		f.Add(s)
	}
	addGoldenSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		// The fuzzer minimizes each input that finds new code, in time
		// quadratic in its length, counting none of it: whole golden jobs
		// (up to 23 kB) kept 10 s runs near 6 execs/s. A ticket's text job
		// is under 1 kB, a test page's 2 kB; longer ones only repeat
		// commands. Seeds longer than that are cut (addGoldenSeeds).
		if len(data) > maxFuzzJob {
			return
		}
		res, err := Render(data, Options{Fonts: fonts, Width: 384})
		if err != nil {
			return
		}
		b := res.Paper.Bounds()
		if b.Dx() != 384 {
			t.Fatalf("paper %d dots wide, want 384", b.Dx())
		}
		if b.Dy() > 1<<20 {
			t.Fatalf("paper %d dots long from %d bytes", b.Dy(), len(data))
		}
	})
}
