package main

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hallq/hallq/printer/printertest"
)

func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := Run(context.Background(), args, &out, &errb)
	return out.String() + errb.String(), err
}

func TestTicketAndRender(t *testing.T) {
	dir := t.TempDir()
	pngPath, bin := filepath.Join(dir, "t.png"), filepath.Join(dir, "t.bin")
	for _, out := range []string{pngPath, bin} {
		if msg, err := run(t, "ticket", "-width", "384", "-issued", "2026-11-27T08:15", "-o", out); err != nil {
			t.Fatalf("%v\n%s", err, msg)
		}
	}
	again := filepath.Join(dir, "again.png")
	if msg, err := run(t, "render", bin, "-width", "384", "-o", again); err != nil || msg != "" {
		t.Fatalf("render: %v %q", err, msg)
	}
	a, _ := os.ReadFile(pngPath)
	b, _ := os.ReadFile(again)
	if !bytes.Equal(a, b) {
		t.Error("ticket -o t.png and render t.bin differ")
	}
	img, err := png.Decode(bytes.NewReader(a))
	if err != nil || img.Bounds().Dx() != 384 {
		t.Errorf("got %v, %v, want a 384-dot PNG", img.Bounds(), err)
	}
}

func TestRenderReportsUnknownCommands(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "c.bin")
	os.WriteFile(in, []byte("\x1b@hi\n\x1b\x7f"), 0o644)
	msg, err := run(t, "render", in, "-o", filepath.Join(dir, "c.png"))
	if err != nil || !strings.Contains(msg, "unknown command ESC") {
		t.Errorf("got %v %q, want a warning", err, msg)
	}
}

func TestPrintAndStatus(t *testing.T) {
	p := printertest.New()
	addr, err := p.Listen()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	dev := "tcp:" + addr
	if msg, err := run(t, "status", "-device", dev); err != nil || !strings.Contains(msg, "online") {
		t.Fatalf("status: %v %q", err, msg)
	}
	if msg, err := run(t, "print", "-device", dev, "-test", "-read-timeout", "300ms"); err != nil {
		t.Fatalf("print: %v %q", err, msg)
	}
	if err := p.WaitCuts(1, 2*time.Second); err != nil {
		t.Fatal(err)
	}
	p.Set(printertest.PaperOut)
	if msg, err := run(t, "status", "-device", dev); err == nil || !strings.Contains(msg, "paper out") {
		t.Errorf("status with paper out: %v %q", err, msg)
	}
	if _, err := run(t, "print", "-device", dev, "-test"); err == nil || !strings.Contains(err.Error(), "not ready") {
		t.Errorf("print with paper out: got %v", err)
	}
}

func TestUsage(t *testing.T) {
	if _, err := run(t); err == nil {
		t.Error("no command accepted")
	}
	if _, err := run(t, "frobnicate"); err == nil {
		t.Error("unknown command accepted")
	}
	if _, err := run(t, "ticket"); err == nil {
		t.Error("ticket without -o accepted")
	}
}

func TestVersion(t *testing.T) {
	out, err := run(t, "-version")
	if err != nil || !strings.HasPrefix(out, "escpos ") {
		t.Errorf("got %q, %v; want \"escpos VERSION\"", out, err)
	}
}

// TestProfileFlags: every number of a printer profile has a flag; the
// ticket's bytes follow them, and a bad one is named by its flag.
func TestProfileFlags(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "t.bin")
	if msg, err := run(t, "ticket", "-mode", "codepage", "-family", "bixolon", "-encoding", "cp1258", "-cp1258-page", "45",
		"-columns", "40", "-columns-small", "50", "-cut", "full", "-pad-raster", "-width", "512", "-o", bin); err != nil {
		t.Fatalf("%v\n%s", err, msg)
	}
	job, _ := os.ReadFile(bin)
	if !bytes.Contains(job, []byte{0x1B, 't', 45}) || !bytes.HasSuffix(job, []byte{0x1D, 'V', 0}) {
		t.Errorf("the job lacks ESC t 45 or ends % X, not with the full cut", job[len(job)-4:])
	}
	// The PNG decodes the override's page too: no replacement characters.
	if msg, err := run(t, "render", bin, "-mode", "codepage", "-family", "bixolon", "-encoding", "cp1258", "-cp1258-page", "45",
		"-width", "512", "-o", filepath.Join(dir, "t.png")); err != nil || msg != "" {
		t.Errorf("render with the override: %v %q", err, msg)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-mode", "codepage", "-family", "bixolon", "-encoding", "cp1258"}, "-cp1258-page: printers of family bixolon have no known CP1258 page"},
		{[]string{"-tcvn3-lower", "0"}, "-tcvn3-lower: 0: an ESC t page number is 1 to 255"},
		{[]string{"-cut", "saw"}, "-cut: must be partial"},
		{[]string{"-width", "500"}, "-width: 500 dots"},
	} {
		_, err := run(t, append(append([]string{"ticket"}, tt.args...), "-o", bin)...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: got %v, want %q", tt.args, err, tt.want)
		}
	}
}
