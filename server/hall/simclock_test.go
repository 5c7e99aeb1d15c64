package hall_test

import (
	"sync"
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/server/hall"
)

// fakeReal is a settable real clock.
type fakeReal struct {
	mu sync.Mutex
	t  time.Time
}

func (f *fakeReal) now() time.Time      { f.mu.Lock(); defer f.mu.Unlock(); return f.t }
func (f *fakeReal) add(d time.Duration) { f.mu.Lock(); f.t = f.t.Add(d); f.mu.Unlock() }
func newFakeReal(t time.Time) *fakeReal { return &fakeReal{t: t} }
func at(s string) time.Time             { t, _ := time.Parse(time.RFC3339, s); return t }
func sameInstant(a, b time.Time) bool   { return a.Equal(b) }
func newSim(start time.Time, speed float64, real *fakeReal) *hall.SimClock {
	c := &hall.SimClock{Real: real.now}
	c.Set(start, speed) // from the zero anchor, any start is forward
	return c
}

func TestSimClock(t *testing.T) {
	real := newFakeReal(at("2026-11-27T01:00:00Z"))
	c := newSim(at("2026-12-01T00:15:00Z"), 10, real)
	real.add(6 * time.Minute)
	if got, want := c.Now(), at("2026-12-01T01:15:00Z"); !sameInstant(got, want) {
		t.Errorf("after 6 real minutes at 10×: got %v, want %v", got, want)
	}
	if _, err := c.Set(at("2026-12-01T01:00:00Z"), 0); hallq.ErrorCode(err) != hallq.ECONFLICT {
		t.Errorf("going back: got %v, want ECONFLICT", err)
	}
	if _, err := c.Set(time.Time{}, 5000); hallq.ErrorCode(err) != hallq.EINVALID {
		t.Errorf("speed 5000: got %v, want EINVALID", err)
	}
	got, err := c.Set(time.Time{}, 1)
	if err != nil || !sameInstant(got, at("2026-12-01T01:15:00Z")) {
		t.Errorf("slowing down where it is: got %v, %v", got, err)
	}
	real.add(time.Minute)
	if got, want := c.Now(), at("2026-12-01T01:16:00Z"); !sameInstant(got, want) || c.Speed() != 1 {
		t.Errorf("at 1×: got %v (speed %g), want %v", got, c.Speed(), want)
	}
}
