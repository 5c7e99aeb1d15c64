// Package kiosk is the kiosk daemon: service buttons and a touch page issue
// tickets that are printed and confirmed, rating pads at counters send
// presses through a local outbox that survives outages and restarts, call
// pads let an officer call from buttons, and the kiosk reports its health.
//
// Hardware comes in through narrow interfaces: GPIO pins are found by name
// in periph.io's registry (gpioreg), so tests and -sim register gpiotest
// fakes under the configured names; the printer is a dial function giving a
// transport.Conn, so tests use printertest. Only cmd/kiosk wires real
// drivers (host.Init, transport.Open).
package kiosk

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"maps"
	"sync"
	"time"

	"github.com/hallq/hallq/enrol"
	"github.com/hallq/hallq/hallclient"
	"github.com/hallq/hallq/internal/sdnotify"
	"github.com/hallq/hallq/kiosk/button"
	"github.com/hallq/hallq/kiosk/config"
	"github.com/hallq/hallq/kiosk/outbox"
	"github.com/hallq/hallq/kiosk/scanner"
	"github.com/hallq/hallq/kiosk/touch"
	"github.com/hallq/hallq/printer"
	"github.com/hallq/hallq/printer/transport"
)

// Log attribute keys.
const (
	logErr     = "err"
	logService = "service"
	logTicket  = "ticket"
	logCounter = "counter"
	logSeq     = "device_seq"
	logReason  = "reason"
	logPin     = "pin"
	logBooking = "booking"
)

// Deps are what a kiosk is built from besides its config.
type Deps struct {
	// Dial opens the ticket printer (transport.Open, or a fake).
	Dial func() (transport.Conn, error)
	// Layout renders tickets for the printer.
	Layout *printer.Layout
	// Outbox is the local store of presses and cancellations.
	Outbox *outbox.Outbox
	// Client talks to the hall server; nil builds one from the config.
	Client *hallclient.Client
	Logger *slog.Logger
	// Version is reported in heartbeats.
	Version string
	// Now is the wall clock (with Go's monotonic reading); nil means time.Now.
	Now func() time.Time
	// BootClock gives the machine's boot id and a clock that keeps counting
	// across a restart of the kiosk process; nil means CLOCK_BOOTTIME.
	BootClock func() (id string, ns int64)
	// Retry is the first pause between retries of a request to an
	// unreachable server; it doubles up to MaxRetry. 0 means 250 ms and 5 s.
	Retry, MaxRetry time.Duration
	// Console receives the lines a person installing the kiosk reads (the
	// enrolment code); nil discards them. The command gives its standard
	// output: the terminal with -sim, the journal under systemd.
	Console io.Writer
	// EnrolWait is the first pause between polls of an enrolment request
	// (0: the enroller's default, 2 s).
	EnrolWait time.Duration
	// Scanner opens a serial QR scanner (nil: scanner.Open on the device of
	// [scanner], if any); -sim and tests give a simulated one.
	Scanner func() (io.ReadCloser, error)
}

// Healthy reports whether the kiosk's workers are making progress: the
// ticket worker and every button watcher have gone round their loops
// lately. The command feeds systemd's watchdog only while it is nil, so a
// kiosk whose worker is stuck is restarted.
func (k *Kiosk) Healthy(ctx context.Context) error { return k.live.Check(ctx) }

// quietWorker is the longest the ticket worker may go without a beat:
// the slowest ticket there can be (every retry of the issue, a raster job
// on a slow serial link, the status queries, the confirmation), with room.
func (k *Kiosk) quietWorker() time.Duration {
	p := k.cfg.Printer
	return k.cfg.IssueDeadline + 3*k.cfg.Timeout + 10*p.WriteTimeout + 10*p.ReadTimeout + time.Minute
}

// quietButton is the longest a button watcher may go without a beat: it
// beats every poll, or every back-off pause of a failing pin.
const quietButton = 30 * time.Second

// Kiosk is a running kiosk. Build it with New, run it with Run.
type Kiosk struct {
	cfg     *config.Config
	log     *slog.Logger
	client  *hallclient.Client
	out     *outbox.Outbox
	layout  *printer.Layout
	printer *printerLink
	version string
	now     func() time.Time
	boot    func() (string, int64)
	runID   string
	retry   time.Duration
	maxWait time.Duration
	started time.Time

	buttons []*serviceButton
	prio    *priorityButton
	lamps   lamps
	pads    []*pad

	requests chan *request
	scanner  func() (io.ReadCloser, error) // nil without [scanner]
	scan     scans
	hall     hallCache
	live     *sdnotify.Liveness
	// id is the kiosk's own token (nil when it issues no tickets).
	id      *enrol.Identity
	console io.Writer

	mu        sync.Mutex
	state     State
	ready     chan struct{}
	touchAddr string
}

// State is what the kiosk shows: its lamps, counters and last problem.
type State struct {
	Busy  bool `json:"busy"`
	Fault bool `json:"fault"` // fault lamp: the printer cannot print, or the last ticket did not
	// PrintFailed: the last ticket did not print (and was cancelled).
	PrintFailed bool   `json:"print_failed"`
	PaperOut    bool   `json:"paper_out"`   // out-of-paper lamp
	PaperLow    bool   `json:"paper_low"`   // paper near its end
	ServerDown  bool   `json:"server_down"` // server-unreachable lamp
	Printer     string `json:"printer"`     // last printer status, e.g. "online"
	LastError   string `json:"last_error,omitempty"`
	// LastTicket is the label of the last ticket printed.
	LastTicket string `json:"last_ticket,omitempty"`
	Printed    int    `json:"printed"`
	Failed     int    `json:"failed"` // tickets cancelled because they did not print
	// PriorityArmed: the priority button was pressed and the next ticket will be a priority one.
	PriorityArmed bool `json:"priority_armed"`
	// Pads maps a counter to why the server refused its call pad ("" when fine).
	Pads map[int]string `json:"pads,omitempty"`
	// Scanner is "ok" while the serial QR scanner is open, else why not
	// ("" for a kiosk without one).
	Scanner string `json:"scanner,omitempty"`
	// Enrolling holds the devices (by name) that wait for the admin to
	// approve them, with the code each shows.
	Enrolling map[string]Enrolment `json:"enrolling,omitempty"`
}

// New checks the config against the hardware (every pin must exist in
// periph's registry) and builds a kiosk.
func New(cfg *config.Config, d Deps) (*Kiosk, error) {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Client == nil {
		d.Client = hallclient.New(cfg.ServerURL, cfg.Timeout)
	}
	if d.Client.UserAgent == "" {
		d.Client.UserAgent = "hallq-kiosk/" + d.Version
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.BootClock == nil {
		d.BootClock = systemBootClock
	}
	if d.Retry <= 0 {
		d.Retry = 250 * time.Millisecond
	}
	if d.MaxRetry <= 0 {
		d.MaxRetry = 5 * time.Second
	}
	if d.Outbox == nil {
		return nil, errors.New("kiosk: no outbox")
	}
	needPrinter := len(cfg.Buttons) > 0 || cfg.Touch.Enabled
	if needPrinter && (d.Dial == nil || d.Layout == nil) {
		return nil, errors.New("kiosk: issuing tickets needs a printer (Dial) and a Layout")
	}
	k := &Kiosk{
		cfg: cfg, log: d.Logger, client: d.Client, out: d.Outbox, layout: d.Layout,
		printer: &printerLink{dial: d.Dial}, version: d.Version, now: d.Now, boot: d.BootClock,
		runID: newKey(), retry: d.Retry, maxWait: d.MaxRetry,
		requests: make(chan *request, 16), ready: make(chan struct{}),
	}
	k.scanner = d.Scanner
	if k.scanner == nil && cfg.Scanner.Device != "" {
		k.scanner = func() (io.ReadCloser, error) { return scanner.Open(cfg.Scanner.Device, cfg.Scanner.Baud) }
	}
	if k.scanner != nil && !needPrinter {
		return nil, errors.New("kiosk: a QR scanner checks bookings in and prints their tickets: it needs [[buttons]] or [touch]")
	}
	k.state.Pads = map[int]string{}
	k.state.Enrolling = map[string]Enrolment{}
	k.live = &sdnotify.Liveness{Now: d.Now}
	k.console = d.Console
	if k.console == nil {
		k.console = io.Discard
	}
	if err := k.setupPins(); err != nil {
		return nil, err
	}
	if err := k.identities(d); err != nil {
		return nil, err
	}
	return k, nil
}

// Ready is closed once every input pin is set up, so edges from then on
// are seen.
func (k *Kiosk) Ready() <-chan struct{} { return k.ready }

// State returns a snapshot of what the kiosk shows.
func (k *Kiosk) State() State {
	k.mu.Lock()
	defer k.mu.Unlock()
	s := k.state
	s.Pads = maps.Clone(k.state.Pads)
	s.Enrolling = maps.Clone(k.state.Enrolling)
	return s
}

// update changes the state and sets the lamps to it before anyone reads
// the new state: two updates at once cannot leave the lamps showing the
// older one, and whoever sees a state sees its lamps.
func (k *Kiosk) update(fn func(s *State)) {
	k.mu.Lock()
	defer k.mu.Unlock()
	fn(&k.state)
	s := &k.state
	_, enrolling := s.Enrolling[k.name()]
	k.lamps.busy.Set(s.Busy)
	k.lamps.fault.Set(s.Fault)
	k.lamps.paper.Set(s.PaperOut)
	if !enrolling {
		k.lamps.server.Set(s.ServerDown) // else it blinks: blinkEnrolling
	}
}

// reached records whether the server answered.
func (k *Kiosk) reached(err error) {
	down := err != nil && hallclient.Transient(err)
	k.mu.Lock()
	changed := k.state.ServerDown != down
	k.mu.Unlock()
	if changed {
		if down {
			k.log.Warn("hall server unreachable", logErr, err)
		} else {
			k.log.Info("hall server reachable again")
		}
		k.update(func(s *State) { s.ServerDown = down })
	}
}

// Run runs the kiosk until ctx ends: button watchers, the ticket worker,
// rating senders, cancellations, printer supervision and heartbeats.
func (k *Kiosk) Run(ctx context.Context) error {
	k.started = k.now()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	goRun := func(fn func(context.Context)) {
		wg.Add(1)
		go func() { defer wg.Done(); fn(ctx) }()
	}
	if k.cfg.Touch.Enabled {
		ln, err := k.listenTouch()
		if err != nil {
			return err
		}
		h := touch.Handler(k.touchHandler())
		goRun(func(ctx context.Context) {
			if err := touch.Serve(ctx, ln, h); err != nil {
				k.log.Error("touch page stopped", logErr, err)
			}
		})
	}
	timing := button.Timing{Confirm: k.cfg.Debounce.Confirm, HoldOff: k.cfg.Debounce.HoldOff, Now: k.now}
	for _, b := range k.inputs() {
		t := timing
		t.Alive = k.live.Worker("button "+b.pin.String(), quietButton).Beat
		t.Fault = func(err error) {
			if err != nil {
				k.log.Error("button pin fails", logPin, b.pin.String(), logErr, err)
			} else {
				k.log.Info("button pin works again", logPin, b.pin.String())
			}
		}
		goRun(func(ctx context.Context) { button.Watch(ctx, b.pin, t, b.press) })
	}
	close(k.ready)
	if k.layout != nil {
		goRun(k.ticketWorker)
		goRun(k.superviseprinter)
	}
	if k.scanner != nil {
		dev := cmp.Or(k.cfg.Scanner.Device, "simulated")
		goRun(func(ctx context.Context) {
			scanner.Watch(ctx, dev, k.scanner, k.log, k.scanned, func(err error) {
				k.update(func(s *State) {
					s.Scanner = "ok"
					if err != nil {
						s.Scanner = err.Error()
					}
				})
			})
		})
	}
	for _, p := range k.pads {
		if len(p.rating) > 0 {
			goRun(p.sendLoop)
		}
		if p.call != nil {
			goRun(p.callLoop)
		}
	}
	goRun(k.cancelLoop)
	goRun(k.heartbeatLoop)
	if k.id != nil {
		goRun(k.hallLoop)
	}
	// Each device's token: the config's, the saved one, or enrolment.
	for _, id := range k.allIdentities() {
		goRun(func(ctx context.Context) {
			if err := id.Run(ctx); err != nil && ctx.Err() == nil {
				k.log.Error("enrolment stopped", "device", id.Name, logErr, err)
			}
		})
	}
	goRun(k.blinkEnrolling)
	<-ctx.Done()
	wg.Wait()
	k.printer.Close()
	if k.prio != nil {
		k.prio.take() // stops its timer and darkens its lamp
	}
	k.lamps.allOff()
	for _, b := range k.buttons {
		b.led.Off()
	}
	for _, p := range k.pads {
		p.led.Off()
	}
	return nil
}

// newKey returns a fresh random idempotency key (or run id).
func newKey() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
