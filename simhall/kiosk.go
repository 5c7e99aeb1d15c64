package simhall

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hallq/hallq/kiosk"
	"github.com/hallq/hallq/kiosk/config"
	"github.com/hallq/hallq/kiosk/outbox"
	"github.com/hallq/hallq/kiosk/sim"
	"github.com/hallq/hallq/printer/printertest"
	"github.com/hallq/hallq/printer/raster"
	"github.com/hallq/hallq/printer/transport"
)

// kioskTOML is the simulated hall's kiosk: a button per service and a
// rating pad (three buttons) at each of the six counters. {P} makes pin
// names unique in periph's registry, which is global to the process.
const kioskTOML = `
[server]
url = "{URL}"
token = "demo-kiosk-1"
timeout = "1s"
issue_deadline = "5s"
heartbeat_every = "5s"

[kiosk]
state_dir = "{DIR}"

[debounce]
confirm = "5ms"
hold_off = "40ms"

[printer]
device = "simulated"
write_timeout = "500ms"
read_timeout = "500ms"
status_every = "1m"
{BUTTONS}{PADS}`

// SimKiosk is the real kiosk daemon (package kiosk) on simulated pins and a
// printertest printer, with its rating outbox in a SQLite file, talking to
// the hall server over HTTP.
type SimKiosk struct {
	K       *kiosk.Kiosk
	Board   *sim.Board
	Printer *printertest.Printer
	Outbox  *outbox.Outbox

	// paperOutNextJob makes the printer run out of paper as the next print
	// job (anything longer than a status query) starts.
	paperOutNextJob atomic.Bool

	stop func()
}

var pinPrefix struct {
	sync.Mutex
	n int
}

// StartKiosk builds and runs a kiosk for the demo hall at url with its
// state in dir, until Stop. Service buttons are named by service code,
// pad buttons "padN-scoreS".
func StartKiosk(ctx context.Context, url, dir string, fonts *raster.Fonts, logger *slog.Logger) (*SimKiosk, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	pinPrefix.Lock()
	pinPrefix.n++
	prefix := fmt.Sprintf("hs%d_", pinPrefix.n)
	pinPrefix.Unlock()
	var buttons, pads strings.Builder
	pin := 2
	next := func() string { pin++; return fmt.Sprintf("%sGPIO%d", prefix, pin) }
	for _, s := range []string{"A", "B", "C", "D", "E"} {
		fmt.Fprintf(&buttons, "\n[[buttons]]\npin = %q\nservice = %q\n", next(), s)
	}
	for c := 1; c <= 6; c++ {
		fmt.Fprintf(&pads, "\n[[pads]]\ncounter = %d\ntoken = %q\n", c, DemoPadToken(c))
		for score := 3; score >= 1; score-- {
			fmt.Fprintf(&pads, "  [[pads.rating]]\n  pin = %q\n  score = %d\n", next(), score)
		}
	}
	text := strings.NewReplacer("{URL}", url, "{DIR}", dir, "{BUTTONS}", buttons.String(), "{PADS}", pads.String()).Replace(kioskTOML)
	cfg, err := config.Parse(filepath.Join(dir, "kiosk.toml"), []byte(text))
	if err != nil {
		return nil, err
	}
	sk := &SimKiosk{Printer: printertest.New()}
	opt := transport.Options{WriteTimeout: cfg.Printer.WriteTimeout, ReadTimeout: cfg.Printer.ReadTimeout}
	k, err := sim.StartKiosk(ctx, cfg, dir, fonts, kiosk.Deps{
		Dial: func() (transport.Conn, error) {
			return paperHook{sk.Printer.Conn(opt), sk}, nil
		},
		Logger: logger, Version: "hallsim",
		Retry: 50 * time.Millisecond, MaxRetry: 500 * time.Millisecond,
	})
	if err != nil {
		return nil, fmt.Errorf("simhall: %w", err)
	}
	sk.K, sk.Board, sk.Outbox = k.K, k.Board, k.Outbox
	sk.stop = func() { k.Stop() }
	return sk, nil
}

// Stop stops the kiosk.
func (sk *SimKiosk) Stop() { sk.stop() }

// RunOutOfPaperOnNextJob makes the paper run out as the next ticket prints.
func (sk *SimKiosk) RunOutOfPaperOnNextJob() { sk.paperOutNextJob.Store(true) }

// PaperOutStall is how long the printer takes over the job that runs out
// of paper before it reports it: a real printer feeds half a ticket first.
// The ticket is issued and waiting all that time, which is the window in
// which an idle counter could call a number that never printed.
const PaperOutStall = 500 * time.Millisecond

// paperHook runs the printer out of paper when a print job starts, if
// armed, and stalls that job for PaperOutStall.
type paperHook struct {
	transport.Conn
	sk *SimKiosk
}

func (p paperHook) Write(b []byte) (int, error) {
	if len(b) > 3 && p.sk.paperOutNextJob.CompareAndSwap(true, false) {
		p.sk.Printer.Set(printertest.PaperOut)
		time.Sleep(PaperOutStall)
	}
	return p.Conn.Write(b)
}

// Pending is how many presses and cancellations still wait in the outbox.
func (sk *SimKiosk) Pending(ctx context.Context) (int, error) {
	p, c, err := sk.Outbox.Len(ctx)
	return p + c, err
}
