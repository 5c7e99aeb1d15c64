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
