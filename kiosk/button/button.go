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
}

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
	w := watcher{pin: pin, t: t}
	for ctx.Err() == nil {
		if !pin.WaitForEdge(t.Poll) {
			continue
		}
		edge := time.Now()
		// Bounces within the window are swallowed, not taken as new presses.
		if !w.swallow(ctx, edge.Add(t.Confirm)) {
			return
		}
		if pin.Read() != gpio.Low {
			continue // a glitch or the bounce of a release
		}
		press(Press{Edge: edge, Confirmed: time.Now()})
		if !w.swallow(ctx, edge.Add(t.HoldOff)) || !w.released(ctx) {
			return
		}
	}
}

type watcher struct {
	pin gpio.PinIn
	t   Timing
}

// swallow consumes edges until deadline; false if ctx ended.
func (w watcher) swallow(ctx context.Context, deadline time.Time) bool {
	for ctx.Err() == nil {
		left := time.Until(deadline)
		if left <= 0 {
			return true
		}
		w.pin.WaitForEdge(min(left, w.t.Poll))
	}
	return false
}

// released waits until the pin reads high (the button is let go),
// swallowing edges meanwhile; false if ctx ended. Real hardware reports
// only falling edges, so the level is polled every Confirm.
func (w watcher) released(ctx context.Context) bool {
	for ctx.Err() == nil {
		if w.pin.Read() == gpio.High {
			return true
		}
		w.pin.WaitForEdge(w.t.Confirm)
	}
	return false
}
