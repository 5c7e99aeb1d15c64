package decode

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestPaperIsBounded: a few bytes of ESC d (feed 255 lines) would feed
// metres of paper; the drawing stops at MaxPaper with a warning, and
// stays fast (FuzzRender found 900 bytes taking 2.5 s and 880 MB).
func TestPaperIsBounded(t *testing.T) {
	data := append(bytes.Repeat([]byte{0x1b, 'd', 255}, 600), 'X', '\n')
	start := time.Now()
	res, err := Render(data, Options{Fonts: fonts(t), Width: 384})
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("took %v", took)
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
