// Package sdnotify tells systemd how a service is doing, with the standard
// library only: READY=1 once it serves, WATCHDOG=1 while it is healthy,
// STOPPING=1 as it shuts down (sd_notify(3)). Outside systemd, where
// NOTIFY_SOCKET is unset, every call does nothing, so a program can call
// these unconditionally.
//
// A unit with Type=notify and WatchdogSec=30 waits for Ready before it
// counts as started, and restarts the program (Restart=always) when no
// WATCHDOG=1 arrives for 30 seconds: Watchdog sends one every half of that.
package sdnotify

import (
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"
)

// Messages for Notify.
const (
	MsgReady     = "READY=1"
	MsgStopping  = "STOPPING=1"
	MsgReloading = "RELOADING=1"
	MsgWatchdog  = "WATCHDOG=1"
)

// Notify sends one message (several "KEY=VALUE" lines are one message) to
// the socket systemd named in NOTIFY_SOCKET. It reports whether a message
// was sent: false with a nil error when not run by systemd.
func Notify(state string) (bool, error) {
	name := os.Getenv("NOTIFY_SOCKET")
	if name == "" {
		return false, nil
	}
	// A name starting with "@" is an abstract socket; the net package
	// translates it.
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: name, Net: "unixgram"})
	if err != nil {
		return false, fmt.Errorf("sdnotify: %w", err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(state)); err != nil {
		return false, fmt.Errorf("sdnotify: %w", err)
	}
	return true, nil
}

// Ready tells systemd that start-up is finished: the program serves.
func Ready() error { _, err := Notify(MsgReady); return err }

// Stopping tells systemd that the program is shutting down on purpose.
func Stopping() error { _, err := Notify(MsgStopping); return err }

// ExtendTimeout asks systemd for d more to finish starting (or stopping)
// than the unit's timeout allows, counted from now (EXTEND_TIMEOUT_USEC).
func ExtendTimeout(d time.Duration) error {
	_, err := Notify(fmt.Sprintf("EXTEND_TIMEOUT_USEC=%d", d.Microseconds()))
	return err
}

// Status sets the free-form status line that systemctl status shows.
func Status(text string) error { _, err := Notify("STATUS=" + text); return err }

// WatchdogInterval is how often to send WATCHDOG=1: half of the unit's
// WatchdogSec (WATCHDOG_USEC), so one late ping is not yet fatal. It is
// 0 when the watchdog is off or meant for another process (WATCHDOG_PID).
func WatchdogInterval() time.Duration {
	usec, err := strconv.ParseInt(os.Getenv("WATCHDOG_USEC"), 10, 64)
	if err != nil || usec <= 0 {
		return 0
	}
	if pid := os.Getenv("WATCHDOG_PID"); pid != "" && pid != strconv.Itoa(os.Getpid()) {
		return 0
	}
	return time.Duration(usec) * time.Microsecond / 2
}

// Watchdog sends WATCHDOG=1 every WatchdogInterval until ctx ends, but
// only after healthy (if not nil) returns nil: a program that is alive but
// stuck stops pinging and is restarted. healthy gets a context that ends
// after one interval. Watchdog returns at once, with nil, when there is no
// watchdog; otherwise when ctx ends, with nil. Failures to send are
// reported to onError (if not nil) and do not end the loop.
func Watchdog(ctx context.Context, healthy func(context.Context) error, onError func(error)) error {
	every := WatchdogInterval()
	if every <= 0 {
		return nil
	}
	report := func(err error) {
		if err != nil && onError != nil {
			onError(err)
		}
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		if healthy != nil {
			hctx, cancel := context.WithTimeout(ctx, every)
			err := healthy(hctx)
			cancel()
			if err != nil {
				report(fmt.Errorf("sdnotify: unhealthy, watchdog not pinged: %w", err))
			} else {
				_, err := Notify(MsgWatchdog)
				report(err)
			}
		} else {
			_, err := Notify(MsgWatchdog)
			report(err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}
