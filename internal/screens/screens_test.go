package screens

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/hallq/hallq/internal/browsertest"
)

// TestRun takes the counter screen's shot as the command does and finds a
// small paletted PNG of the screen's size; the page had no problems (Run
// fails on any).
func TestRun(t *testing.T) {
	if browsertest.ChromiumPath() == "" && os.Getenv("CI") == "" {
		t.Skip("no Chromium (apt-get install chromium); runs in CI")
	}
	dir := t.TempDir()
	var log bytes.Buffer
	err := Run(context.Background(), Options{Dir: dir, Only: "counter", HistoryDays: 1, Log: &log})
	if errors.Is(err, browsertest.ErrNoChromium) {
		t.Fatal(err)
	}
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	raw, err := os.ReadFile(filepath.Join(dir, "counter-1920x1080.png"))
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := img.(*image.Paletted); !ok || img.Bounds().Dx() != 1920 || img.Bounds().Dy() != 1080 {
		t.Errorf("got a %T of %v, want a paletted 1920×1080 image", img, img.Bounds())
	}
	if len(raw) > 120_000 {
		t.Errorf("the PNG has %d bytes; a screen of flat colours should stay well under 120 kB", len(raw))
	}
}
