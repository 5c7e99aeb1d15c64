// Package eventually is the tests' way to wait for something that happens
// in another goroutine or process: poll a condition until it holds, and
// fail only after a deadline generous enough for a busy machine. A test
// asserts what happened, never how fast (speed is measured by benchmarks).
package eventually

import (
	"testing"
	"time"
)

// every is how often the condition is polled.
const every = 5 * time.Millisecond

// True polls cond until it holds and returns how long that took; after
// timeout it fails the test with what it was waiting for.
func True(t testing.TB, timeout time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > timeout {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(every)
	}
	return time.Since(start)
}
