package display

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeVT is a virtual console's KD mode.
type fakeVT struct{ mode int }

func (f *fakeVT) get() (int, error)  { return f.mode, nil }
func (f *fakeVT) set(mode int) error { f.mode = mode; return nil }

type closeBuffer struct {
	bytes.Buffer
	closed bool
}

func (c *closeBuffer) Close() error { c.closed = true; return nil }

// TestConsoleTakenAndRestored: for a picture the console goes to graphics
// mode with its cursor hidden, and back to text with its cursor shown
// when the display stops.
func TestConsoleTakenAndRestored(t *testing.T) {
	vt := &fakeVT{mode: kdText}
	out := &closeBuffer{}
	c := &Console{Path: "/dev/tty1", w: out, kd: vt}
	if err := c.take(true); err != nil {
		t.Fatal(err)
	}
	if vt.mode != kdGraphics {
		t.Errorf("KD mode %d while the display runs, want graphics", vt.mode)
	}
	if got := out.String(); got != escCursorOff+escNoBlank {
		t.Errorf("wrote %q, want the cursor hidden and blanking off", got)
	}
	if err := c.Restore(); err != nil {
		t.Fatal(err)
	}
	if vt.mode != kdText || !strings.HasSuffix(out.String(), escCursorOn) || !out.closed {
		t.Errorf("after Restore: mode %d, wrote %q, closed %v; want text, the cursor shown, closed", vt.mode, out.String(), out.closed)
	}
}

// TestConsoleLeftInGraphics: a console still in graphics mode from a
// display that was killed (the watchdog's SIGABRT runs no cleanup) is
// given back in text mode, not in the mode it was found in.
func TestConsoleLeftInGraphics(t *testing.T) {
	vt := &fakeVT{mode: kdGraphics}
	c := &Console{Path: "/dev/tty1", w: &closeBuffer{}, kd: vt}
	if err := c.take(true); err != nil {
		t.Fatal(err)
	}
	if err := c.Restore(); err != nil {
		t.Fatal(err)
	}
	if vt.mode != kdText {
		t.Errorf("KD mode %d after Restore, want text (%d)", vt.mode, kdText)
	}
}

// TestConsoleNotAVT: a file that is no virtual console still gets the
// cursor hidden and shown, and the error says why the console may draw.
func TestConsoleNotAVT(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tty")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := TakeConsole(path, true)
	if c == nil {
		t.Fatal(err)
	}
	if err == nil || !strings.Contains(err.Error(), "stays in text mode") {
		t.Errorf("got %v, want the console's text mode explained", err)
	}
	if err := c.Restore(); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if string(data) != escCursorOff+escNoBlank+escCursorOn {
		t.Errorf("console got %q", data)
	}
	if _, err := TakeConsole(filepath.Join(t.TempDir(), "missing"), false); err == nil || !strings.Contains(err.Error(), "tty group") {
		t.Errorf("missing console: got %v", err)
	}
}
