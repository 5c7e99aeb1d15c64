package hall

import (
	"context"
	"sync"
	"time"

	"github.com/hallq/hallq/server/queue"
)

// foresight keeps what the hall's history expects of the day, as given
// to the engine (queue.Foresight: the day's arrival forecast and the
// usual occupancies), so that an engine rebuilt from the store (reload)
// is told again; and the local date it was last asked for.
type foresight struct {
	kept   *queue.Foresight
	asked  string
	active sync.WaitGroup
}

// foresee asks Foresee, in the background, for the foresight of the
// hall's local date when it has not been asked for that date yet (at
// start, and after midnight), and tells the engine. Run calls it after
// each tick; ctx ends it.
func (hl *Runtime) foresee(ctx context.Context) {
	if hl.Foresee == nil {
		return
	}
	day := hl.now().In(hl.Location())
	date := day.Format(time.DateOnly)
	if hl.fs.asked == date {
		return
	}
	hl.fs.asked = date
	hl.fs.active.Go(func() {
		f, err := hl.Foresee(ctx, day)
		if err != nil {
			if ctx.Err() == nil {
				hl.Logger.Info("no foresight for the wait estimate: it goes by the day's own pace", "day", date, "err", err)
			}
			return
		}
		hl.mu.Lock()
		defer hl.mu.Unlock()
		if err := hl.eng.SetForesight(*f); err != nil {
			hl.Logger.Warn("foresight refused", "day", date, "err", err)
			return
		}
		hl.fs.kept = f
		hl.Logger.Info("foresight for the wait estimate", "day", date, "services", len(f.Arrivals.Hours), "usual_occupancies", len(f.Usual))
	})
}
