package decode

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
)

// TestPaperIsBounded: a few bytes of ESC d (feed 255 lines) would feed
// metres of paper; the drawing stops at MaxPaper with a warning, and its
// work stays bounded (FuzzRender found 900 bytes taking 2.5 s and 880 MB).
// The work is counted in bytes allocated, which a busy machine does not
// change; a MaxPaper-long ticket at 384 dots takes about 7 MB.
func TestPaperIsBounded(t *testing.T) {
	data := append(bytes.Repeat([]byte{0x1b, 'd', 255}, 600), 'X', '\n')
	f := fonts(t)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	res, err := Render(data, Options{Fonts: f, Width: 384})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
		t.Errorf("allocated %d MB, want at most 64", alloc>>20)
	}
	if got := res.Paper.Bounds().Dy(); got != MaxPaper {
		t.Errorf("got paper %d dots long, want %d", got, MaxPaper)
	}
	found := false
	for _, w := range res.Warnings {
		found = found || strings.Contains(w.Msg, "paper longer than")
	}
	if !found {
		t.Errorf("got warnings %v, want one about the paper's length", res.Warnings)
	}
}
