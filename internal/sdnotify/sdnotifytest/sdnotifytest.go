// Package sdnotifytest plays systemd's side of sd_notify for tests.
package sdnotifytest

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Listen plays systemd for a test: it sets NOTIFY_SOCKET to a socket of
// its own and WATCHDOG_USEC to watchdog (0: no watchdog), and returns a
// function that waits (up to 30 s) for a message starting with want.
func Listen(t *testing.T, watchdog time.Duration) (next func(want string)) {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "notify")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	t.Setenv("NOTIFY_SOCKET", sock)
	t.Setenv("WATCHDOG_USEC", "")
	if watchdog > 0 {
		t.Setenv("WATCHDOG_USEC", strconv.FormatInt(int64(watchdog/time.Microsecond), 10))
	}
	t.Setenv("WATCHDOG_PID", "")
	got := make(chan string, 64)
	go func() {
		buf := make([]byte, 1024)
		for {
			n, err := c.Read(buf)
			if err != nil {
				close(got)
				return
			}
			got <- string(buf[:n])
		}
	}()
	return func(want string) {
		t.Helper()
		deadline := time.After(30 * time.Second)
		for {
			select {
			case m, ok := <-got:
				if !ok {
					t.Fatalf("socket closed before %q", want)
				}
				if strings.HasPrefix(m, want) {
					return
				}
			case <-deadline:
				t.Fatalf("no %q within 30 s", want)
			}
		}
	}
}

// Lifecycle runs a device command as systemd would (after Listen): run
// starts it and returns its exit code once ctx ends. The command must say
// READY, feed the watchdog twice, and, stopped, exit 0 and say STOPPING;
// log is what it wrote, shown if it fails.
func Lifecycle(t *testing.T, next func(want string), run func(ctx context.Context) int, log fmt.Stringer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- run(ctx) }()
	next("READY=1")
	next("WATCHDOG=1")
	next("WATCHDOG=1")
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("exit %d:\n%s", code, log)
	}
	next("STOPPING=1")
}
