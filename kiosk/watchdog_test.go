package kiosk_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hallq/hallq/internal/eventually"
	"github.com/hallq/hallq/printer/transport"
	"github.com/hallq/hallq/server/servertest"
)

// TestHealthyOnlyWhileWorkersProgress: the kiosk is healthy (the
// watchdog is fed) while its ticket worker and button watchers go round;
// a ticket worker stuck in a print that never ends makes it unhealthy,
// naming the worker, and healthy again once the print returns.
func TestHealthyOnlyWhileWorkersProgress(t *testing.T) {
	h := servertest.Start(t, servertest.Options{})
	clk := &skipClock{} // the clock the kiosk's liveness reads
	release := make(chan struct{})
	var once sync.Once
	free := func() { once.Do(func() { close(release) }) }
	t.Cleanup(free)
	stuck := make(chan struct{}, 1)
	hang := func(c transport.Conn) transport.Conn {
		return writeHook{c, func(b []byte) {
			if len(b) > 3 { // the job, not a status query: it never finishes
				select {
				case stuck <- struct{}{}:
				default:
				}
				<-release
			}
		}}
	}
	r := newRig(t, rigOptions{url: h.URL, wrap: hang, now: clk.Now})
	ctx := context.Background()
	if err := r.k.Healthy(ctx); err != nil {
		t.Fatalf("a fresh kiosk: %v", err)
	}
	r.press("A")
	select {
	case <-stuck:
	case <-time.After(30 * time.Second):
		t.Fatal("the job never reached the printer")
	}
	// Ten minutes later by the kiosk's clock, the worker has not come back.
	clk.Skip(10 * time.Minute)
	// The buttons, still polling, beat again at once; the worker does not.
	eventually.True(t, time.Minute, "the kiosk unhealthy for its ticket worker alone", func() bool {
		err := r.k.Healthy(ctx)
		return err != nil && strings.Contains(err.Error(), "ticket worker") && !strings.Contains(err.Error(), "button")
	})
	free()
	eventually.True(t, time.Minute, "the kiosk healthy again", func() bool { return r.k.Healthy(ctx) == nil })
}
