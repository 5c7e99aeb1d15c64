// Package hall is the hall runtime: the queue engine in memory over the
// SQLite store, commands that arrive together committed in one durable
// transaction (group commit), committed events fanned out through the hub,
// the devices' last-seen times written in batches, what the hall's
// history expects of the day asked in the background for the wait
// estimate (foresight.go), and the simulation clock. It knows nothing of
// HTTP: the hall server (package server) and the simulator drive it.
package hall

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/server/hub"
	"github.com/hallq/hallq/server/queue"
	"github.com/hallq/hallq/server/sqlite"
)

// maxBatch bounds how many commands share one transaction.
const maxBatch = 512

// tickEvery is how often the calendar is checked without any command.
const tickEvery = 15 * time.Second

// Runtime runs one hall: the engine in memory, the store on disk, and the hub.
// Commands run one at a time on a single goroutine in Run, in batches: all
// commands waiting when a batch starts are applied, written in one durable
// transaction, and only then published and answered. Views take a read lock
// that excludes that whole step, so a reader never sees uncommitted state.
type Runtime struct {
	Store  *sqlite.DB
	Hub    *hub.Hub
	Now    func() time.Time
	Logger *slog.Logger
	// OnCommit, if set, is called after each committed batch with its
	// events (for metrics).
	OnCommit func(events []hallq.Event)
	// Foresee, if set, is what the hall's history expects of the day
	// whose local time is day (foresight.go): Run asks it in the
	// background at start and after each midnight. Set before Run.
	Foresee func(ctx context.Context, day time.Time) (*queue.Foresight, error)

	mu  sync.RWMutex
	eng *queue.Engine
	// loc is read without mu: every request asks for it, and waiting on
	// mu would make each one wait out a batch's fsync.
	loc atomic.Pointer[time.Location]
	// settings mirrors the engine's settings for readers on hot paths
	// (status URLs, the public-display check), updated on commit.
	settings atomic.Pointer[hallq.Settings]
	cmds     chan *command
	seen     seenTracker                  // seen.go
	fs       foresight                    // foresight.go; asked by Run only
	storeErr atomic.Pointer[storeFailure] // health.go
}

type command struct {
	fn   func(e *queue.Engine, now time.Time) (any, *queue.Change, error)
	res  any
	err  error
	done chan struct{}
}

// New loads the hall's state from the store.
func New(ctx context.Context, store *sqlite.DB, h *hub.Hub, logger *slog.Logger) (*Runtime, error) {
	hl := &Runtime{Store: store, Hub: h, Now: time.Now, Logger: logger, cmds: make(chan *command, 4096)}
	if err := hl.reload(ctx); err != nil {
		return nil, err
	}
	return hl, nil
}

// reload rebuilds the engine from the store. The caller holds mu or is
// the constructor.
func (hl *Runtime) reload(ctx context.Context) error {
	st, err := hl.Store.LoadState(ctx)
	if err != nil {
		return err
	}
	eng, err := queue.New(st)
	if err != nil {
		return err
	}
	eng.NewID = NewTicketID
	loc, err := st.Settings.Location()
	if err != nil {
		return err
	}
	if f := hl.fs.kept; f != nil {
		eng.SetForesight(*f) // checked when first given
	}
	hl.eng = eng
	hl.loc.Store(loc)
	s := eng.Settings()
	hl.settings.Store(&s)
	return nil
}

// Location is the hall's time zone.
func (hl *Runtime) Location() *time.Location {
	return hl.loc.Load()
}

// Settings is the hall's committed settings, read without waiting for a
// batch in progress. The caller must not modify the slices in it.
func (hl *Runtime) Settings() *hallq.Settings {
	return hl.settings.Load()
}

// Do runs fn on the engine in the next batch and returns its result once the
// batch is durably committed. If ctx ends first, Do returns ctx's error, and
// the command may still commit.
func (hl *Runtime) Do(ctx context.Context, fn func(e *queue.Engine, now time.Time) (any, *queue.Change, error)) (any, error) {
	c := &command{fn: fn, done: make(chan struct{})}
	select {
	case hl.cmds <- c:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case <-c.done:
		return c.res, c.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// View runs fn under the read lock with the current time.
func (hl *Runtime) View(fn func(e *queue.Engine, now time.Time)) {
	hl.mu.RLock()
	defer hl.mu.RUnlock()
	fn(hl.eng, hl.now())
}

// now is the hall's time at the store's resolution (milliseconds), so that
// what the engine holds equals what a restart reads back.
func (hl *Runtime) now() time.Time {
	return hl.Now().Truncate(time.Millisecond)
}

// Subscribe takes a snapshot of the hall and subscribes to every event after
// it, atomically: no event is both in the snapshot and sent, and none is lost.
func (hl *Runtime) Subscribe(buf int) (hallq.HallView, int64, *hub.Subscriber) {
	hl.mu.RLock()
	defer hl.mu.RUnlock()
	v := hl.eng.Hall(hl.now())
	return v, hl.eng.LastSeq(), hl.Hub.Subscribe(buf)
}

// Run applies commands until ctx ends. Commands still queued then are
// answered with EUNAVAILABLE. Beside it, the devices' last-seen times are
// written every seenFlushEvery, and once more when ctx ends.
func (hl *Runtime) Run(ctx context.Context) error {
	seenDone := make(chan struct{})
	go func() { defer close(seenDone); hl.runSeen(ctx) }()
	defer func() { <-seenDone }()
	defer hl.fs.active.Wait()
	tick := time.NewTicker(tickEvery)
	defer tick.Stop()
	hl.runBatch(ctx, nil) // roll the calendar at start-up
	hl.foresee(ctx)
	for {
		select {
		case <-ctx.Done():
			hl.drain()
			return nil
		case c := <-hl.cmds:
			batch := []*command{c}
		fill:
			for len(batch) < maxBatch {
				select {
				case c := <-hl.cmds:
					batch = append(batch, c)
				default:
					break fill
				}
			}
			hl.runBatch(ctx, batch)
		case <-tick.C:
			hl.probeStore(ctx)
			hl.runBatch(ctx, nil)
			hl.foresee(ctx)
		}
	}
}

func (hl *Runtime) drain() {
	for {
		select {
		case c := <-hl.cmds:
			c.err = hallq.Errorf(hallq.EUNAVAILABLE, "the hall server is shutting down")
			close(c.done)
		default:
			return
		}
	}
}

// runBatch applies a batch in one transaction. If the transaction fails, the
// engine is rebuilt from the store and, for a batch of several, each command
// is tried again alone, so one bad command cannot fail its neighbours.
func (hl *Runtime) runBatch(ctx context.Context, batch []*command) {
	hl.mu.Lock()
	now := hl.now()
	changes := make([]*queue.Change, 0, len(batch)+1)
	if ch := hl.eng.Tick(now); ch != nil {
		changes = append(changes, ch)
	}
	for _, c := range batch {
		var ch *queue.Change
		c.res, ch, c.err = runCommand(c, hl.eng, now)
		if ch != nil {
			changes = append(changes, ch)
		}
	}
	err := hl.commit(ctx, changes)
	if err != nil {
		hl.Logger.Error("commit failed", "err", err, "batch", len(batch))
		if rerr := hl.reload(ctx); rerr != nil {
			hl.Logger.Error("reload after failed commit", "err", rerr)
		}
		hl.mu.Unlock()
		if len(batch) > 1 {
			for _, c := range batch {
				hl.runBatch(ctx, []*command{c})
			}
			return
		}
		for _, c := range batch {
			c.res, c.err = nil, hallq.StoreFailed()
			close(c.done)
		}
		return
	}
	hl.mu.Unlock()
	for _, c := range batch {
		close(c.done)
	}
}

// runCommand runs one command, turning a panic into an internal error so
// one bad command cannot take the hall down.
func runCommand(c *command, e *queue.Engine, now time.Time) (res any, change *queue.Change, err error) {
	defer func() {
		if p := recover(); p != nil {
			res, change, err = nil, nil, fmt.Errorf("hall: command panicked: %v", p)
		}
	}()
	return c.fn(e, now)
}

// commit writes changes and publishes their events. The caller holds mu, so
// subscribers taking a snapshot see either all of it or none of it.
func (hl *Runtime) commit(ctx context.Context, changes []*queue.Change) error {
	if len(changes) == 0 {
		return nil
	}
	err := hl.Store.Apply(context.WithoutCancel(ctx), changes)
	hl.noteCommit(err)
	if err != nil {
		return err
	}
	var events []hallq.Event
	var msgs []*hub.Message
	for _, ch := range changes {
		if ch.Settings != nil {
			s := *ch.Settings
			hl.settings.Store(&s)
		}
		for i := range ch.Events {
			ev := &ch.Events[i]
			var data []byte
			if len(ch.EventJSON) == len(ch.Events) {
				data = ch.EventJSON[i] // as the log holds it
			} else if data, err = json.Marshal(ev); err != nil {
				hl.Logger.Error("encode event", "seq", ev.Seq, "err", err)
				continue
			}
			msgs = append(msgs, hub.NewEventMessage(ev.Seq, data, publicJSON(*ev)))
			events = append(events, *ev)
		}
	}
	hl.Hub.Publish(msgs...)
	if hl.OnCommit != nil {
		hl.OnCommit(events)
	}
	return nil
}

// publicJSON gives the JSON of ev's public form (hallq.Event.Public), what
// subscribers without a staff session receive: the hub asks it once, when
// the first of them sends the event, for all of them.
func publicJSON(ev hallq.Event) func() []byte {
	return func() []byte {
		pub := ev.Public()
		data, err := json.Marshal(&pub)
		if err != nil {
			return nil
		}
		return data
	}
}

// idEncoding is base32 without the letters read as digits (l, o), its
// alphabet in ASCII order so that ids sort as their bytes do.
var idEncoding = base32.NewEncoding("23456789abcdefghijkmnpqrstuvwxyz").WithPadding(base32.NoPadding)

// idCount tells apart the ids made in one millisecond; it starts anywhere,
// so that a restart within the same millisecond (a clock set back) does
// not give the ids of the last run again.
var idCount atomic.Uint32

func init() {
	var b [4]byte
	rand.Read(b[:])
	idCount.Store(binary.BigEndian.Uint32(b[:]))
}

// NewTicketID returns a ticket id and a random secret for its status URL.
// The id is the time in milliseconds and a count: the ids of tickets
// issued one after the other are neighbours in the tickets table's key
// and in the events' ticket index, so an issue writes to the pages the
// last ones wrote, not to a random page of each of those indexes (issue
// 18: each is a page more to log and fsync). It guards nothing: the
// ticket's own time is public, and its status needs the secret.
func NewTicketID() (id, secret string) {
	var b [20]byte
	binary.BigEndian.PutUint64(b[:8], uint64(time.Now().UnixMilli())<<16|uint64(uint16(idCount.Add(1))))
	if _, err := rand.Read(b[8:]); err != nil {
		panic(err) // crypto/rand never fails on Linux
	}
	return idEncoding.EncodeToString(b[:8]), idEncoding.EncodeToString(b[8:])
}
