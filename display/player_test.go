package display_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hallq/hallq/display"
	"github.com/hallq/hallq/internal/eventually"
)

// TestPlayerQueue: three calls within 100 ms are said one after another,
// in order, each to its end: no play starts before the previous one ended.
func TestPlayerQueue(t *testing.T) {
	const playFor = 80 * time.Millisecond
	type span struct {
		seq        int64
		start, end time.Time
		complete   bool
	}
	var mu sync.Mutex
	var spans []span
	p := &display.Player{
		Fetch: func(ctx context.Context, seq int64) ([]byte, error) { return []byte(fmt.Sprint(seq)), nil },
		Play: func(ctx context.Context, wav []byte) error {
			var seq int64
			fmt.Sscan(string(wav), &seq)
			s := span{seq: seq, start: time.Now()}
			select {
			case <-time.After(playFor):
				s.complete = true
			case <-ctx.Done():
			}
			s.end = time.Now()
			mu.Lock()
			spans = append(spans, s)
			mu.Unlock()
			return ctx.Err()
		},
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx, func(err error) { t.Error(err) }) }()
	for seq := int64(1); seq <= 3; seq++ {
		p.Enqueue(display.Announcement{Seq: seq})
		time.Sleep(30 * time.Millisecond) // three calls within 100 ms: the later ones wait their turn
	}
	eventually.True(t, time.Minute, "three announcements played", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(spans) == 3
	})
	cancel()
	<-done
	mu.Lock()
	defer mu.Unlock()
	if len(spans) != 3 {
		t.Fatalf("%d announcements played, want 3", len(spans))
	}
	for i, s := range spans {
		if s.seq != int64(i+1) || !s.complete {
			t.Errorf("announcement %d: seq %d, complete %v; want seq %d played to its end", i, s.seq, s.complete, i+1)
		}
		if i > 0 && s.start.Before(spans[i-1].end) {
			t.Errorf("announcement %d started %v before the previous one ended", i+1, spans[i-1].end.Sub(s.start))
		}
	}
}

// TestPlayerDropsStale: an announcement still queued past its Until is not said.
func TestPlayerDropsStale(t *testing.T) {
	var played []int64
	var mu sync.Mutex
	p := &display.Player{
		Fetch: func(ctx context.Context, seq int64) ([]byte, error) { return []byte{byte(seq)}, nil },
		Play: func(ctx context.Context, wav []byte) error {
			mu.Lock()
			played = append(played, int64(wav[0]))
			mu.Unlock()
			return nil
		},
	}
	p.Enqueue(display.Announcement{Seq: 1, Until: time.Now().Add(-time.Second)})
	p.Enqueue(display.Announcement{Seq: 2, Until: time.Now().Add(time.Hour)})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); p.Run(ctx, nil) }()
	eventually.True(t, time.Minute, "an announcement played", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(played) > 0
	})
	cancel()
	<-done
	if len(played) != 1 || played[0] != 2 {
		t.Errorf("played %v, want [2]", played)
	}
}
