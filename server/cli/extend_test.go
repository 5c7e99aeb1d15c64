package cli

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/hallq/hallq/internal/sdnotify/sdnotifytest"
)

// TestSlowOpenAsksSystemdForTime: while the database opens (a long
// migration), the server tells systemd what it does and asks for more time
// to start, again and again, and stops asking once it is open.
func TestSlowOpenAsksSystemdForTime(t *testing.T) {
	next := sdnotifytest.Listen(t, 0)
	defer func(d time.Duration) { openSlow = d }(openSlow)
	openSlow = 20 * time.Millisecond
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		extendStart(done, slog.New(slog.NewTextHandler(io.Discard, nil)))
		close(stopped)
	}()
	for range 2 {
		next("STATUS=opening the database: migrating")
		next("EXTEND_TIMEOUT_USEC=80000")
	}
	close(done)
	<-stopped
}
