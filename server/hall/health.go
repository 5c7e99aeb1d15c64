package hall

import (
	"context"
	"time"
)

// storeFailure is the last failed write, kept until a write succeeds.
type storeFailure struct {
	err error
	at  time.Time
}

// StoreHealth is nil while the store takes writes. After a commit failed
// it is that error (and when), until a commit succeeds — or the check the
// runtime makes at every tick while it is failing, a small durable write,
// succeeds: a hall with nothing to write must still find out that its disk
// has room again.
func (hl *Runtime) StoreHealth() (since time.Time, err error) {
	if f := hl.storeErr.Load(); f != nil {
		return f.at, f.err
	}
	return time.Time{}, nil
}

// noteCommit records how a commit of something went.
func (hl *Runtime) noteCommit(err error) {
	if err == nil {
		hl.storeErr.Store(nil)
		return
	}
	if hl.storeErr.Load() == nil {
		hl.storeErr.Store(&storeFailure{err: err, at: hl.now()})
	}
}

// probeStore tries a small write while the store is failing.
func (hl *Runtime) probeStore(ctx context.Context) {
	if hl.storeErr.Load() == nil {
		return
	}
	if err := hl.Store.CheckWritable(ctx); err == nil {
		hl.Logger.Info("the database takes writes again")
		hl.noteCommit(nil)
	}
}
