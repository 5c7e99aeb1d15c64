package sdnotify

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestLiveness(t *testing.T) {
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	l := &Liveness{Now: func() time.Time { return now }}
	a := l.Worker("ticket worker", time.Minute)
	b := l.Worker("button GPIO17", 10*time.Second)
	if err := l.Check(context.Background()); err != nil {
		t.Fatalf("fresh: %v", err)
	}
	now = now.Add(30 * time.Second)
	a.Beat()
	err := l.Check(context.Background())
	if err == nil || !strings.Contains(err.Error(), "button GPIO17") || strings.Contains(err.Error(), "ticket worker") {
		t.Fatalf("a quiet button: got %v", err)
	}
	b.Beat()
	if err := l.Check(context.Background()); err != nil {
		t.Errorf("after the beat: %v", err)
	}
	var none *Worker
	none.Beat() // no watcher: nothing happens
}
