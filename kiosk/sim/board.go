// Package sim runs a kiosk without its hardware: periph's gpiotest pins,
// registered under the configured names, stand in for the buttons and
// LEDs, and a printer that answers status queries saves each ticket as a
// PNG through the ESC/POS decoder. Buttons are pressed from the keyboard or
// through a local HTTP endpoint; the same pins serve tests.
package sim

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
	"periph.io/x/conn/v3/gpio/gpiotest"

	"github.com/hallq/hallq/kiosk/config"
)

// Control is a button or lamp of the simulated kiosk.
type Control struct {
	Name  string // e.g. "A" (service button), "priority", "pad3-score2", "pad3-next", "fault"
	Key   rune   // keyboard key that presses it; 0 for lamps
	Pin   *gpiotest.Pin
	Lamp  bool
	Label string // what it is, for the help text

	watched *watchedPin // what the kiosk reads a button through
}

// watchedPin is a button's pin as registered for the kiosk. It counts the
// edges sent and taken, and notes which edge the kiosk's last read of each
// level followed: so a press can wait until the kiosk has read the button
// down after taking its edge (the debounce confirmed it), and a release
// until it read it up again (the watcher is past its hold-off and waits
// for the next press) — on a busy machine too, without guessing times.
type watchedPin struct {
	*gpiotest.Pin
	mu      sync.Mutex
	sent    int // edges sent to EdgesChan
	taken   int // edges the kiosk took (WaitForEdge returned one)
	readAt  map[gpio.Level]int
	changed chan struct{} // closed and replaced on every change
}

func newWatchedPin(p *gpiotest.Pin) *watchedPin {
	return &watchedPin{Pin: p, readAt: map[gpio.Level]int{}, changed: make(chan struct{})}
}

func (w *watchedPin) notify() {
	close(w.changed)
	w.changed = make(chan struct{})
}

// WaitForEdge is gpiotest's, counting the edges taken.
func (w *watchedPin) WaitForEdge(timeout time.Duration) bool {
	ok := w.Pin.WaitForEdge(timeout)
	if ok {
		w.mu.Lock()
		w.taken++
		w.notify()
		w.mu.Unlock()
	}
	return ok
}

// Read is gpiotest's, noting after which edge each level was read.
func (w *watchedPin) Read() gpio.Level {
	l := w.Pin.Read()
	w.mu.Lock()
	w.readAt[l] = w.taken
	w.notify()
	w.mu.Unlock()
	return l
}

// send queues edges for the kiosk.
func (w *watchedPin) send(levels ...gpio.Level) {
	for _, l := range levels {
		w.mu.Lock()
		w.sent++
		w.mu.Unlock()
		w.EdgesChan <- l
	}
}

// waitRead waits until the kiosk, having taken every edge sent so far,
// has read the pin at level.
func (w *watchedPin) waitRead(name string, level gpio.Level) error {
	deadline := time.NewTimer(ReadWait)
	defer deadline.Stop()
	w.mu.Lock()
	target := w.sent
	w.mu.Unlock()
	for {
		w.mu.Lock()
		at, read := w.readAt[level]
		next := w.changed
		w.mu.Unlock()
		if read && at >= target {
			return nil
		}
		select {
		case <-next:
		case <-deadline.C:
			return fmt.Errorf("sim: the kiosk did not read button %s %s within %v", name, level, ReadWait)
		}
	}
}

// Board is a set of fake pins registered in periph's registry.
type Board struct {
	mu       sync.Mutex
	controls []*Control
	byName   map[string]*Control
	byKey    map[rune]*Control
	pins     []string // registered names
	// PressFor is how long Press holds a button down at least; 0 means
	// 60 ms. It holds it longer if the kiosk is slow to read it.
	PressFor time.Duration
}

// ReadWait bounds how long a press waits for the kiosk to read the button
// down: it only fails a press whose button nobody watches.
const ReadWait = 30 * time.Second

// NewBoard creates and registers a gpiotest pin for every pin cfg names.
// Close unregisters them.
func NewBoard(cfg *config.Config) (*Board, error) {
	b := &Board{byName: map[string]*Control{}, byKey: map[rune]*Control{}}
	keys := newKeyPicker()
	add := func(name string, p config.Pin, lamp bool, key, label string) error {
		if p.Name == "" {
			return nil
		}
		// gpiotest's real clock only times out WaitForEdge, which only the
		// kiosk's button watcher calls.
		pin := &gpiotest.Pin{N: p.Name, Num: -1, Fn: "sim"}
		c := &Control{Name: name, Pin: pin, Lamp: lamp, Label: label}
		var reg gpio.PinIO = pin
		if !lamp {
			pin.EdgesChan = make(chan gpio.Level, 64)
			c.watched = newWatchedPin(pin)
			reg = c.watched
		}
		if err := gpioreg.Register(reg); err != nil {
			return fmt.Errorf("sim: %s: %w", p.Key, err)
		}
		b.pins = append(b.pins, p.Name)
		if !lamp {
			c.Key = keys.pick(key, name)
			if c.Key != 0 {
				b.byKey[c.Key] = c
			}
		}
		b.controls = append(b.controls, c)
		b.byName[name] = c
		return nil
	}
	err := func() error {
		seen := map[string]int{}
		for _, sb := range cfg.Buttons {
			name := sb.Service
			if seen[name]++; seen[name] > 1 {
				name = fmt.Sprintf("%s%d", sb.Service, seen[name])
			}
			if err := add(name, sb.Pin, false, sb.Key, "ticket for service "+sb.Service); err != nil {
				return err
			}
			if err := add(name+"-led", sb.LED, true, "", "lamp of button "+name); err != nil {
				return err
			}
		}
		if p := cfg.Priority; p != nil {
			if err := add("priority", p.Pin, false, p.Key, "priority (then a service button)"); err != nil {
				return err
			}
			if err := add("priority-led", p.LED, true, "", "priority lamp"); err != nil {
				return err
			}
		}
		for name, p := range map[string]config.Pin{"fault": cfg.Lamps.Fault, "busy": cfg.Lamps.Busy, "paper": cfg.Lamps.Paper, "server": cfg.Lamps.Server} {
			if err := add(name, p, true, "", name+" lamp"); err != nil {
				return err
			}
		}
		for _, pd := range cfg.Pads {
			pre := fmt.Sprintf("pad%d", pd.Counter)
			if err := add(pre+"-led", pd.LED, true, "", fmt.Sprintf("lamp of counter %d's pad", pd.Counter)); err != nil {
				return err
			}
			for _, r := range pd.Rating {
				if err := add(fmt.Sprintf("%s-score%d", pre, r.Score), r.Pin, false, r.Key, fmt.Sprintf("rating %d at counter %d", r.Score, pd.Counter)); err != nil {
					return err
				}
			}
			if c := pd.Call; c != nil {
				for _, a := range []struct {
					action string
					pin    config.Pin
				}{{"next", c.Next}, {"recall", c.Recall}, {"start", c.Start}, {"finish", c.Finish}, {"no_show", c.NoShow}} {
					if err := add(pre+"-"+a.action, a.pin, false, c.Keys[a.action], fmt.Sprintf("%s at counter %d", a.action, pd.Counter)); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}()
	if err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

// Close unregisters the pins.
func (b *Board) Close() {
	for _, n := range b.pins {
		gpioreg.Unregister(n)
	}
	b.pins = nil
}

// Controls lists the controls, buttons first, by name.
func (b *Board) Controls() []*Control {
	out := append([]*Control(nil), b.controls...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Lamp != out[j].Lamp {
			return !out[i].Lamp
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// Control finds a control by name.
func (b *Board) Control(name string) *Control { return b.byName[name] }

// ByKey finds the button a key presses.
func (b *Board) ByKey(k rune) *Control { return b.byKey[k] }

// Press presses a button as a person does who holds it until it took:
// the pin goes low and stays low PressFor and until the kiosk has read it
// down (its debounce confirmed the press, however busy the machine); then
// it goes high, and Press returns once the kiosk has read it up again, so
// that the next press is a new one.
func (b *Board) Press(name string) error {
	c, err := b.button(name)
	if err != nil {
		return err
	}
	hold := b.PressFor
	if hold <= 0 {
		hold = 60 * time.Millisecond
	}
	c.watched.send(gpio.Low)
	time.Sleep(hold)
	if err := c.watched.waitRead(name, gpio.Low); err != nil {
		return err
	}
	c.watched.send(gpio.High)
	return c.watched.waitRead(name, gpio.High)
}

// Edges sends a button's edges as they come, bounces included, for tests
// of the debounce; WaitRead then waits for their effect.
func (b *Board) Edges(name string, levels ...gpio.Level) error {
	c, err := b.button(name)
	if err != nil {
		return err
	}
	c.watched.send(levels...)
	return nil
}

// WaitRead waits until the kiosk has taken every edge sent to the button
// and then read it at level: down once the debounce confirmed a press, up
// once the watcher waits for the next one.
func (b *Board) WaitRead(name string, level gpio.Level) error {
	c, err := b.button(name)
	if err != nil {
		return err
	}
	return c.watched.waitRead(name, level)
}

func (b *Board) button(name string) (*Control, error) {
	c := b.byName[name]
	if c == nil || c.Lamp {
		return nil, fmt.Errorf("sim: no button %q", name)
	}
	return c, nil
}

// Lit reports whether a lamp is lit. Reading a fake output pin is safe:
// only real hardware turns it into an input.
func (b *Board) Lit(name string) bool {
	c := b.byName[name]
	if c == nil {
		return false
	}
	return c.Pin.Read() == gpio.High
}

// keyPicker gives each button a keyboard key: the configured one, else the
// lowercase first letter or digit of its name that is still free, else the
// next free one of 1-9a-z.
type keyPicker struct{ used map[rune]bool }

func newKeyPicker() *keyPicker { return &keyPicker{used: map[rune]bool{}} }

func (k *keyPicker) pick(want, name string) rune {
	if want != "" {
		r := []rune(want)[0]
		k.used[r] = true
		return r
	}
	if strings.HasPrefix(name, "pad") {
		// pad3-score2 → '2' is taken quickly; let the free list decide.
		name = ""
	}
	for _, r := range strings.ToLower(name) {
		if (r >= 'a' && r <= 'z' || r >= '0' && r <= '9') && !k.used[r] && r != 'q' {
			k.used[r] = true
			return r
		}
		break
	}
	for _, r := range "123456789abcdefghijklmnoprstuvwxyz" {
		if !k.used[r] {
			k.used[r] = true
			return r
		}
	}
	return 0
}
