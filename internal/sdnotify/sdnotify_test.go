package sdnotify_test

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hallq/hallq/internal/eventually"
	"github.com/hallq/hallq/internal/sdnotify"
)

// listen plays systemd: a unixgram socket, named in NOTIFY_SOCKET.
func listen(t *testing.T) *net.UnixConn {
	t.Helper()
	path := filepath.Join(t.TempDir(), "notify")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	t.Setenv("NOTIFY_SOCKET", path)
	return c
}

func recv(t *testing.T, c *net.UnixConn) string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 4096)
	n, err := c.Read(buf)
	if err != nil {
		t.Fatalf("read notification: %v", err)
	}
	return string(buf[:n])
}

func TestNotifyOutsideSystemd(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "")
	sent, err := sdnotify.Notify(sdnotify.MsgReady)
	if sent || err != nil {
		t.Errorf("got sent=%v err=%v, want false, nil", sent, err)
	}
	if err := sdnotify.Watchdog(context.Background(), nil, nil); err != nil {
		t.Errorf("Watchdog without WATCHDOG_USEC: %v", err)
	}
}

func TestReadyStatusStopping(t *testing.T) {
	c := listen(t)
	for _, tc := range []struct {
		name string
		send func() error
		want string
	}{
		{"ready", sdnotify.Ready, "READY=1"},
		{"status", func() error { return sdnotify.Status("serving on :8080") }, "STATUS=serving on :8080"},
		{"stopping", sdnotify.Stopping, "STOPPING=1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.send(); err != nil {
				t.Fatal(err)
			}
			if got := recv(t, c); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestNotifyNoListener(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", filepath.Join(t.TempDir(), "nobody"))
	if _, err := sdnotify.Notify(sdnotify.MsgReady); err == nil {
		t.Error("got no error for a socket nobody listens on")
	}
}

func TestWatchdogInterval(t *testing.T) {
	pid := strconv.Itoa(os.Getpid())
	for _, tc := range []struct {
		name, usec, pid string
		want            time.Duration
	}{
		{"unset", "", "", 0},
		{"half of 30s", "30000000", "", 15 * time.Second},
		{"for this process", "30000000", pid, 15 * time.Second},
		{"for another process", "30000000", "1", 0},
		{"garbage", "soon", "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("WATCHDOG_USEC", tc.usec)
			t.Setenv("WATCHDOG_PID", tc.pid)
			if got := sdnotify.WatchdogInterval(); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestWatchdogPingsOnlyWhileHealthy(t *testing.T) {
	c := listen(t)
	t.Setenv("WATCHDOG_USEC", "40000") // a ping every 20 ms
	t.Setenv("WATCHDOG_PID", "")
	var sick atomic.Bool
	var complaints atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- sdnotify.Watchdog(ctx, func(context.Context) error {
			if sick.Load() {
				return errors.New("hall loop stuck")
			}
			return nil
		}, func(error) { complaints.Add(1) })
	}()
	for range 3 {
		if got := recv(t, c); got != "WATCHDOG=1" {
			t.Fatalf("got %q, want WATCHDOG=1", got)
		}
	}
	sick.Store(true)
	// Two failed checks: the check that may have read "healthy" before the
	// switch, and its ping, are behind us however slowly a busy machine
	// runs the watchdog.
	eventually.True(t, time.Minute, "two complaints", func() bool { return complaints.Load() >= 2 })
	// Drain pings sent before the switch; then none may come.
	c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	buf := make([]byte, 64)
	for {
		if _, err := c.Read(buf); err != nil {
			break
		}
	}
	c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if n, err := c.Read(buf); err == nil {
		t.Errorf("got %q while unhealthy, want no ping", buf[:n])
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Watchdog returned %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Watchdog did not return after its context ended")
	}
}
