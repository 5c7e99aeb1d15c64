package server

import (
	"fmt"
	"testing"
	"time"
)

func TestRateLimiterRefills(t *testing.T) {
	l := newRateLimiter(2, 10*time.Second)
	t0 := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	for i, tc := range []struct {
		key      string
		at       time.Duration
		want     bool
		wantWait time.Duration
	}{
		{"a", 0, true, 0},
		{"a", 0, true, 0},
		{"a", 0, false, 10 * time.Second},
		{"b", 0, true, 0}, // another address has its own bucket
		{"a", 4 * time.Second, false, 6 * time.Second},
		{"a", 10 * time.Second, true, 0},
		{"a", 10 * time.Second, false, 10 * time.Second},
		{"a", time.Hour, true, 0}, // refills to the burst, no further
		{"a", time.Hour, true, 0},
		{"a", time.Hour, false, 10 * time.Second},
	} {
		ok, wait := l.allow(tc.key, t0.Add(tc.at))
		if ok != tc.want || wait != tc.wantWait {
			t.Errorf("%d: %s at %v: got %v %v, want %v %v", i, tc.key, tc.at, ok, wait, tc.want, tc.wantWait)
		}
	}
}

func TestRateLimiterForgets(t *testing.T) {
	l := newRateLimiter(1, time.Second)
	t0 := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	for i := range limiterMaxKeys + 10 {
		l.allow(fmt.Sprint("10.0.", i/256, ".", i%256), t0.Add(time.Duration(i)*time.Millisecond))
	}
	if n := len(l.buckets); n > limiterMaxKeys {
		t.Errorf("remembers %d addresses, want at most %d", n, limiterMaxKeys)
	}
}
