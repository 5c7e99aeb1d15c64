package cli_test

import (
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeNotifiesSystemd runs the server as systemd would with
// Type=notify and WatchdogSec: it says READY once it listens, feeds the
// watchdog, and says STOPPING when it shuts down.
func TestServeNotifiesSystemd(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "notify")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	t.Setenv("NOTIFY_SOCKET", sock)
	t.Setenv("WATCHDOG_USEC", "200000") // a ping every 100 ms
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
	next := func(want string) {
		t.Helper()
		deadline := time.After(10 * time.Second)
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
				t.Fatalf("no %q within 10 s", want)
			}
		}
	}

	// Cleanups run last-registered first: this one runs after serve's,
	// which stops the server.
	t.Cleanup(func() { next("STOPPING=1") })
	serve(t)
	next("READY=1")
	next("STATUS=serving on ")
	next("WATCHDOG=1")
	next("WATCHDOG=1")
}
