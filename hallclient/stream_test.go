package hallclient_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/hallclient"
	"github.com/hallq/hallq/internal/eventually"
	"github.com/hallq/hallq/internal/netcut"
	"github.com/hallq/hallq/server/servertest"
)

// TestStreamExactlyOnceAcrossDisconnects: a display behind a network that
// is cut 100 times while six counters make 1,000 calls receives every call
// exactly once, in order, and every other event too (-short: 20 cuts
// during 200 calls, as CI runs it again on busy cores).
func TestStreamExactlyOnceAcrossDisconnects(t *testing.T) {
	var calls, cuts int64 = 1000, 100
	if testing.Short() {
		calls, cuts = 200, 20
	}
	h := servertest.Start(t, servertest.Options{})
	proxy, err := netcut.New(h.HTTP.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()

	t0 := time.Now()
	// The tickets first, issued in parallel (the server commits them in groups).
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int64(0); i < calls/8; i++ {
				svc := string(rune('A' + i%4)) // A and B for counters 1–3 and 6, C and D for 4 and 5
				if code := h.Do("POST", "/api/v1/tickets", servertest.KioskToken, map[string]string{"service": svc}, nil); code != 201 {
					t.Errorf("issue: %d", code)
					return
				}
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}

	t.Logf("issued in %v", time.Since(t0))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := &hallclient.Stream{Client: hallclient.New("http://"+proxy.Addr(), 10*time.Second), Token: servertest.DisplayToken,
		MinBackoff: 2 * time.Millisecond, MaxBackoff: 20 * time.Millisecond}
	var (
		mu       sync.Mutex
		seqs     []int64
		called   = map[string]int{}
		order    []int64 // seqs of calls
		gotCalls atomic.Int64
	)
	runDone := make(chan error, 1)
	go func() {
		runDone <- c.Run(ctx, func(m hallclient.Message) error {
			if m.Event == nil {
				return nil
			}
			mu.Lock()
			defer mu.Unlock()
			seqs = append(seqs, m.Event.Seq)
			if m.Event.Type == hallq.EventTicketCalled {
				called[m.Event.Ticket.ID]++
				order = append(order, m.Event.Seq)
				gotCalls.Add(1)
			}
			return nil
		})
	}()
	eventually.True(t, time.Minute, "first connection", func() bool { return c.Connections() >= 1 })
	startSeq := c.Last()

	// Six counters call and finish until nobody waits.
	var made atomic.Int64
	for _, n := range []int{1, 2, 3, 4, 5, 6} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok := h.Login(fmt.Sprintf("canbo%d", n))
			if code := h.Do("POST", fmt.Sprintf("/api/v1/counters/%d/open", n), tok, nil, nil); code != 200 {
				t.Errorf("open %d: %d", n, code)
				return
			}
			for {
				code := h.Do("POST", fmt.Sprintf("/api/v1/counters/%d/next", n), tok, nil, nil)
				if code == 204 {
					return
				}
				if code != 200 {
					t.Errorf("next at %d: %d", n, code)
					return
				}
				made.Add(1)
				if code := h.Do("POST", fmt.Sprintf("/api/v1/counters/%d/finish", n), tok, nil, nil); code != 200 {
					t.Errorf("finish at %d: %d", n, code)
					return
				}
			}
		}()
	}
	// Meanwhile: cut the network 100 times, each time once the display is
	// connected again and some calls have been made.
	cutDone := make(chan struct{})
	var lastCut atomic.Int64 // connections made when the last cut came
	go func() {
		defer close(cutDone)
		for i := int64(0); i < cuts; i++ {
			target := (i + 1) * calls / (cuts + 1)
			// Cut only a live connection: wait until the display has
			// come back since the last cut.
			for made.Load() < target || c.Connections() <= lastCut.Load() {
				if ctx.Err() != nil {
					return
				}
				time.Sleep(200 * time.Microsecond)
			}
			lastCut.Store(c.Connections())
			proxy.Cut()
		}
	}()
	wg.Wait()
	<-cutDone
	eventually.True(t, 2*time.Minute, "every call", func() bool { return gotCalls.Load() >= calls })
	eventually.True(t, time.Minute, "a connection after the last cut", func() bool { return c.Connections() > lastCut.Load() })
	cancel()
	if err := <-runDone; err != context.Canceled {
		t.Errorf("Run: %v, want context.Canceled", err)
	}

	if made.Load() != calls {
		t.Fatalf("made %d calls, want %d", made.Load(), calls)
	}
	if got := int64(proxy.Cuts()); got != cuts {
		t.Errorf("cut %d times, want %d", got, cuts)
	}
	if got := c.Connections(); got < cuts+1 {
		t.Errorf("%d connections, want at least %d (one per cut)", got, cuts+1)
	}
	mu.Lock()
	defer mu.Unlock()
	for id, n := range called {
		if n != 1 {
			t.Errorf("ticket %s called %d times on the display, want once", id, n)
		}
	}
	if int64(len(called)) != calls {
		t.Errorf("display saw %d distinct calls, want %d", len(called), calls)
	}
	// Every event after the first snapshot, once each, in order.
	for i, s := range seqs {
		if s != startSeq+int64(i)+1 {
			t.Fatalf("event %d has seq %d, want %d: a gap, a duplicate or disorder", i, s, startSeq+int64(i)+1)
		}
	}
	t.Logf("%d calls, %d events, %d cuts, %d connections", len(order), len(seqs), proxy.Cuts(), c.Connections())
}
