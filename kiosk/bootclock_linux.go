package kiosk

import (
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// systemBootClock reads the machine's boot id and CLOCK_BOOTTIME, which
// keeps counting across a restart of the kiosk process (but not a reboot).
func systemBootClock() (string, int64) {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts); err != nil {
		return "", 0
	}
	return bootID(), ts.Nano()
}

var bootIDValue = func() string {
	data, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(data))
}()

func bootID() string { return bootIDValue }
