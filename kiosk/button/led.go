package button

import (
	"fmt"
	"sync"
	"time"

	"periph.io/x/conn/v3/gpio"
)

// LED is a lamp on an output pin. Its state lives in software: reading an
// output pin back would turn it into an input (periph/host issue 75).
// A nil *LED is valid and does nothing, for lamps a kiosk does not have.
// It is safe for concurrent use.
type LED struct {
	mu    sync.Mutex
	pin   gpio.PinOut
	base  bool // the steady state
	lit   bool // what the pin shows now
	gen   int  // invalidates pending flash timers
	timer *time.Timer
}

// NewLED sets pin up as an output, off.
func NewLED(pin gpio.PinOut) (*LED, error) {
	if err := pin.Out(gpio.Low); err != nil {
		return nil, fmt.Errorf("button: %s as output: %w", pin, err)
	}
	return &LED{pin: pin}, nil
}

// Set sets the steady state, ending any flash.
func (l *LED) Set(on bool) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.base = on
	l.gen++
	if l.timer != nil {
		l.timer.Stop()
		l.timer = nil
	}
	l.show(on)
}

// Flash inverts the LED for d, then returns it to its steady state: a press
// acknowledged.
func (l *LED) Flash(d time.Duration) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.gen++
	gen := l.gen
	if l.timer != nil {
		l.timer.Stop()
	}
	l.show(!l.base)
	l.timer = time.AfterFunc(d, func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.gen == gen {
			l.show(l.base)
			l.timer = nil
		}
	})
}

// On reports the steady state.
func (l *LED) On() bool {
	if l == nil {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.base
}

// Lit reports what the pin shows now (the steady state or a flash).
func (l *LED) Lit() bool {
	if l == nil {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lit
}

// Off turns the LED off and cancels any flash, for shutdown.
func (l *LED) Off() { l.Set(false) }

func (l *LED) show(on bool) {
	l.lit = on
	_ = l.pin.Out(gpio.Level(on)) // an LED that fails to light must not stop the kiosk
}
