package sdnotify

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Liveness tracks the workers a program's watchdog vouches for. Each
// worker beats while it makes progress (a loop that went round, a message
// handled); Check fails when one has been quiet for longer than it may be,
// so a program whose worker is stuck — a deadlock, a write that never
// returns — stops feeding the watchdog and is restarted, while one that is
// merely idle keeps beating. Use Check as Watchdog's healthy function.
type Liveness struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	mu      sync.Mutex
	workers []*Worker
}

// Worker is one thing that must keep going: a loop, a goroutine.
type Worker struct {
	name  string
	quiet time.Duration
	l     *Liveness
	last  atomic.Int64 // Unix nanoseconds of the last beat
}

func (l *Liveness) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

// Worker registers a worker that beats at least every quiet while it is
// well; it counts as having just beaten.
func (l *Liveness) Worker(name string, quiet time.Duration) *Worker {
	w := &Worker{name: name, quiet: quiet, l: l}
	w.Beat()
	l.mu.Lock()
	l.workers = append(l.workers, w)
	l.mu.Unlock()
	return w
}

// Beat says the worker made progress. A nil Worker does nothing, so code
// can beat whether or not anyone watches.
func (w *Worker) Beat() {
	if w != nil {
		w.last.Store(w.l.now().UnixNano())
	}
}

// Check returns an error naming the workers that have been quiet for too
// long, or nil. Its signature fits Watchdog.
func (l *Liveness) Check(context.Context) error {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	var stuck []string
	for _, w := range l.workers {
		if q := now.Sub(time.Unix(0, w.last.Load())); q > w.quiet {
			stuck = append(stuck, fmt.Sprintf("%s (quiet for %v, at most %v)", w.name, q.Round(time.Second), w.quiet))
		}
	}
	if len(stuck) == 0 {
		return nil
	}
	sort.Strings(stuck)
	return fmt.Errorf("stuck: %v", stuck)
}
