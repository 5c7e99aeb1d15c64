package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hallq/hallq/internal/cmdline"
	"github.com/hallq/hallq/internal/sdnotify/sdnotifytest"
	"github.com/hallq/hallq/internal/syncbuf"
	"github.com/hallq/hallq/kiosk/config"
	"github.com/hallq/hallq/kiosk/sim"
	"github.com/hallq/hallq/server/servertest"
)

func TestCheckConfigExamples(t *testing.T) {
	for _, name := range []string{"kiosk.toml", "kiosk-touch.toml"} {
		var out, errOut bytes.Buffer
		path := filepath.Join("..", "..", "firmware-config", name)
		code := Main(context.Background(), []string{"-config", path, "-check-config"}, Env{Stdout: &out, Stderr: &errOut})
		if code != 0 || !strings.Contains(out.String(), "OK") {
			t.Errorf("%s: got exit %d, %q %q; want 0 and OK", name, code, out.String(), errOut.String())
		}
	}
}

func TestCheckConfigNamesProblems(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kiosk.toml")
	os.WriteFile(path, []byte("[server]\nurl = \"http://x:8080\"\ntoken = \"t\"\n\n[[buttons]]\npin = \"GPIO17\"\nservice = \"A\"\nlamp = \"GPIO5\"\n"), 0o644)
	var out, errOut bytes.Buffer
	code := Main(context.Background(), []string{"-config", path, "-check-config"}, Env{Stdout: &out, Stderr: &errOut})
	if code != cmdline.ExitUsage || !strings.Contains(errOut.String(), path+":8: buttons.lamp: unknown key") {
		t.Errorf("got exit %d and %q, want %d and the key named", code, errOut.String(), cmdline.ExitUsage)
	}
}

func TestVersion(t *testing.T) {
	var out bytes.Buffer
	if code := Main(context.Background(), []string{"-version"}, Env{Stdout: &out, Stderr: &out}); code != 0 || !strings.HasPrefix(out.String(), "kiosk ") {
		t.Errorf("got %d %q, want the version", code, out.String())
	}
}

// TestSim runs the command as a person would on a laptop: the example
// config, -sim, a press through the control endpoint, a PNG ticket.
func TestSim(t *testing.T) {
	h := servertest.Start(t, servertest.Options{})
	addr, dir, out := runSim(t, h, strings.NewReader(""))
	resp, err := http.Post("http://"+addr+"/press/A", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("press: status %d", resp.StatusCode)
	}
	waitTicket(t, dir, 1, out)
	if !strings.Contains(out.String(), "pad1-score3") {
		t.Errorf("the key list does not name the pads' buttons:\n%s", out.String())
	}
}

// runSim runs kiosk -sim with the example config against hall h, keys
// typed from stdin, until the test ends; it returns the control address,
// the state directory (tickets are saved in its tickets/) and the output.
func runSim(t *testing.T, h *servertest.Hall, stdin io.Reader) (string, string, *syncbuf.Buffer) {
	t.Helper()
	if _, err := os.Stat("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"); err != nil {
		t.Skip("needs fonts-dejavu-core")
	}
	dir := t.TempDir()
	// The example has no tokens: it would enrol. These are the tokens an
	// earlier enrolment would have left in the state directory.
	for name, tok := range map[string]string{"kiosk.token": servertest.KioskToken, "pad-1.token": servertest.PadToken(1), "pad-2.token": servertest.PadToken(2)} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(tok+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	out := &syncbuf.Buffer{}
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, []string{"-config", "../../firmware-config/kiosk.toml", "-sim", "-sim-listen", "127.0.0.1:0",
			"-sim-out", filepath.Join(dir, "tickets"), "-server", h.URL, "-state", dir, "-log-level", "warn"},
			Env{Stdin: stdin, Stdout: out, Stderr: out, Ready: func(a string) { addrc <- a }})
	}()
	t.Cleanup(func() {
		cancel()
		if c, ok := stdin.(io.Closer); ok {
			c.Close()
		}
		if code := <-done; code != 0 {
			t.Errorf("got exit %d, want 0; output:\n%s", code, out.String())
		}
	})
	select {
	case addr := <-addrc:
		return addr, dir, out
	case code := <-done:
		t.Fatalf("kiosk exited %d:\n%s", code, out.String())
		return "", "", nil
	}
}

// waitTicket waits for the simulated printer's n-th ticket PNG.
func waitTicket(t *testing.T, dir string, n int, out *syncbuf.Buffer) {
	t.Helper()
	png := filepath.Join(dir, "tickets", fmt.Sprintf("ticket-%04d.png", n))
	deadline := time.Now().Add(time.Minute) // bounds a hang; a busy machine renders slowly
	for {
		if fi, err := os.Stat(png); err == nil && fi.Size() > 1000 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no ticket saved at %s within a minute; output:\n%s", png, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestDocumentedSimKeys: the key list docs/KIOSK.md shows is what the kiosk
// prints for the example config, so a reader who types '2' gets what the
// guide says.
func TestDocumentedSimKeys(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "KIOSK.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, block, ok := strings.Cut(string(doc), "The kiosk prints its keys at start:\n\n```\n")
	block, _, ok2 := strings.Cut(block, "```")
	if !ok || !ok2 {
		t.Fatal("docs/KIOSK.md: no key list after \"The kiosk prints its keys at start:\"")
	}
	cfg, err := config.Load(filepath.Join("..", "..", "firmware-config", "kiosk.toml"))
	if err != nil {
		t.Fatal(err)
	}
	board, err := sim.NewBoard(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer board.Close()
	var help strings.Builder
	board.WriteHelp(&help)
	printed := map[string]bool{}
	for _, l := range strings.Split(help.String(), "\n") {
		printed[strings.Join(strings.Fields(l), " ")] = true
	}
	n := 0
	for _, l := range strings.Split(block, "\n") {
		l = strings.Join(strings.Fields(l), " ")
		if l == "" || l == "…" {
			continue
		}
		n++
		if !printed[l] {
			t.Errorf("docs/KIOSK.md shows %q, which the kiosk does not print; it prints:\n%s", l, help.String())
		}
	}
	if n < 5 {
		t.Errorf("docs/KIOSK.md's key list has %d lines; want the buttons of the example", n)
	}
}

// TestMissingPinExplained: on a machine whose GPIO does not work for the
// kiosk (here: this test machine, with no Raspberry Pi header), the kiosk
// does not stop at "no GPIO pin named GPIO26": it logs what periph's drivers
// said and gives the likely cause.
func TestMissingPinExplained(t *testing.T) {
	if chips, _ := filepath.Glob("/dev/gpiochip*"); len(chips) > 0 {
		t.Skipf("this machine has GPIO (%v): the pins may exist here", chips)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "kiosk.toml")
	os.WriteFile(path, []byte(`[server]
url = "http://127.0.0.1:9"

[[pads]]
counter = 3
token = "t"
led = "GPIO26"
  [[pads.rating]]
  pin = "GPIO5"
  score = 3
  [[pads.rating]]
  pin = "GPIO6"
  score = 2
`), 0o644)
	var out syncbuf.Buffer
	code := Main(context.Background(), []string{"-config", path, "-state", dir}, Env{Stdout: &out, Stderr: &out})
	if code != cmdline.ExitFailed {
		t.Fatalf("got exit %d, want %d:\n%s", code, cmdline.ExitFailed, out.String())
	}
	for _, want := range []string{"GPIO drivers", "no GPIO pin named", "likely cause: "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the log lacks %q:\n%s", want, out.String())
		}
	}
}

// TestSimNotifiesSystemd runs the kiosk as systemd would (Type=notify,
// WatchdogSec): READY once it runs, then WATCHDOG=1 while its workers make
// progress (kiosk.Healthy decides each ping).
func TestSimNotifiesSystemd(t *testing.T) {
	next := sdnotifytest.Listen(t, 200*time.Millisecond)
	h := servertest.Start(t, servertest.Options{})
	dir := t.TempDir()
	for name, tok := range map[string]string{"kiosk.token": servertest.KioskToken, "pad-1.token": servertest.PadToken(1), "pad-2.token": servertest.PadToken(2)} {
		os.WriteFile(filepath.Join(dir, name), []byte(tok+"\n"), 0o600)
	}
	var out syncbuf.Buffer
	sdnotifytest.Lifecycle(t, next, func(ctx context.Context) int {
		return Main(ctx, []string{"-config", "../../firmware-config/kiosk.toml", "-sim", "-sim-listen", "127.0.0.1:0",
			"-sim-out", filepath.Join(dir, "tickets"), "-server", h.URL, "-state", dir, "-log-level", "warn"},
			Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out})
	}, &out)
}
