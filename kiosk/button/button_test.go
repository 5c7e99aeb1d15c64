package button

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"

	"github.com/hallq/hallq/internal/eventually"
)

// fakeButton is a gpiotest pin wired as a button to ground.
func fakeButton() *gpiotest.Pin {
	return &gpiotest.Pin{N: "GPIO17", Num: 17, EdgesChan: make(chan gpio.Level, 64)}
}

type counter struct {
	mu sync.Mutex
	n  int
}

func (c *counter) press(Press) { c.mu.Lock(); c.n++; c.mu.Unlock() }

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

// edge is a level a button's line takes at a time of a scripted run.
type edge struct {
	at    time.Duration
	level gpio.Level
}

// scriptedPin plays a button's edges in virtual time, as the line would
// show them: Read gives the level of the last edge at or before now;
// WaitForEdge takes the next edge if it comes within the wait, moving the
// clock to it, or else moves the clock by the whole wait. Watch, timed on
// the same clock, then runs exactly the same however busy the machine:
// no sleeps, no margins. At end it stops the run.
type scriptedPin struct {
	*gpiotest.Pin
	edges []edge
	next  int // first edge not taken
	now   time.Duration
	end   time.Duration
	stop  context.CancelFunc
	base  time.Time
}

func (p *scriptedPin) clock() time.Time { return p.base.Add(p.now) }

func (p *scriptedPin) WaitForEdge(d time.Duration) bool {
	if p.next < len(p.edges) && p.edges[p.next].at <= p.now+d {
		p.now = max(p.now, p.edges[p.next].at)
		p.next++
		return true
	}
	p.now += d
	if p.now >= p.end {
		p.stop()
	}
	return false
}

func (p *scriptedPin) Read() gpio.Level {
	l := gpio.High // a button pulled up
	for _, e := range p.edges {
		if e.at <= p.now {
			l = e.level
		}
	}
	return l
}

// TestDebounce plays presses, bounces and glitches in virtual time and
// counts the presses Watch reports.
func TestDebounce(t *testing.T) {
	ms := time.Millisecond
	L, H := gpio.Low, gpio.High
	tm := Timing{Confirm: 20 * ms, HoldOff: 120 * ms, Poll: 20 * ms}
	bounce := func(at time.Duration, levels ...gpio.Level) []edge {
		var out []edge
		for i, l := range levels {
			out = append(out, edge{at + time.Duration(i)*ms, l})
		}
		return out
	}
	join := func(parts ...[]edge) []edge {
		var out []edge
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	tests := []struct {
		name  string
		edges []edge
		want  int
	}{
		{"clean press", join(bounce(0, L), bounce(60*ms, H)), 1},
		{"bouncing press inside the confirm window", join(bounce(0, L, H, L, H, L, H, L), bounce(60*ms, H, L, H)), 1},
		{"bounces after the confirm, within hold-off", join(bounce(0, L), bounce(30*ms, H, L, H, L), bounce(70*ms, H)), 1},
		{"held for a second", join(bounce(0, L), bounce(time.Second, H)), 1},
		{"glitch shorter than confirm", bounce(0, L, H), 0},
		{"second press within the hold-off", join(bounce(0, L), bounce(40*ms, H), bounce(80*ms, L), bounce(100*ms, H)), 1},
		{"bouncing release after the hold-off", join(bounce(0, L), bounce(200*ms, H, L, H)), 1},
		{"held past the hold-off, let go, pressed again", join(bounce(0, L), bounce(200*ms, H), bounce(201*ms, L), bounce(400*ms, H)), 2},
		{"two presses", join(bounce(0, L), bounce(60*ms, H), bounce(260*ms, L), bounce(320*ms, H)), 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			pin := &scriptedPin{Pin: fakeButton(), edges: tc.edges, end: tc.edges[len(tc.edges)-1].at + time.Second,
				stop: cancel, base: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
			tm := tm
			tm.Now = pin.clock
			var presses []Press
			Watch(ctx, pin, tm, func(p Press) { presses = append(presses, p) })
			if len(presses) != tc.want {
				t.Fatalf("got %d presses, want %d", len(presses), tc.want)
			}
			if len(presses) > 0 {
				if p := presses[0]; !p.Edge.Equal(pin.base) || p.Confirmed.Sub(p.Edge) < tm.Confirm {
					t.Errorf("first press edge %v confirmed %v later, want at the first edge and after the confirm window",
						p.Edge.Sub(pin.base), p.Confirmed.Sub(p.Edge))
				}
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
	// A flash that lasts while it is looked at, then a short one that
	// must end (however long the machine takes to end it).
	l.Flash(time.Hour)
	if pin.Read() != gpio.Low || l.Lit() {
		t.Error("got lit during a flash of a lit LED, want dark")
	}
	l.Flash(time.Millisecond)
	eventually.True(t, time.Minute, "the LED lit again after its flash", func() bool { return l.Lit() && pin.Read() == gpio.High })
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

	nFaults := func() int { mu.Lock(); defer mu.Unlock(); return len(faults) }
	eventually.True(t, time.Minute, "the failing pin reported", func() bool { return nFaults() > 0 })
	calls := pin.count()
	time.Sleep(time.Second)
	// With a 20 ms poll doubling to 5 s, a second holds a handful of tries.
	// A busy machine only makes fewer.
	if n := pin.count() - calls; n > 100 {
		t.Errorf("WaitForEdge called %d times in a second after the report", n)
	}
	mu.Lock()
	if len(faults) != 1 || faults[0] == nil || !strings.Contains(faults[0].Error(), "GPIO17") {
		t.Errorf("got faults %v, want one naming the pin", faults)
	}
	mu.Unlock()

	pin.mu.Lock()
	pin.fixed = true
	pin.mu.Unlock()
	eventually.True(t, time.Minute, "the recovery reported", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(faults) == 2 && faults[1] == nil
	})
}
