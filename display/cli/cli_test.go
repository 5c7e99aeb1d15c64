package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/display"
	"github.com/hallq/hallq/enrol"
	waitfor "github.com/hallq/hallq/internal/eventually"
	"github.com/hallq/hallq/internal/sdnotify/sdnotifytest"
	"github.com/hallq/hallq/internal/syncbuf"
	"github.com/hallq/hallq/server/servertest"
)

// clearScreen starts each of the terminal renderer's screens.
const clearScreen = "\x1b[H\x1b[2J"

// eventually waits up to a minute: the deadline only bounds a hang, and a
// busy machine may take many seconds for what a quiet one does at once.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	waitfor.True(t, time.Minute, what, cond)
}

// TestDisplayEnrols runs the display command as installed — no token in
// its config — against a real hall: it shows a code on its screen, the
// admin approves it, and it shows the hall without a restart, its token
// kept 0600 in its state directory; revoked, it shows a new code; approved
// again, the hall again.
func TestDisplayEnrols(t *testing.T) {
	h := servertest.Start(t, servertest.Options{})
	admin := h.Login("admin")
	dir := t.TempDir()
	path := filepath.Join(dir, "display.toml")
	os.WriteFile(path, []byte(`server = "`+h.URL+`"
name = "tv-sanh"
mode = "hall"
renderer = "terminal"
heartbeat_s = 5
`), 0o644)
	state := filepath.Join(dir, "state")
	var screen, log syncbuf.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, []string{"-config", path, "-state", state}, Env{Stdout: &screen, Stderr: &log})
	}()
	defer func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("exit %d:\n%s", code, log.String())
		}
	}()

	req := h.PendingEnrolment(admin, "tv-sanh", "")
	eventually(t, "the code on the screen", func() bool {
		s := screen.Since(clearScreen)
		return strings.Contains(s, req.Code) && strings.Contains(s, "Thiết bị chưa được đăng ký")
	})
	if code, body := h.Raw("POST", "/api/v1/enrolments/"+req.ID+"/approve", admin, nil); code != 200 {
		t.Fatalf("approve: %d %s", code, body)
	}
	eventually(t, "the hall on the screen", func() bool { return strings.Contains(screen.Since(clearScreen), "Số thứ tự") })
	fi, err := os.Stat(filepath.Join(state, "display.token"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the token file: %v %v, want mode 0600", fi, err)
	}

	// Revoked: back to a code (the heartbeat, every 5 s, hears the 401).
	if code, body := h.Raw("POST", "/api/v1/devices/tv-sanh/revoke", admin, nil); code != 204 {
		t.Fatalf("revoke: %d %s", code, body)
	}
	req2 := h.PendingEnrolment(admin, "tv-sanh", req.ID)
	eventually(t, "the new code on the screen", func() bool { return strings.Contains(screen.Since(clearScreen), req2.Code) })
	if code, body := h.Raw("POST", "/api/v1/enrolments/"+req2.ID+"/approve", admin, nil); code != 200 {
		t.Fatalf("approve again: %d %s", code, body)
	}
	eventually(t, "the hall on the screen again", func() bool { return strings.Contains(screen.Since(clearScreen), "Số thứ tự") })
}

// TestTerminalOnAConsole: the terminal renderer drawing on a console (here
// a file standing in for /dev/tty1) hides its cursor while it runs and
// shows it again when the display stops.
func TestTerminalOnAConsole(t *testing.T) {
	h := servertest.Start(t, servertest.Options{})
	dir := t.TempDir()
	tty := filepath.Join(dir, "tty1")
	os.WriteFile(tty, nil, 0o600)
	path := filepath.Join(dir, "display.toml")
	os.WriteFile(path, []byte(`server = "`+h.URL+`"
token = "`+servertest.DisplayToken+`"
renderer = "terminal"
[terminal]
device = "/dev/tty1"
`), 0o644)
	var log syncbuf.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, []string{"-config", path, "-state", dir, "-terminal-device", tty}, Env{Stdout: &log, Stderr: &log})
	}()
	t.Cleanup(func() {
		if t.Failed() {
			data, _ := os.ReadFile(tty)
			t.Logf("log:\n%s\nconsole:\n%q", log.String(), data)
		}
	})
	eventually(t, "the hall on the console", func() bool {
		data, _ := os.ReadFile(tty)
		return strings.Contains(string(data), "Số thứ tự")
	})
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d:\n%s", code, log.String())
	}
	data, _ := os.ReadFile(tty)
	if !strings.HasPrefix(string(data), "\x1b[?25l") || !strings.HasSuffix(string(data), "\x1b[?25h") {
		t.Errorf("the console got %.40q … %.20q: want the cursor hidden first and shown last", data, data[max(0, len(data)-20):])
	}
}

// TestNotifiesSystemd: READY once the screen is up, WATCHDOG=1 while it
// is redrawn and the stream followed (Daemon.Healthy decides each ping).
func TestNotifiesSystemd(t *testing.T) {
	next := sdnotifytest.Listen(t, 200*time.Millisecond)
	h := servertest.Start(t, servertest.Options{})
	dir := t.TempDir()
	path := filepath.Join(dir, "display.toml")
	os.WriteFile(path, []byte(`server = "`+h.URL+`"
token = "`+servertest.DisplayToken+`"
renderer = "terminal"
`), 0o644)
	var out syncbuf.Buffer
	sdnotifytest.Lifecycle(t, next, func(ctx context.Context) int {
		return Main(ctx, []string{"-config", path, "-state", dir}, Env{Stdout: &out, Stderr: &out})
	}, &out)
}

// TestFramebufferDisplay runs the display command with the shipped
// display.toml (a counter screen on the framebuffer) against a real hall,
// its /dev/fb0, /dev/tty1 and /sys/class/graphics/fb0 stood in for by
// files under Env.Root: it takes the console (cursor hidden, no
// blanking), draws its enrolment code, and once approved, counter 3's
// called number; the picture in the device file is, pixel for pixel, what
// the renderer draws for that view. Stopped, it gives the console back.
func TestFramebufferDisplay(t *testing.T) {
	if _, err := os.Stat(display.DefaultFont); err != nil {
		t.Skipf("%s missing (on Debian: apt-get install fonts-dejavu-core)", display.DefaultFont)
	}
	const w, h, bpp = 320, 180, 32
	root := t.TempDir()
	sys := filepath.Join(root, "sys/class/graphics/fb0")
	os.MkdirAll(sys, 0o755)
	os.MkdirAll(filepath.Join(root, "dev"), 0o755)
	os.WriteFile(filepath.Join(sys, "virtual_size"), []byte(fmt.Sprintf("%d,%d\n", w, h)), 0o644)
	os.WriteFile(filepath.Join(sys, "bits_per_pixel"), []byte(fmt.Sprintf("%d\n", bpp)), 0o644)
	os.WriteFile(filepath.Join(sys, "stride"), []byte(fmt.Sprintf("%d\n", w*bpp/8)), 0o644)
	fb0, tty1 := filepath.Join(root, "dev/fb0"), filepath.Join(root, "dev/tty1")
	os.WriteFile(fb0, make([]byte, w*h*bpp/8), 0o600)
	os.WriteFile(tty1, nil, 0o600)

	// The shipped config as installed, but silent: the test machine has no
	// speaker to say the call through.
	shipped, err := os.ReadFile("../../firmware-config/display.toml")
	if err != nil {
		t.Fatal(err)
	}
	conf := strings.Replace(string(shipped), "[audio]\n", "[audio]\nenabled = false\n", 1)
	conf = strings.Replace(conf, "\nenabled = true\n", "\n", 1)
	if !strings.Contains(conf, "renderer = \"framebuffer\"") || !strings.Contains(conf, "counter = 3") || strings.Count(conf, "enabled =") != 1 {
		t.Fatalf("firmware-config/display.toml is no longer a framebuffer screen for counter 3 with audio on:\n%s", shipped)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "display.toml")
	os.WriteFile(path, []byte(conf), 0o644)

	hl := servertest.Start(t, servertest.Options{})
	admin := hl.Login("admin")
	var log syncbuf.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, []string{"-config", path, "-server", hl.URL, "-state", dir}, Env{Stdout: &log, Stderr: &log, Root: root})
	}()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("log:\n%s", log.String())
		}
	})

	// What the renderer draws for a view, to compare the device file with.
	ref, err := display.NewFramebuffer(nil, w, h, bpp, 0, display.DefaultFont)
	if err != nil {
		t.Fatal(err)
	}
	shows := func(views ...display.View) func() bool {
		return func() bool {
			data, err := os.ReadFile(fb0)
			if err != nil {
				return false
			}
			got := display.ReadImage(data, w, h, bpp, 0)
			for _, v := range views {
				if bytes.Equal(got.Pix, ref.Draw(v).Pix) {
					return true
				}
			}
			return false
		}
	}

	name := enrol.DeviceName("display")
	req := hl.PendingEnrolment(admin, name, "")
	eventually(t, "the enrolment code on the framebuffer", shows(display.View{Lang: "vi",
		Enrol: &display.EnrolView{Code: req.Code, Device: name, Server: hl.URL}}))
	if data, _ := os.ReadFile(tty1); !strings.HasPrefix(string(data), "\x1b[?25l\x1b[9;0]") {
		t.Errorf("the console got %q: want the cursor hidden and blanking off", data)
	}
	if code, body := hl.Raw("POST", "/api/v1/enrolments/"+req.ID+"/approve", admin, nil); code != 200 {
		t.Fatalf("approve: %d %s", code, body)
	}

	for _, s := range []string{"A", "B", "C", "D", "E"} {
		hl.Do("POST", "/api/v1/tickets", servertest.KioskToken, map[string]string{"service": s}, nil)
	}
	officer := hl.Login("canbo3")
	hl.Do("POST", "/api/v1/counters/3/open", officer, nil, nil)
	var called hallq.Ticket
	if code := hl.Do("POST", "/api/v1/counters/3/next", officer, nil, &called); code != 200 {
		t.Fatalf("next at 3: %d", code)
	}
	st := &display.State{Online: true}
	st.Hall.Counters = []hallq.Counter{{ID: 3, State: hallq.CounterOpen, Current: &hallq.Ticket{Label: called.Label, State: hallq.StateCalled}}}
	view := display.View{Mode: display.ModeCounter, Counter: 3, Lang: "vi", State: st}
	fresh := view
	fresh.Fresh = true
	eventually(t, "counter 3's call "+called.Label+" on the framebuffer", shows(view, fresh))

	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d", code)
	}
	if data, _ := os.ReadFile(tty1); !strings.HasSuffix(string(data), "\x1b[?25h") {
		t.Errorf("the console got %q: want the cursor shown again last", data)
	}
}
