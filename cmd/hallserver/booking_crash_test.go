package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/hallclient"
)

// bookingWorkers book at once, each from its own loopback address (the
// booking rate is per address: bookBurst each).
const bookingWorkers = 16

// TestKill9KeepsEveryAcknowledgedBooking: citizens book on the real
// binary, which is killed with SIGKILL while bookings are in flight; after
// the restart every booking that got a 201 is there, unchanged, with its
// booking.made event, and no slot holds more than its capacity.
func TestKill9KeepsEveryAcknowledgedBooking(t *testing.T) {
	bin := buildHallserver(t)
	db := filepath.Join(t.TempDir(), "hall.db")
	p := startHall(t, bin, db, true)
	ctx := context.Background()

	// Tomorrow's slots in the hall's zone, or the next day the demo hall
	// is open.
	hallZone, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	var slots *hallq.SlotsAnswer
	for d := 1; d <= 14 && (slots == nil || len(slots.Slots) < 40); d++ {
		if slots, err = p.api.Slots(ctx, "A", time.Now().In(hallZone).AddDate(0, 0, d).Format(time.DateOnly)); err != nil {
			t.Fatal(err)
		}
	}
	if len(slots.Slots) < 40 || slots.Capacity < 1 {
		t.Fatalf("slots to book: %d of capacity %d", len(slots.Slots), slots.Capacity)
	}

	type acked struct {
		*hallq.Booking
		secret string
	}
	var (
		mu       sync.Mutex
		got      []acked
		cut      int
		unexpect []string
		nAcked   atomic.Int64
		inFlight atomic.Int64
		killed   atomic.Bool
		killOnce sync.Once
	)
	kill := func() { killOnce.Do(func() { killed.Store(true); p.proc.Kill() }) }
	var wg sync.WaitGroup
	for w := range bookingWorkers {
		client := hallclient.New(p.proc.URL, loadWait)
		dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 1, byte(w+2))}}
		client.HTTP.Transport = &http.Transport{DialContext: dialer.DialContext}
		wg.Go(func() {
			for i := 0; !killed.Load() && i < 8; i++ {
				// Three workers share each slot, so slots fill up and
				// some are refused as full.
				slot := slots.Slots[(w/3+i*bookingWorkers/3)%len(slots.Slots)]
				var wrote atomic.Bool
				trace := &httptrace.ClientTrace{
					WroteRequest: func(info httptrace.WroteRequestInfo) {
						if info.Err == nil {
							wrote.Store(true)
							inFlight.Add(1)
						}
					},
					GotFirstResponseByte: func() {
						if wrote.CompareAndSwap(true, false) && inFlight.Add(-1) >= 4 && nAcked.Load() >= 20 {
							kill()
						}
					},
				}
				b, err := client.Book(httptrace.WithClientTrace(ctx, trace), hallq.BookingRequest{Service: "A", Start: slot.Start,
					Name: fmt.Sprintf("Công dân %d-%d", w, i), Phone: fmt.Sprintf("09050%05d", w*100+i)})
				if wrote.CompareAndSwap(true, false) {
					inFlight.Add(-1)
				}
				mu.Lock()
				switch {
				case err == nil:
					u, _ := url.Parse(b.StatusURL)
					got = append(got, acked{b, u.Query().Get("k")})
					nAcked.Add(1)
				case hallclient.IsCode(err, hallq.ECONFLICT, "slot_full"):
				case killed.Load():
					cut++
				default:
					unexpect = append(unexpect, err.Error())
				}
				mu.Unlock()
				if err != nil && killed.Load() {
					return
				}
			}
		})
	}
	wg.Wait()
	if !killed.Load() {
		p.proc.Kill()
		t.Fatalf("never killed under load: %d bookings acknowledged; errors: %v", nAcked.Load(), unexpect)
	}
	<-p.proc.Done()
	if len(unexpect) > 0 {
		t.Fatalf("bookings failed before the kill: %s", strings.Join(unexpect, "\n"))
	}
	t.Logf("%d bookings acknowledged, %d cut off by the kill", len(got), cut)

	p = startHall(t, bin, db, false)
	for _, a := range got {
		b, err := p.api.Booking(ctx, "", a.Code, a.secret)
		if err != nil {
			t.Errorf("acknowledged booking %s after restart: %v", a.Code, err)
			continue
		}
		if b.Service != a.Service || !b.Start.Equal(a.Start) || b.Name != a.Name || b.Phone != a.Phone || b.Status != hallq.BookingBooked {
			t.Errorf("booking %s after restart: %+v, was %+v", a.Code, b, a.Booking)
		}
	}
	admin := p.login(t, "admin", "demo-admin")
	all, err := p.api.Bookings(ctx, admin, url.Values{"day": {slots.Date}, "service": {"A"}})
	if err != nil {
		t.Fatal(err)
	}
	perSlot := map[int64]int{}
	for _, b := range all {
		if perSlot[b.Start.Unix()]++; perSlot[b.Start.Unix()] > slots.Capacity {
			t.Errorf("slot %s holds more than its %d places", b.Start.Format(time.RFC3339), slots.Capacity)
		}
	}
	evs, err := p.api.AllEvents(ctx, admin, 0)
	if err != nil {
		t.Fatal(err)
	}
	var made []string
	for _, ev := range evs {
		if ev.Type == hallq.EventBookingMade {
			made = append(made, ev.Booking.Code)
		}
	}
	for _, a := range got {
		if !slices.Contains(made, a.Code) {
			t.Errorf("acknowledged booking %s has no booking.made event", a.Code)
		}
	}
	if len(made) != len(all) {
		t.Errorf("%d booking.made events, %d bookings stored", len(made), len(all))
	}
	p.stop(t)
}
