package gpioinit

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestCause(t *testing.T) {
	denied := &fs.PathError{Op: "open", Path: "/dev/gpiochip0", Err: syscall.EACCES}
	for _, tt := range []struct {
		name string
		r    Report
		want []string
	}{
		{"a PC", Report{Skipped: []Driver{{"ioctl-gpio", errors.New("no GPIO chips found")}}},
			[]string{"no GPIO character device", "wrong board?", "-sim"}},
		{"not in group gpio", Report{Chips: []Device{{"/dev/gpiochip0", denied}}},
			[]string{"/dev/gpiochip0 cannot be opened (permission denied)", "group gpio", "udev", "DeviceAllow=char-gpiochip"}},
		{"blocked by the unit's device policy", Report{Chips: []Device{{"/dev/gpiochip0", &fs.PathError{Op: "open", Path: "/dev/gpiochip0", Err: syscall.EPERM}}}},
			[]string{"DeviceAllow=char-gpiochip"}},
		{"a wrong pin name", Report{Loaded: []string{"ioctl-gpio"}, Chips: []Device{{"/dev/gpiochip0", nil}}},
			[]string{"/dev/gpiochip0", "no line named GPIO99", "GPIO2 to GPIO27"}},
		{"the driver failed", Report{Failed: []Driver{{"ioctl-gpio", errors.New("line info: bad")}}, Chips: []Device{{"/dev/gpiochip0", nil}}},
			[]string{"GPIO driver did not start (line info: bad)"}},
	} {
		got := tt.r.Cause("GPIO99")
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %q lacks %q", tt.name, got, w)
			}
		}
	}
}

func TestSummaryNamesEveryDriver(t *testing.T) {
	r := Report{Loaded: []string{"sysfs-led"}, Skipped: []Driver{{"sysfs-spi", errors.New("no SPI port found")}},
		Failed: []Driver{{"ioctl-gpio", errors.New("opening gpio chip /dev/gpiochip0 failed")}, {"bcm283x-gpio", nil}}}
	got := r.Summary()
	for _, w := range []string{"loaded: sysfs-led", "failed: ioctl-gpio (opening gpio chip /dev/gpiochip0 failed), bcm283x-gpio (no reason given)", "skipped: sysfs-spi (no SPI port found)"} {
		if !strings.Contains(got, w) {
			t.Errorf("%q lacks %q", got, w)
		}
	}
}

func TestProbe(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"gpiochip0", "gpiochip4"} {
		os.WriteFile(filepath.Join(dir, n), nil, 0o600)
	}
	got := probe(filepath.Join(dir, "gpiochip*"), func(p string) error {
		if strings.HasSuffix(p, "4") {
			return &fs.PathError{Op: "open", Path: p, Err: syscall.EACCES}
		}
		return nil
	})
	if len(got) != 2 || got[0].Err != nil || !errors.Is(got[1].Err, fs.ErrPermission) {
		t.Errorf("got %+v", got)
	}
	r := Report{SPI: nil}
	if c := r.SPICause("/dev/spidev0.0"); !strings.Contains(c, "dtparam=spi=on") {
		t.Errorf("no SPI: %q", c)
	}
}

// TestInitHere runs periph's real initialisation on this machine: whatever
// it finds, the report explains a missing pin.
func TestInitHere(t *testing.T) {
	r, err := Init()
	if err != nil {
		t.Fatalf("host.Init: %v", err)
	}
	if c := r.Cause("GPIO26"); c == "" {
		t.Error("no cause given")
	}
	t.Logf("drivers: %s; chips %v", r.Summary(), r.Chips)
}
