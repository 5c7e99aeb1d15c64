// Package pause waits a while unless told to stop: the loops of the
// kiosk, its buttons, enrolment and the simulator pause between tries and
// must still end at once when their context does.
package pause

import (
	"context"
	"time"
)

// For waits d or until ctx ends, and reports whether d passed (false: ctx
// ended first).
func For(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
