package version

import (
	"testing"
	"time"
)

func TestTime(t *testing.T) {
	old := BuildTime
	t.Cleanup(func() { BuildTime = old })

	BuildTime = "2026-11-27T03:04:05Z"
	if got, want := Time(), time.Date(2026, 11, 27, 3, 4, 5, 0, time.UTC); !got.Equal(want) {
		t.Errorf("Time: got %v, want %v", got, want)
	}
	// A bad BuildTime falls back to the VCS time or zero, never panics.
	BuildTime = "not a time"
	if got := Time(); !got.IsZero() && got.Year() < 2026 {
		t.Errorf("Time with a bad BuildTime: got %v", got)
	}
}
