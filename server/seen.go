package server

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
	done    chan struct{}
}

// markSeen records that device name was seen at t.
func (s *Server) markSeen(name string, t time.Time) {
	s.seen.mu.Lock()
	if s.seen.pending == nil {
		s.seen.pending = map[string]time.Time{}
	}
	s.seen.pending[name] = t
	s.seen.mu.Unlock()
}

// seenLoop flushes last-seen times until the server closes, then once more.
func (s *Server) seenLoop() {
	defer close(s.seen.done)
	t := time.NewTicker(seenFlushEvery)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			s.flushSeen()
		case <-s.closing:
			s.flushSeen()
			return
		}
	}
}

// overlaySeen puts the last-seen times not yet flushed onto ds, so that
// the admin's list is current.
func (s *Server) overlaySeen(ds []hallq.Device) {
	s.seen.mu.Lock()
	defer s.seen.mu.Unlock()
	for i := range ds {
		if t, ok := s.seen.pending[ds[i].Name]; ok && (ds[i].LastSeen == nil || t.After(*ds[i].LastSeen)) {
			t := t
			ds[i].LastSeen = &t
		}
	}
}

func (s *Server) flushSeen() {
	s.seen.mu.Lock()
	batch := s.seen.pending
	s.seen.pending = nil
	s.seen.mu.Unlock()
	if len(batch) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Store.TouchMany(ctx, batch); err != nil {
		s.Logger.Warn("device last-seen", logErr, err)
	}
}
