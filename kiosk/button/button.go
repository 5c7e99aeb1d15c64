// Package button reads push-buttons on GPIO pins through periph.io and
// drives the LEDs beside them.
//
// It works around three periph.io traps (docs/INSTALL.md, "periph.io on a
// Raspberry Pi 5"):
//
//   - WaitForEdge(-1) returns at once on the GPIO character device (since host
//     v3.8.3 a timeout of 0 waits forever and a negative one does not wait),
//     so Watch waits in finite slices and checks its context between them;
//     Halt wakes a waiting call when the context ends.
//   - gpioutil.Debounce ignores its debounce argument, so Watch debounces
//     itself: after a falling edge it waits Confirm and reads the level; only
//     a level still low is a press. It then ignores the pin for HoldOff and
//     until the button is released, so a held or bouncing button gives
//     exactly one press.
//   - Read on an output pin turns it into an input, so LED keeps its state in
//     software and never reads the pin.
package button

import (
	"context"
	"fmt"
	"time"

	"periph.io/x/conn/v3/gpio"

	"github.com/hallq/hallq/internal/pause"
)

// Timing is a button's debounce.
type Timing struct {
	// Confirm is how long after a falling edge the level is read; a level
	// still low then is a press. 0 means 25 ms.
	Confirm time.Duration
	// HoldOff is how long after a press the pin is ignored; 0 means 300 ms.
	HoldOff time.Duration
	// Poll bounds each WaitForEdge call, so a cancelled context is noticed
	// within it. 0 means 100 ms.
	Poll time.Duration
	// Fault, if set, is told when the pin starts failing — WaitForEdge
	// returning at once, again and again, so that Watch backs off instead
	// of polling it millions of times a second — and with nil when it
	// waits properly again.
	Fault func(error)
	// Alive, if set, is called every time round Watch's loops (at least
	// every Poll, or every back-off pause of a failing pin): a watchdog's
	// evidence that the watcher is not stuck.
	Alive func()
	// Now reads the clock the debounce is timed on; nil is time.Now. A
	// test that also times out the pin's waits on its own clock plays
	// presses in virtual time, exactly.
	Now func() time.Time
}

// MaxBackoff is the longest pause between tries of a pin whose
// WaitForEdge fails at once.
const MaxBackoff = 5 * time.Second

// Default debounce timings.
const (
	DefaultConfirm = 25 * time.Millisecond
	DefaultHoldOff = 300 * time.Millisecond
	DefaultPoll    = 100 * time.Millisecond
)

// WithDefaults fills zero fields.
func (t Timing) WithDefaults() Timing {
	if t.Confirm <= 0 {
		t.Confirm = DefaultConfirm
	}
	if t.HoldOff <= 0 {
		t.HoldOff = DefaultHoldOff
	}
	if t.Poll <= 0 {
		t.Poll = DefaultPoll
	}
	if t.Now == nil {
		t.Now = time.Now
	}
	if t.Alive == nil {
		t.Alive = func() {}
	}
	return t
}

// Press is one debounced press.
type Press struct {
	// Edge is when the first falling edge of the press was seen (with
	// Go's monotonic reading): the moment the citizen pressed.
	Edge time.Time
	// Confirmed is when the level was confirmed low.
	Confirmed time.Time
}

// Setup sets pin up as a button input: pull-up and falling-edge detection
// (a button connects the pin to ground). Edges before Setup are discarded.
func Setup(pin gpio.PinIn) error {
	if err := pin.In(gpio.PullUp, gpio.FallingEdge); err != nil {
		return fmt.Errorf("button: %s as input with pull-up and edge detection: %w", pin, err)
	}
	return nil
}

// Watch calls press, in Watch's own goroutine, once for every debounced
// press on pin (set up with Setup) until ctx ends, then returns. press
// should return quickly: edges that arrive meanwhile wait in the driver.
func Watch(ctx context.Context, pin gpio.PinIn, t Timing, press func(Press)) {
	t = t.WithDefaults()
	// Halt wakes a WaitForEdge blocked in the driver when we stop.
	stop := context.AfterFunc(ctx, func() { pin.Halt() })
	defer stop()
	w := &watcher{pin: pin, t: t}
	for ctx.Err() == nil {
		t.Alive()
		start := t.Now()
		if !pin.WaitForEdge(t.Poll) {
			if !w.noEdge(ctx, t.Now().Sub(start)) {
				return
			}
			continue
		}
		w.healthy()
		edge := t.Now()
		// Bounces within the window are swallowed, not taken as new presses.
		if !w.swallow(ctx, edge.Add(t.Confirm)) {
			return
		}
		if pin.Read() != gpio.Low {
			continue // a glitch or the bounce of a release
		}
		press(Press{Edge: edge, Confirmed: t.Now()})
		if !w.swallow(ctx, edge.Add(t.HoldOff)) || !w.released(ctx) {
			return
		}
	}
}

type watcher struct {
	pin gpio.PinIn
	t   Timing
	// fast counts WaitForEdge calls in a row that returned at once;
	// backoff is the pause between tries while the pin fails.
	fast    int
	backoff time.Duration
}

// noEdge handles a WaitForEdge that returned no edge after took. A wait
// far shorter than asked means the driver cannot wait on this line (edge
// detection unavailable, the line lost): after a few in a row, the pin is
// tried only after a pause that doubles up to MaxBackoff. False if ctx
// ended.
func (w *watcher) noEdge(ctx context.Context, took time.Duration) bool {
	if took >= w.t.Poll/4 {
		w.healthy()
		return true
	}
	if w.fast++; w.fast < 3 {
		return true
	}
	if w.backoff == 0 {
		w.backoff = w.t.Poll
		if w.t.Fault != nil {
			w.t.Fault(fmt.Errorf("button: %s: waiting for an edge fails at once, so no press can be seen "+
				"(is edge detection available on this line?); trying again at most every %v", w.pin, MaxBackoff))
		}
	} else {
		w.backoff = min(2*w.backoff, MaxBackoff)
	}
	return pause.For(ctx, w.backoff)
}

// healthy records a proper wait or an edge: the pin works (again).
func (w *watcher) healthy() {
	if w.backoff > 0 && w.t.Fault != nil {
		w.t.Fault(nil)
	}
	w.fast, w.backoff = 0, 0
}

// wait calls WaitForEdge for at most d; if it returns at once with no edge
// (a failing pin), it waits out d instead of spinning.
func (w *watcher) wait(ctx context.Context, d time.Duration) {
	w.t.Alive() // a button held down for minutes is no stuck watcher
	start := w.t.Now()
	if !w.pin.WaitForEdge(d) && w.t.Now().Sub(start) < d/4 {
		pause.For(ctx, d)
	}
}

// swallow consumes edges until deadline; false if ctx ended.
func (w *watcher) swallow(ctx context.Context, deadline time.Time) bool {
	for ctx.Err() == nil {
		left := deadline.Sub(w.t.Now())
		if left <= 0 {
			return true
		}
		w.wait(ctx, min(left, w.t.Poll))
	}
	return false
}

// released waits until the pin reads high (the button is let go),
// swallowing edges meanwhile; false if ctx ended. Real hardware reports
// only falling edges, so the level is polled every Confirm.
func (w *watcher) released(ctx context.Context) bool {
	for ctx.Err() == nil {
		if w.pin.Read() == gpio.High {
			return true
		}
		w.wait(ctx, w.t.Confirm)
	}
	return false
}
