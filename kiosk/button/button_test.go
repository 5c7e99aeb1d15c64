package button

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"
)

// fakeButton is a gpiotest pin wired as a button to ground.
func fakeButton() *gpiotest.Pin {
	return &gpiotest.Pin{N: "GPIO17", Num: 17, EdgesChan: make(chan gpio.Level, 64), Clock: clockwork.NewRealClock()}
}

type counter struct {
	mu sync.Mutex
	n  int
}

func (c *counter) press(Press) { c.mu.Lock(); c.n++; c.mu.Unlock() }
func (c *counter) get() int    { c.mu.Lock(); defer c.mu.Unlock(); return c.n }

func watch(t *testing.T, pin *gpiotest.Pin, tm Timing) *counter {
	t.Helper()
	c := &counter{}
	ctx, cancel := context.WithCancel(context.Background())
	if err := Setup(pin); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); Watch(ctx, pin, tm, c.press) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(2 * time.Second):
			t.Error("Watch did not return after cancel")
		}
	})
	return c
}

func TestDebounce(t *testing.T) {
	tm := Timing{Confirm: 20 * time.Millisecond, HoldOff: 120 * time.Millisecond, Poll: 20 * time.Millisecond}
	type step struct {
		levels []gpio.Level
		wait   time.Duration
	}
	L, H := gpio.Low, gpio.High
	tests := []struct {
		name  string
		steps []step
		want  int
	}{
		{"clean press", []step{{[]gpio.Level{L}, 60 * time.Millisecond}, {[]gpio.Level{H}, 200 * time.Millisecond}}, 1},
		{"bouncing press inside the confirm window", []step{{[]gpio.Level{L, H, L, H, L, H, L}, 60 * time.Millisecond}, {[]gpio.Level{H, L, H}, 200 * time.Millisecond}}, 1},
		{"bounces after the confirm, within hold-off", []step{{[]gpio.Level{L}, 30 * time.Millisecond}, {[]gpio.Level{H, L, H, L}, 40 * time.Millisecond}, {[]gpio.Level{H}, 200 * time.Millisecond}}, 1},
		{"held for a second", []step{{[]gpio.Level{L}, time.Second}, {[]gpio.Level{H}, 200 * time.Millisecond}}, 1},
		{"glitch shorter than confirm", []step{{[]gpio.Level{L, H}, 200 * time.Millisecond}}, 0},
		{"two presses", []step{{[]gpio.Level{L}, 60 * time.Millisecond}, {[]gpio.Level{H}, 200 * time.Millisecond}, {[]gpio.Level{L}, 60 * time.Millisecond}, {[]gpio.Level{H}, 200 * time.Millisecond}}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pin := fakeButton()
			c := watch(t, pin, tm)
			for _, s := range tc.steps {
				for _, l := range s.levels {
					pin.EdgesChan <- l
				}
				time.Sleep(s.wait)
			}
			if got := c.get(); got != tc.want {
				t.Errorf("got %d presses, want %d", got, tc.want)
			}
		})
	}
}

func TestWatchConfiguresPullUp(t *testing.T) {
	pin := fakeButton()
	watch(t, pin, Timing{})
	pin.Lock()
	got := pin.P
	pin.Unlock()
	if got != gpio.PullUp {
		t.Errorf("got pull %v, want %v", got, gpio.PullUp)
	}
}

func TestWatchNeedsEdges(t *testing.T) {
	pin := &gpiotest.Pin{N: "GPIO5"}
	if err := Setup(pin); err == nil {
		t.Error("got nil error for a pin without edge detection, want one")
	}
}

func TestLED(t *testing.T) {
	pin := &gpiotest.Pin{N: "GPIO6", L: gpio.High}
	l, err := NewLED(pin)
	if err != nil {
		t.Fatal(err)
	}
	if pin.Read() != gpio.Low {
		t.Fatal("got a lit LED after NewLED, want off")
	}
	l.Set(true)
	if !l.On() || pin.Read() != gpio.High {
		t.Errorf("got on=%v pin=%v after Set(true), want lit", l.On(), pin.Read())
	}
	l.Flash(30 * time.Millisecond)
	if pin.Read() != gpio.Low {
		t.Error("got lit during a flash of a lit LED, want dark")
	}
	time.Sleep(80 * time.Millisecond)
	if pin.Read() != gpio.High || !l.Lit() {
		t.Error("got dark after the flash, want back to lit")
	}
	var nilLED *LED
	nilLED.Set(true) // must not panic
	nilLED.Flash(time.Millisecond)
}

// brokenPin is a button whose WaitForEdge fails at once (as periph's does
// on a line without edge detection) until it is fixed.
type brokenPin struct {
	*gpiotest.Pin
	mu    sync.Mutex
	calls int
	fixed bool
}

func (p *brokenPin) WaitForEdge(timeout time.Duration) bool {
	p.mu.Lock()
	p.calls++
	fixed := p.fixed
	p.mu.Unlock()
	if fixed {
		return p.Pin.WaitForEdge(timeout)
	}
	return false
}

func (p *brokenPin) count() int { p.mu.Lock(); defer p.mu.Unlock(); return p.calls }

// TestFailingPinBacksOff: a pin whose WaitForEdge fails at once is not
// polled in a tight loop (without the back-off: 24 million calls in a
// second on the development machine); Watch says so once, backs off, and
// says when the pin works again.
func TestFailingPinBacksOff(t *testing.T) {
	pin := &brokenPin{Pin: fakeButton()}
	var mu sync.Mutex
	var faults []error
	tm := Timing{Poll: 20 * time.Millisecond, Fault: func(err error) { mu.Lock(); faults = append(faults, err); mu.Unlock() }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); Watch(ctx, pin, tm, func(Press) {}) }()
	defer func() { cancel(); <-done }()

	time.Sleep(time.Second)
	// With a 20 ms poll doubling to 5 s, a second holds a handful of tries.
	// A busy machine only makes fewer.
	if n := pin.count(); n > 100 {
		t.Errorf("WaitForEdge called %d times in a second", n)
	}
	mu.Lock()
	if len(faults) != 1 || faults[0] == nil || !strings.Contains(faults[0].Error(), "GPIO17") {
		t.Errorf("got faults %v, want one naming the pin", faults)
	}
	mu.Unlock()

	pin.mu.Lock()
	pin.fixed = true
	pin.mu.Unlock()
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		recovered := len(faults) == 2 && faults[1] == nil
		mu.Unlock()
		if recovered {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no recovery reported within 10 s: %v", faults)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
