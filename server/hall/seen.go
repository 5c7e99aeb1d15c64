package hall

import (
	"context"
	"sync"
	"time"

	"github.com/hallq/hallq"
)

// seenFlushEvery is how often the devices' last-seen times go to the
// database: in one transaction for all of them, so that hundreds of open
// screens cost one durable write every few seconds, not one each.
const seenFlushEvery = 10 * time.Second

// seenTracker collects last-seen times in memory between flushes.
type seenTracker struct {
	mu      sync.Mutex
	pending map[string]time.Time
}

// MarkSeen records that device name was seen at t; Run writes it to the
// store within seenFlushEvery.
func (hl *Runtime) MarkSeen(name string, t time.Time) {
	hl.seen.mu.Lock()
	if hl.seen.pending == nil {
		hl.seen.pending = map[string]time.Time{}
	}
	hl.seen.pending[name] = t
	hl.seen.mu.Unlock()
}

// runSeen flushes last-seen times until ctx ends, then once more.
func (hl *Runtime) runSeen(ctx context.Context) {
	t := time.NewTicker(seenFlushEvery)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			hl.flushSeen()
		case <-ctx.Done():
			hl.flushSeen()
			return
		}
	}
}

// OverlaySeen puts the last-seen times not yet flushed onto ds, so that
// the admin's list is current.
func (hl *Runtime) OverlaySeen(ds []hallq.Device) {
	hl.seen.mu.Lock()
	defer hl.seen.mu.Unlock()
	for i := range ds {
		if t, ok := hl.seen.pending[ds[i].Name]; ok && (ds[i].LastSeen == nil || t.After(*ds[i].LastSeen)) {
			t := t
			ds[i].LastSeen = &t
		}
	}
}

func (hl *Runtime) flushSeen() {
	hl.seen.mu.Lock()
	batch := hl.seen.pending
	hl.seen.pending = nil
	hl.seen.mu.Unlock()
	if len(batch) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hl.Store.TouchMany(ctx, batch); err != nil {
		hl.Logger.Warn("device last-seen", "err", err)
	}
}
