package kiosk

import (
	"fmt"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"

	"github.com/hallq/hallq/kiosk/button"
	"github.com/hallq/hallq/kiosk/config"
)

// input is a button pin with what a press does.
type input struct {
	pin   gpio.PinIn
	press func(button.Press)
}

// lamps are the kiosk's status lamps; absent ones are nil.
type lamps struct {
	fault, busy, paper, server *button.LED
}

func (l *lamps) allOff() {
	for _, led := range []*button.LED{l.fault, l.busy, l.paper, l.server} {
		led.Off()
	}
}

// PinError is a configured pin that periph's registry does not have: a
// wrong name, or GPIO that did not start (gpioinit explains which).
type PinError struct {
	Key  string // the config key that names it
	Name string
}

func (e *PinError) Error() string {
	return fmt.Sprintf("kiosk: %s: no GPIO pin named %q (names look like GPIO17)", e.Key, e.Name)
}

// lookup finds a configured pin in periph's registry.
func lookup(p config.Pin) (gpio.PinIO, error) {
	pin := gpioreg.ByName(p.Name)
	if pin == nil {
		return nil, &PinError{Key: p.Key, Name: p.Name}
	}
	return pin, nil
}

// buttonPin finds and sets up an input pin.
func buttonPin(p config.Pin) (gpio.PinIn, error) {
	pin, err := lookup(p)
	if err != nil {
		return nil, err
	}
	if err := button.Setup(pin); err != nil {
		return nil, fmt.Errorf("kiosk: %s: %w", p.Key, err)
	}
	return pin, nil
}

// ledPin finds and sets up an LED; an absent one is nil.
func ledPin(p config.Pin) (*button.LED, error) {
	if p.Name == "" {
		return nil, nil
	}
	pin, err := lookup(p)
	if err != nil {
		return nil, err
	}
	led, err := button.NewLED(pin)
	if err != nil {
		return nil, fmt.Errorf("kiosk: %s: %w", p.Key, err)
	}
	return led, nil
}

func (k *Kiosk) setupPins() error {
	var err error
	l := &k.lamps
	for _, x := range []struct {
		dst **button.LED
		p   config.Pin
	}{{&l.fault, k.cfg.Lamps.Fault}, {&l.busy, k.cfg.Lamps.Busy}, {&l.paper, k.cfg.Lamps.Paper}, {&l.server, k.cfg.Lamps.Server}} {
		if *x.dst, err = ledPin(x.p); err != nil {
			return err
		}
	}
	for _, b := range k.cfg.Buttons {
		sb := &serviceButton{k: k, service: b.Service}
		if sb.pin, err = buttonPin(b.Pin); err != nil {
			return err
		}
		if sb.led, err = ledPin(b.LED); err != nil {
			return err
		}
		k.buttons = append(k.buttons, sb)
	}
	if p := k.cfg.Priority; p != nil {
		pb := &priorityButton{k: k, kind: p.Kind, window: p.Window}
		if pb.pin, err = buttonPin(p.Pin); err != nil {
			return err
		}
		if pb.led, err = ledPin(p.LED); err != nil {
			return err
		}
		k.prio = pb
	}
	for _, pc := range k.cfg.Pads {
		p, err := k.newPad(pc)
		if err != nil {
			return err
		}
		k.pads = append(k.pads, p)
	}
	return nil
}

// inputs lists every button pin with its handler.
func (k *Kiosk) inputs() []input {
	var in []input
	for _, b := range k.buttons {
		in = append(in, input{b.pin, b.press})
	}
	if k.prio != nil {
		in = append(in, input{k.prio.pin, k.prio.press})
	}
	for _, p := range k.pads {
		in = append(in, p.inputs()...)
	}
	return in
}
