package kiosk_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/kiosk"
	"github.com/hallq/hallq/kiosk/config"
	"github.com/hallq/hallq/kiosk/outbox"
	"github.com/hallq/hallq/kiosk/sim"
	"github.com/hallq/hallq/printer/printertest"
	"github.com/hallq/hallq/printer/raster"
	"github.com/hallq/hallq/printer/transport"
	"github.com/hallq/hallq/server/servertest"
)

// rigDevicesTOML is what every test kiosk shares: its state directory,
// quick debouncing and a printer with short timeouts (the rig connects it).
const rigDevicesTOML = `
[kiosk]
state_dir = "{DIR}"

[debounce]
confirm = "10ms"
hold_off = "100ms"

[printer]
device = "unused"
write_timeout = "300ms"
read_timeout = "300ms"
status_every = "1m"
`

// kioskTOML is a kiosk with two service buttons, a priority button, the
// four lamps, and pads at counters 1 (rating and call buttons) and 2 (call
// buttons only). {P} makes pin names unique per test, since periph's
// registry is global and tests run in parallel.
const kioskTOML = `
[server]
url = "{URL}"
token = "demo-kiosk-1"
timeout = "1s"
issue_deadline = "3s"
heartbeat_every = "1s"

` + rigDevicesTOML + `

[[buttons]]
pin = "{P}GPIO17"
service = "A"
led = "{P}GPIO5"

[[buttons]]
pin = "{P}GPIO27"
service = "B"

[priority]
pin = "{P}GPIO22"
led = "{P}GPIO6"
kind = "elderly"

[lamps]
fault = "{P}GPIO13"
busy = "{P}GPIO19"
paper = "{P}GPIO26"
server = "{P}GPIO21"

[[pads]]
counter = 1
token = "demo-pad-1"
led = "{P}GPIO12"
  [[pads.rating]]
  pin = "{P}GPIO23"
  score = 3
  [[pads.rating]]
  pin = "{P}GPIO24"
  score = 2
  [[pads.rating]]
  pin = "{P}GPIO25"
  score = 1
  [pads.call]
  next = "{P}GPIO4"
  finish = "{P}GPIO18"
  no_show = "{P}GPIO20"

[[pads]]
counter = 2
token = "demo-pad-2"
led = "{P}GPIO16"
  [pads.call]
  next = "{P}GPIO7"
`

var (
	fontsOnce sync.Once
	fonts     *raster.Fonts
	fontsErr  error
)

func testFonts(t testing.TB) *raster.Fonts {
	fontsOnce.Do(func() { fonts, fontsErr = raster.LoadDefault() })
	if fontsErr != nil {
		t.Skipf("fonts: %v (apt-get install fonts-dejavu-core)", fontsErr)
	}
	return fonts
}

// rig is a kiosk on fake pins and a fake printer, talking to a real hall.
type rig struct {
	t       testing.TB
	cfg     *config.Config
	board   *sim.Board
	printer *printertest.Printer
	out     *outbox.Outbox
	k       *kiosk.Kiosk
	stop    func()
	// wrap, if set, wraps each printer connection the kiosk opens.
	wrap func(transport.Conn) transport.Conn
}

type rigOptions struct {
	url     string
	dir     string // state dir; "" for a fresh one
	toml    string // "" for kioskTOML
	printer *printertest.Printer
	wrap    func(transport.Conn) transport.Conn
	logger  *slog.Logger
	console io.Writer // where the kiosk's lines for a person go
	now     func() time.Time
	scanner *sim.Scanner // a QR scanner on a serial port, if any
}

var rigSeq struct {
	sync.Mutex
	n int
}

func newRig(t testing.TB, o rigOptions) *rig {
	t.Helper()
	if o.dir == "" {
		o.dir = t.TempDir()
	}
	if o.toml == "" {
		o.toml = kioskTOML
	}
	if o.printer == nil {
		o.printer = printertest.New()
	}
	rigSeq.Lock()
	rigSeq.n++
	prefix := fmt.Sprintf("t%d_", rigSeq.n)
	rigSeq.Unlock()
	text := strings.NewReplacer("{URL}", o.url, "{DIR}", o.dir, "{P}", prefix).Replace(o.toml)
	cfg, err := config.Parse(filepath.Join(o.dir, "kiosk.toml"), []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, cfg: cfg, printer: o.printer, wrap: o.wrap}
	logger := o.logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
		if os.Getenv("KIOSK_TEST_LOG") != "" {
			logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
		}
	}
	opt := transport.Options{WriteTimeout: cfg.Printer.WriteTimeout, ReadTimeout: cfg.Printer.ReadTimeout}
	var bootClock func() (string, int64)
	if o.now != nil {
		// The machine's boot clock counts on across a kiosk restart, and
		// sees the time a test skips as the kiosk's clock does.
		bootClock = func() (string, int64) { return "rig-boot", o.now().UnixNano() }
	}
	deps := kiosk.Deps{
		Dial: func() (transport.Conn, error) {
			c := r.printer.Conn(opt)
			if r.wrap != nil {
				c = r.wrap(c)
			}
			return c, nil
		},
		Logger: logger, Version: "test",
		Retry: 20 * time.Millisecond, MaxRetry: 100 * time.Millisecond,
		Console: o.console, EnrolWait: 20 * time.Millisecond, Now: o.now, BootClock: bootClock,
	}
	if o.scanner != nil {
		deps.Scanner = o.scanner.Open
	}
	sk, err := sim.StartKiosk(context.Background(), cfg, o.dir, testFonts(t), deps)
	if err != nil {
		t.Fatal(err)
	}
	sk.Board.PressFor = 30 * time.Millisecond
	r.k, r.board, r.out = sk.K, sk.Board, sk.Outbox
	var once sync.Once
	r.stop = func() {
		once.Do(func() {
			if err := sk.Stop(); err != nil {
				t.Error(err)
			}
		})
	}
	t.Cleanup(r.stop)
	return r
}

// skipClock is the wall clock plus the skips a test makes: the kiosk, its
// buttons and the hall read it, so a test puts minutes between events
// without waiting them, and button debounces still run in real time.
type skipClock struct{ skipped atomic.Int64 }

func (c *skipClock) Now() time.Time { return time.Now().Add(time.Duration(c.skipped.Load())) }

// Skip moves the clock d ahead.
func (c *skipClock) Skip(d time.Duration) { c.skipped.Add(int64(d)) }

func (r *rig) press(name string) {
	r.t.Helper()
	if err := r.board.Press(name); err != nil {
		r.t.Fatal(err)
	}
}

// wait bounds every wait for the kiosk or the hall: generous, since it
// only decides when a test that would fail anyway gives up.
const wait = 2 * time.Minute

// events reads the hall's event log as a manager.
func events(t testing.TB, h *servertest.Hall) []hallq.Event {
	t.Helper()
	var out struct {
		Events []hallq.Event `json:"events"`
	}
	if code := h.Do("GET", "/api/v1/events?since=0&limit=1000", h.Login("quanly"), nil, &out); code != 200 {
		t.Fatalf("events: status %d", code)
	}
	return out.Events
}

// issued lists the tickets issued, in order.
func issued(t testing.TB, h *servertest.Hall) []*hallq.Ticket {
	var ts []*hallq.Ticket
	for _, e := range events(t, h) {
		if e.Type == hallq.EventTicketIssued {
			ts = append(ts, e.Ticket)
		}
	}
	return ts
}

// ticket reads a ticket as staff.
func ticket(t testing.TB, h *servertest.Hall, id string) *hallq.Ticket {
	t.Helper()
	var tk hallq.Ticket
	if code := h.Do("GET", "/api/v1/tickets/"+id, h.Login("quanly"), nil, &tk); code != 200 {
		t.Fatalf("ticket %s: status %d", id, code)
	}
	return &tk
}
