// Package gpioinit starts periph.io's host drivers and says in an
// installer's words what went wrong. periph's host.Init reports success
// even when every GPIO driver was skipped or failed (no access to
// /dev/gpiochip*, no chip at all on a PC), and a program then only learns
// that "no GPIO pin named GPIO26" exists; Report keeps what each driver
// said and what the device files allow, and Cause turns that into the
// likely reason and its fix.
package gpioinit

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"periph.io/x/conn/v3/driver/driverreg"
	"periph.io/x/host/v3"
)

// Report is what host initialisation found.
type Report struct {
	Loaded          []string
	Skipped, Failed []Driver
	// Chips are the GPIO character devices and whether this process could
	// open them; SPI the same for /dev/spidev*.
	Chips, SPI []Device
}

// Driver is a periph driver that did not load, and why.
type Driver struct {
	Name string
	Err  error
}

// Device is a device file and the error opening it (nil: it opens).
type Device struct {
	Path string
	Err  error
}

// Init runs host.Init and probes the device files. Its error is host.Init's
// (rare: a driver that panicked or a registration conflict); an unusable
// GPIO shows in the report, not as an error.
func Init() (*Report, error) {
	st, err := host.Init()
	r := fromState(st)
	r.Chips = probe("/dev/gpiochip*", openRead)
	r.SPI = probe("/dev/spidev*", openRead)
	return r, err
}

func fromState(st *driverreg.State) *Report {
	r := &Report{}
	if st == nil {
		return r
	}
	for _, d := range st.Loaded {
		r.Loaded = append(r.Loaded, d.String())
	}
	for _, f := range st.Skipped {
		r.Skipped = append(r.Skipped, Driver{f.D.String(), f.Err})
	}
	for _, f := range st.Failed {
		r.Failed = append(r.Failed, Driver{f.D.String(), f.Err})
	}
	return r
}

func openRead(path string) error {
	f, err := os.Open(path)
	if err == nil {
		f.Close()
	}
	return err
}

func probe(pattern string, open func(string) error) []Device {
	paths, _ := filepath.Glob(pattern)
	var out []Device
	for _, p := range paths {
		out = append(out, Device{Path: p, Err: open(p)})
	}
	return out
}

// Summary lists the drivers for the log: loaded, skipped and failed, each
// with its reason.
func (r *Report) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "loaded: %s", list(r.Loaded))
	if len(r.Failed) > 0 {
		fmt.Fprintf(&b, "; failed: %s", drivers(r.Failed))
	}
	if len(r.Skipped) > 0 {
		fmt.Fprintf(&b, "; skipped: %s", drivers(r.Skipped))
	}
	return b.String()
}

func list(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

func drivers(ds []Driver) string {
	var parts []string
	for _, d := range ds {
		msg := "no reason given"
		if d.Err != nil {
			msg = d.Err.Error()
		}
		parts = append(parts, d.Name+" ("+msg+")")
	}
	return strings.Join(parts, ", ")
}

// Cause says why a GPIO pin the config names is not there, and what to do
// about it.
func (r *Report) Cause(pin string) string {
	if len(r.Chips) == 0 {
		return "there is no GPIO character device (/dev/gpiochip*): this is not a Raspberry Pi (wrong board?), " +
			"or its kernel has no GPIO driver. On a laptop, try the kiosk with -sim"
	}
	var opened []string
	for _, c := range r.Chips {
		switch {
		case c.Err == nil:
			opened = append(opened, c.Path)
		case errors.Is(c.Err, fs.ErrPermission):
			return fmt.Sprintf("%s cannot be opened (%v): the program's user must be in group gpio "+
				"(the unit's SupplementaryGroups=gpio; by hand: sudo adduser $USER gpio, then log in again), "+
				"and the device must belong to that group (Raspberry Pi OS's udev rule does it; elsewhere add "+
				"SUBSYSTEM==\"gpio\", KERNEL==\"gpiochip*\", GROUP=\"gpio\", MODE=\"0660\" to a rule in /etc/udev/rules.d). "+
				"Under systemd, the unit also needs DeviceAllow=char-gpiochip rw", c.Path, unwrapPath(c.Err))
		}
	}
	if len(opened) == 0 {
		return fmt.Sprintf("no GPIO chip opens (%s: %v)", r.Chips[0].Path, unwrapPath(r.Chips[0].Err))
	}
	for _, d := range append(append([]Driver(nil), r.Failed...), r.Skipped...) {
		if d.Name == "ioctl-gpio" {
			return fmt.Sprintf("periph's GPIO driver did not start (%v)", d.Err)
		}
	}
	return fmt.Sprintf("the GPIO chips (%s) have no line named %s: check the pin's name in the config "+
		"(a Raspberry Pi's header pins are GPIO2 to GPIO27, by BCM number), or this is another board", strings.Join(opened, ", "), pin)
}

// SPICause says why an SPI port does not open.
func (r *Report) SPICause(port string) string {
	if len(r.SPI) == 0 {
		return "there is no SPI device (/dev/spidev*): turn SPI on with dtparam=spi=on in /boot/firmware/config.txt " +
			"(install.sh display puts it there) and reboot"
	}
	for _, d := range r.SPI {
		if errors.Is(d.Err, fs.ErrPermission) {
			return fmt.Sprintf("%s cannot be opened (%v): the program's user must be in group spi "+
				"(the unit's SupplementaryGroups=spi) and the unit needs DeviceAllow=char-spi rw", d.Path, unwrapPath(d.Err))
		}
	}
	var paths []string
	for _, d := range r.SPI {
		paths = append(paths, d.Path)
	}
	return fmt.Sprintf("SPI devices are %s: name one of them as the port", strings.Join(paths, ", "))
}

// unwrapPath drops the path from an *fs.PathError, which the message names
// already.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
