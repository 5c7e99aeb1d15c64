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

	"github.com/jonboulle/clockwork"
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
}

// Board is a set of fake pins registered in periph's registry.
type Board struct {
	mu       sync.Mutex
	controls []*Control
	byName   map[string]*Control
	byKey    map[rune]*Control
	pins     []string // registered names
	// PressFor is how long Press holds a button down; 0 means 60 ms.
	PressFor time.Duration
}

// NewBoard creates and registers a gpiotest pin for every pin cfg names.
// Close unregisters them.
func NewBoard(cfg *config.Config) (*Board, error) {
	b := &Board{byName: map[string]*Control{}, byKey: map[rune]*Control{}}
	keys := newKeyPicker()
	add := func(name string, p config.Pin, lamp bool, key, label string) error {
		if p.Name == "" {
			return nil
		}
		pin := &gpiotest.Pin{N: p.Name, Num: -1, Fn: "sim", Clock: clockwork.NewRealClock()}
		if !lamp {
			pin.EdgesChan = make(chan gpio.Level, 64)
		}
		if err := gpioreg.Register(pin); err != nil {
			return fmt.Errorf("sim: %s: %w", p.Key, err)
		}
		b.pins = append(b.pins, p.Name)
		c := &Control{Name: name, Pin: pin, Lamp: lamp, Label: label}
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

// Press presses a button: the pin goes low, stays low PressFor, goes high.
func (b *Board) Press(name string) error {
	c := b.byName[name]
	if c == nil || c.Lamp {
		return fmt.Errorf("sim: no button %q", name)
	}
	hold := b.PressFor
	if hold <= 0 {
		hold = 60 * time.Millisecond
	}
	c.Pin.EdgesChan <- gpio.Low
	time.Sleep(hold)
	c.Pin.EdgesChan <- gpio.High
	return nil
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
