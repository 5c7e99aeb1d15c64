package cli_test

import (
	"testing"
	"time"

	"github.com/hallq/hallq/internal/sdnotify/sdnotifytest"
)

// TestServeNotifiesSystemd runs the server as systemd would with
// Type=notify and WatchdogSec: it says READY once it listens, feeds the
// watchdog, and says STOPPING when it shuts down.
func TestServeNotifiesSystemd(t *testing.T) {
	next := sdnotifytest.Listen(t, 200*time.Millisecond) // a ping every 100 ms

	// Cleanups run last-registered first: this one runs after serve's,
	// which stops the server.
	t.Cleanup(func() { next("STOPPING=1") })
	serve(t)
	next("READY=1")
	next("STATUS=serving on ")
	next("WATCHDOG=1")
	next("WATCHDOG=1")
}
