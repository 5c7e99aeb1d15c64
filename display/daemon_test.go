package display_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/display"
	"github.com/hallq/hallq/internal/eventually"
	"github.com/hallq/hallq/internal/syncbuf"
	"github.com/hallq/hallq/server/servertest"
)

// clearScreen starts each of the terminal renderer's screens.
const clearScreen = "\x1b[H\x1b[2J"

// TestDaemon: the daemon in counter mode shows its counter's call on the
// terminal, queues its announcement, and reports in with heartbeats.
func TestDaemon(t *testing.T) {
	h := servertest.Start(t, servertest.Options{})
	cfg, err := display.ParseConfig("display.toml", []byte(`
server = "`+h.URL+`"
token = "`+servertest.DisplayToken+`"
mode = "counter"
counter = 2
renderer = "terminal"
heartbeat_s = 5
[audio]
enabled = true
`))
	if err != nil {
		t.Fatal(err)
	}
	var out syncbuf.Buffer
	var mu sync.Mutex
	var said []int64
	player := &display.Player{
		Fetch: func(ctx context.Context, seq int64) ([]byte, error) { return []byte{byte(seq)}, nil },
		Play: func(ctx context.Context, wav []byte) error {
			mu.Lock()
			said = append(said, int64(wav[0]))
			mu.Unlock()
			return nil
		},
	}
	d := &display.Daemon{Config: cfg, Renderer: &display.Terminal{Out: &out}, Player: player}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	defer func() { cancel(); <-done }()

	eventually.True(t, time.Minute, "the counter shows closed", func() bool { return strings.Contains(out.Since(clearScreen), "Đóng quầy") })
	var tk hallq.Ticket
	h.Do("POST", "/api/v1/tickets", servertest.KioskToken, map[string]string{"service": "A"}, &tk)
	h.Do("POST", "/api/v1/tickets", servertest.KioskToken, map[string]string{"service": "A"}, nil)
	for _, n := range []string{"1", "2"} {
		tok := h.Login("canbo" + n)
		h.Do("POST", "/api/v1/counters/"+n+"/open", tok, nil, nil)
		h.Do("POST", "/api/v1/counters/"+n+"/next", tok, nil, nil)
	}
	// Counter 1 called the first ticket; counter 2 the second.
	eventually.True(t, time.Minute, "counter 2's call shown", func() bool {
		s := out.Since(clearScreen)
		return strings.Contains(s, "Mời đến quầy") && strings.Contains(s, "█")
	})
	eventually.True(t, time.Minute, "counter 2's call said", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(said) == 1
	})
	// Only counter 2's call (event 6: issue, issue, open 1, call 1, open 2, call 2).
	mu.Lock()
	if said[0] != 6 {
		t.Errorf("said event %d, want 6 (counter 2's call only)", said[0])
	}
	mu.Unlock()
}

func TestConfigProblems(t *testing.T) {
	_, err := display.ParseConfig("display.toml", []byte(`server = "hall.local"
mode = "counter"
renderer = "max7219"
colour = "red"
[max7219]
intensity = 20
`))
	if err == nil {
		t.Fatal("a bad config was accepted")
	}
	for _, want := range []string{"display.toml:4: colour: unknown key"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want %q", err, want)
		}
	}
	_, err = display.ParseConfig("display.toml", []byte(`server = "hall.local"
mode = "counter"
renderer = "max7219"
[max7219]
intensity = 20
`))
	for _, want := range []string{"display.toml:1: server:", "display.toml:2: mode:", "display.toml:4: max7219.port:", "display.toml:5: max7219.intensity: must be 0 to 15"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want %q", err, want)
		}
	}
}

// TestConsoleConfig: the terminal can draw on a console and the
// framebuffer keeps one off its picture; both are checked.
func TestConsoleConfig(t *testing.T) {
	cfg, err := display.ParseConfig("display.toml", []byte("server = \"http://h:8080\"\nrenderer = \"framebuffer\"\n"))
	if err != nil || cfg.FramebufferConsole() != "/dev/tty1" || cfg.Terminal.Width != 80 {
		t.Errorf("defaults: got %v, console %q, width %d", err, cfg.FramebufferConsole(), cfg.Terminal.Width)
	}
	cfg, err = display.ParseConfig("display.toml", []byte("server = \"http://h:8080\"\nrenderer = \"framebuffer\"\n[framebuffer]\nconsole = \"\"\n"))
	if err != nil || cfg.FramebufferConsole() != "" {
		t.Errorf("console left alone: got %v, %q", err, cfg.FramebufferConsole())
	}
	_, err = display.ParseConfig("display.toml", []byte("server = \"http://h:8080\"\nrenderer = \"terminal\"\n[terminal]\ndevice = \"tty1\"\nwidth = 5\n"))
	for _, want := range []string{"display.toml:4: terminal.device: want a console such as \"/dev/tty1\"", "display.toml:5: terminal.width: must be 20 to 500"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want %q", err, want)
		}
	}
}

// stuckScreen is a renderer whose device stops taking writes when told.
type stuckScreen struct {
	stuck   atomic.Bool
	release chan struct{}
	entered chan struct{}
}

func (s *stuckScreen) Render(display.View) error {
	if s.stuck.Load() {
		select {
		case s.entered <- struct{}{}:
		default:
		}
		<-s.release
	}
	return nil
}

// TestHealthyOnlyWhileScreenAndStreamGo: the display is healthy while it
// redraws and follows the stream; a render stuck on its device makes it
// unhealthy, naming the screen, until the device takes writes again.
func TestHealthyOnlyWhileScreenAndStreamGo(t *testing.T) {
	h := servertest.Start(t, servertest.Options{})
	cfg, err := display.ParseConfig("display.toml", []byte(`
server = "`+h.URL+`"
token = "`+servertest.DisplayToken+`"
renderer = "terminal"
`))
	if err != nil {
		t.Fatal(err)
	}
	var offset atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	screen := &stuckScreen{release: make(chan struct{}), entered: make(chan struct{}, 1)}
	var once sync.Once
	free := func() { once.Do(func() { close(screen.release) }) }
	t.Cleanup(free)
	d := &display.Daemon{Config: cfg, Renderer: screen, Now: now}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	defer func() { free(); cancel(); <-done }()
	eventually.True(t, time.Minute, "a healthy display", func() bool { return d.Healthy(ctx) == nil })

	// The device stops; the next minute's redraw blocks on it.
	screen.stuck.Store(true)
	offset.Store(int64(time.Minute))
	select {
	case <-screen.entered:
	case <-time.After(30 * time.Second):
		t.Fatal("no redraw reached the stuck screen")
	}
	offset.Store(int64(10 * time.Minute))
	eventually.True(t, time.Minute, "the display unhealthy for its screen", func() bool {
		err := d.Healthy(ctx)
		return err != nil && strings.Contains(err.Error(), "screen")
	})
	screen.stuck.Store(false)
	free()
	// Something happens in the hall: the stream beats too.
	if code := h.Do("POST", "/api/v1/counters/1/open", h.Login("canbo1"), nil, nil); code != 200 {
		t.Fatalf("open: %d", code)
	}
	eventually.True(t, time.Minute, "the display healthy again", func() bool { return d.Healthy(ctx) == nil })
}
