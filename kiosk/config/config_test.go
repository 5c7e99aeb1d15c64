package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hallq/hallq/printer"
	"github.com/hallq/hallq/printer/codepage"
)

const minimal = `
[server]
url = "http://192.168.1.10:8080"
token = "t"

[printer]
mode = "codepage"

[[buttons]]
pin = "GPIO17"
service = "A"
`

func TestMinimalDefaults(t *testing.T) {
	cfg, err := Parse("kiosk.toml", []byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"confirm", cfg.Debounce.Confirm, 25 * time.Millisecond},
		{"hold-off", cfg.Debounce.HoldOff, 300 * time.Millisecond},
		{"device", cfg.Printer.Device, "/dev/usb/lp0"},
		{"width", cfg.Printer.Profile.Width, printer.Width80},
		{"encoding", cfg.Printer.Profile.Encoding, codepage.Encoding(codepage.TCVN3{Lower: 30, Upper: 31})},
		{"language", cfg.Language, printer.Vietnamese},
		{"timeout", cfg.Timeout, 3 * time.Second},
		{"touch listen", cfg.Touch.Listen, "127.0.0.1:8081"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
	if cfg.Buttons[0].Pin != (Pin{Name: "GPIO17", Key: "buttons[0].pin"}) {
		t.Errorf("got pin %+v, want GPIO17 named by buttons[0].pin", cfg.Buttons[0].Pin)
	}
}

// TestProblemsNamed: every problem is reported at once, each with file,
// line and key.
func TestProblemsNamed(t *testing.T) {
	bad := `[server]
url = "192.168.1.10:8080"
timeout = "3 seconds"

[debounce]
confirm = "2s"

[printer]
transport = "serial"
paper = "A4"
family = "epson"
code_page = "utf8"

[[buttons]]
pin = "GPIO17"
service = "A"

[[buttons]]
pin = "GPIO17"

[[pads]]
counter = 3
  [[pads.rating]]
  pin = "GPIO23"
  score = 7
  [[pads.rating]]
  pin = "GPIO24"
  score = 2

[touch]
enabled = true
listen = "0.0.0.0:8081"
`
	_, err := Parse("kiosk.toml", []byte(bad))
	if err == nil {
		t.Fatal("got no error, want several")
	}
	want := []string{
		"kiosk.toml:2: server.url: want an http:// or https:// URL",
		"kiosk.toml:3: server.timeout: want a duration",
		"kiosk.toml:6: debounce.confirm: 2s is out of range",
		"kiosk.toml:8: printer.device: is required for a serial printer",
		"kiosk.toml:10: printer.paper: must be",
		"kiosk.toml:12: printer.code_page: must be tcvn3 or cp1258",
		"kiosk.toml:19: buttons[1].pin: pin GPIO17 is already used by buttons[0].pin",
		"kiosk.toml:18: buttons[1].service: is required",
		"kiosk.toml:25: pads[0].rating[0].score: must be 1 to 5",
		"kiosk.toml:32: touch.listen: the touch page serves only this machine",
	}
	msg := err.Error()
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("missing %q in:\n%s", w, msg)
		}
	}
}

func TestUnknownKey(t *testing.T) {
	_, err := Parse("kiosk.toml", []byte(minimal+"\n[[buttons]]\npin = \"GPIO27\"\nservis = \"B\"\n"))
	if err == nil || !strings.Contains(err.Error(), "kiosk.toml:15: buttons.servis: unknown key") {
		t.Errorf("got %v, want the unknown key named with its line", err)
	}
}

func TestTokenFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "kiosk.token"), []byte("secret-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(minimal, `token = "t"`, `token_file = "kiosk.token"`, 1)
	cfg, err := Parse(filepath.Join(dir, "kiosk.toml"), []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.KioskToken != "secret-token" {
		t.Errorf("got token %q, want the file's, trimmed", cfg.KioskToken)
	}
	text = strings.Replace(minimal, `token = "t"`, `token_file = "missing.token"`, 1)
	if _, err := Parse(filepath.Join(dir, "kiosk.toml"), []byte(text)); err == nil || !strings.Contains(err.Error(), "server.token_file: cannot read the token") {
		t.Errorf("got %v, want the missing token file named", err)
	}
}

// TestExamples: the example configs in firmware-config are valid.
func TestExamples(t *testing.T) {
	for _, name := range []string{"kiosk.toml", "kiosk-touch.toml"} {
		if _, err := Load(filepath.Join("..", "..", "firmware-config", name)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestPrinterOverrides: every number of the printer profile can be set in
// [printer], over the family's; a bad one is named with its line.
func TestPrinterOverrides(t *testing.T) {
	text := strings.Replace(minimal, "[printer]\nmode = \"codepage\"\n", `[printer]
mode = "codepage"
family = "bixolon"
tcvn3_lower = 40
tcvn3_upper = 41
dots = 512
columns = 42
columns_small = 56
pad_raster = true
cut = "full"
`, 1)
	cfg, err := Parse("kiosk.toml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	want := printer.Profile{Width: 512, Mode: printer.CodePage, Encoding: codepage.TCVN3{Lower: 40, Upper: 41},
		Columns: 42, ColumnsSmall: 56, PadRaster: true, Cut: printer.CutFull}
	if cfg.Printer.Profile != want {
		t.Errorf("got %+v, want %+v", cfg.Printer.Profile, want)
	}
	bad := strings.Replace(minimal, "[printer]\nmode = \"codepage\"\n", `[printer]
mode = "codepage"
family = "bixolon"
code_page = "cp1258"
columns = 300
`, 1)
	_, err = Parse("kiosk.toml", []byte(bad))
	for _, w := range []string{
		"kiosk.toml:6: printer.cp1258_page: printers of family bixolon have no known CP1258 page",
		"kiosk.toml:10: printer.columns: 300 characters a line",
	} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("got %v, want %q", err, w)
		}
	}
}

// TestScanner: [scanner] names the scanner's serial port and speed; a
// relative path, a speed no port has, or a scanner on a kiosk that prints
// nothing is refused with its line and key.
func TestScanner(t *testing.T) {
	cfg, err := Parse("kiosk.toml", []byte(minimal+"\n[scanner]\ndevice = \"/dev/ttyACM0\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Scanner != (Scanner{Device: "/dev/ttyACM0"}) {
		t.Errorf("got %+v, want /dev/ttyACM0 at the default speed", cfg.Scanner)
	}
	if cfg, err := Parse("kiosk.toml", []byte(minimal)); err != nil || cfg.Scanner.Device != "" {
		t.Errorf("no [scanner]: got %+v, %v; want none", cfg.Scanner, err)
	}
	_, err = Parse("kiosk.toml", []byte(minimal+"\n[scanner]\ndevice = \"ttyACM0\"\nbaud = 9601\n"))
	for _, w := range []string{"kiosk.toml:14: scanner.device: want the scanner's serial port", "kiosk.toml:15: scanner.baud: 9601 is not a serial speed"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("got %v, want %q", err, w)
		}
	}
	padOnly := "[server]\nurl = \"http://h:8080\"\n[[pads]]\ncounter = 1\ntoken = \"p\"\n  [pads.call]\n  next = \"GPIO4\"\n[scanner]\ndevice = \"/dev/ttyACM0\"\n"
	if _, err := Parse("kiosk.toml", []byte(padOnly)); err == nil || !strings.Contains(err.Error(), "kiosk.toml:9: scanner.device: a scanner checks bookings in") {
		t.Errorf("a scanner on a kiosk without a printer: got %v", err)
	}
}
