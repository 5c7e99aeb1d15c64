package central

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"regexp"
	"sync"
	"time"

	"github.com/hallq/hallq"
)

// Source is the hall's log as a shipper reads it. The hall's SQLite store
// satisfies it through its reader pool, so that shipping never holds the
// hall's writer.
type Source interface {
	// EventsRaw reads up to limit events with seq > since, in order, each
	// with its chain.
	EventsRaw(ctx context.Context, since int64, limit int) ([]hallq.RawEvent, error)
	// ChainAt is the log's chain at event seq (nil for 0).
	ChainAt(ctx context.Context, seq int64) ([]byte, error)
}

// AckStore, if the Source has it, keeps the last event the central store
// was known to hold across restarts of the hall, so that a hall started
// while the store is out of reach still reports what it has not shipped.
type AckStore interface {
	CentralAck(ctx context.Context, hall string) (seq int64, ok bool, err error)
	PutCentralAck(ctx context.Context, hall string, seq int64) error
}

// Shipper ships one hall's event log to the central store, at least once
// and in order, in batches, from what the central store says it holds;
// while the uplink is down it retries with exponential back-off. It runs
// on its own goroutine (Run) and reads the hall's log through Source: the
// hall never waits for it.
//
// It connects as the hall's own role, which the store binds to the hall's
// id, and before it sends anything it checks that the store's copy is of
// this hall's history (the hash chain at the last event both hold). If it
// is not — the hall's database is an older copy, or another server ships
// as this hall — shipping stops with a *DivergedError status that stays
// until the city's administrator resolves it (hallserver central
// new-epoch); the shipper checks again every MaxBackoff.
type Shipper struct {
	// Hall is the hall's id in the central store (HallID checks it); the
	// role of DSN must be bound to it.
	Hall string
	// DSN is the central PostgreSQL's URL, with the hall's role.
	DSN    string
	Source Source
	// Head is the hall's last committed sequence number.
	Head func() int64
	// Profile is the hall's names and targets (nil: none sent).
	Profile func() HallProfile
	Logger  *slog.Logger
	Now     func() time.Time
	// Batch is the most events sent in one transaction (default 1000).
	Batch int
	// Poll is how often the log is read when Notify is not called
	// (default 1 s).
	Poll time.Duration
	// Timeout bounds each exchange with the central store, so that an
	// uplink that silently stopped is noticed (default 15 s).
	Timeout time.Duration
	// MinBackoff and MaxBackoff bound the wait between attempts while the
	// central store cannot be reached (default 500 ms and 30 s); a
	// divergence is checked again every MaxBackoff.
	MinBackoff, MaxBackoff time.Duration
	// SaveAckEvery is how often at most the last acknowledged event is
	// recorded in the AckStore (default 5 s).
	SaveAckEvery time.Duration
	// OnAck, if set, is called after each batch the store acknowledged,
	// with the last sequence number it holds (for lag measurements).
	OnAck func(seq int64)

	wake      chan struct{}
	once      sync.Once
	mu        sync.Mutex
	st        Status
	savedAck  int64
	savedAt   time.Time
	reported  bool // this process told the store of a divergence
	loggedDiv string
}

// States of shipping.
const (
	StateStarting = "starting" // not yet answered by the store since the hall started
	StateShipping = "shipping"
	StateRetrying = "retrying" // the last attempt failed; the next is at NextAttemptAt
	StateDiverged = "diverged" // stopped: the store holds another history of this hall
)

// Status is how far shipping is, for /metrics, /healthz and the admin API.
type Status struct {
	Hall    string `json:"hall_id"`
	Central string `json:"central"` // the store's address, without credentials
	State   string `json:"state"`
	// Connected: the last exchange with the central store succeeded and
	// shipping goes on.
	Connected bool `json:"connected"`
	// Acked is the last event of this hall's log the central store is
	// known to hold: as it said, or as recorded at the last contact before
	// the hall started (AckedSaved), 0 if it never held any; while
	// diverged, the last event both histories share.
	Acked      *int64 `json:"acked_seq"`
	AckedSaved bool   `json:"acked_saved,omitempty"`
	HallSeq    int64  `json:"hall_seq"`
	// Pending is how many events of this hall's log the central store does
	// not hold yet, and OldestPendingAt when the oldest of them happened;
	// LagSeconds is its age (0 when nothing is pending). They are true
	// whatever stopped shipping.
	Pending         *int64     `json:"pending_events"`
	OldestPendingAt *time.Time `json:"oldest_pending_at"`
	LagSeconds      *float64   `json:"lag_seconds"`
	LastAckAt       *time.Time `json:"last_ack_at"`
	LastError       string     `json:"last_error,omitempty"`
	LastErrorAt     *time.Time `json:"last_error_at,omitempty"`
	NextAttemptAt   *time.Time `json:"next_attempt_at,omitempty"`
	// Diverged is set while shipping is stopped because the store holds
	// another history of this hall.
	Diverged *Divergence `json:"diverged,omitempty"`
	// Epoch is the hall's epoch in the store (1 until a divergence was
	// resolved; 0 before the store answered).
	Epoch int `json:"epoch,omitempty"`
	// Shipped counts events this process sent that the store did not hold
	// (never those it skipped or refused).
	Shipped int64 `json:"shipped_events_total"`
	Batches int64 `json:"batches_total"`
}

// Divergence is the store holding another history of this hall than its
// own log: they agree up to event After and differ after it.
type Divergence struct {
	After      int64     `json:"after_seq"`
	CentralSeq int64     `json:"central_seq"` // the store's last event of this hall id
	HallSeq    int64     `json:"hall_seq"`    // the hall's last event when it was found
	Since      time.Time `json:"since"`
	Message    string    `json:"message"`
	// Resolve is the city administrator's command that sets the store's
	// other history aside, if this hall's is the right one.
	Resolve string `json:"resolve"`
}

// DivergenceError is the error of a shipper stopped by a divergence.
type DivergenceError struct{ Divergence }

func (e *DivergenceError) Error() string { return e.Message }

var hallIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// HallID checks a hall id: lower-case letters, digits, '.', '_' and '-',
// at most 64, starting with a letter or digit (e.g. "nhatrang-loc-tho").
func HallID(id string) error {
	if !hallIDPattern.MatchString(id) {
		return fmt.Errorf("central: hall id %q: use lower-case letters, digits, '.', '_' and '-' (at most 64, e.g. nhatrang-loc-tho)", id)
	}
	return nil
}

func (s *Shipper) init() {
	s.once.Do(func() {
		s.wake = make(chan struct{}, 1)
		if s.Logger == nil {
			s.Logger = slog.New(slog.DiscardHandler)
		}
		if s.Now == nil {
			s.Now = time.Now
		}
		if s.Batch <= 0 {
			s.Batch = 1000
		}
		if s.Poll <= 0 {
			s.Poll = time.Second
		}
		if s.Timeout <= 0 {
			s.Timeout = 15 * time.Second
		}
		if s.MinBackoff <= 0 {
			s.MinBackoff = 500 * time.Millisecond
		}
		if s.MaxBackoff < s.MinBackoff {
			s.MaxBackoff = max(30*time.Second, s.MinBackoff)
		}
		if s.SaveAckEvery <= 0 {
			s.SaveAckEvery = 5 * time.Second
		}
		s.st.Hall, s.st.Central, s.st.State = s.Hall, redact(s.DSN), StateStarting
	})
}

// Notify says the hall committed events: the shipper reads the log now
// rather than at its next poll. It never blocks.
func (s *Shipper) Notify() {
	s.init()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run ships until ctx ends, reconnecting with back-off after any failure.
func (s *Shipper) Run(ctx context.Context) error {
	s.init()
	if err := HallID(s.Hall); err != nil {
		return err
	}
	s.loadAck(ctx)
	backoff := s.MinBackoff
	for {
		progress, err := s.session(ctx)
		if ctx.Err() != nil {
			s.update(func(st *Status) { st.Connected = false })
			s.saveAck(context.WithoutCancel(ctx), true)
			return nil
		}
		if progress {
			backoff = s.MinBackoff
		}
		wait := backoff/2 + rand.N(backoff/2+1)
		var div *DivergenceError
		diverged := errors.As(err, &div)
		if diverged {
			// Persistent: nothing will change until someone acts; look
			// again now and then, to resume once they have.
			wait = s.MaxBackoff
		}
		now := s.Now()
		s.update(func(st *Status) {
			st.Connected = false
			st.State = StateRetrying
			if diverged {
				st.State = StateDiverged
			}
			st.LastError = err.Error()
			st.LastErrorAt = new(now)
			st.NextAttemptAt = new(now.Add(wait))
		})
		s.saveAck(ctx, false)
		if diverged {
			if s.loggedDiv != div.Message {
				s.loggedDiv = div.Message
				s.Logger.Error("central: SHIPPING STOPPED: the central store holds another history of this hall", "hall", s.Hall,
					"after_seq", div.After, "central_seq", div.CentralSeq, "hall_seq", div.HallSeq, "err", err, "resolve", div.Resolve)
			}
		} else {
			s.Logger.Warn("central: shipping interrupted", "hall", s.Hall, "err", err, "retry_in", wait.Round(time.Millisecond))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			s.update(func(st *Status) { st.Connected, st.NextAttemptAt = false, nil })
			s.saveAck(context.WithoutCancel(ctx), true)
			return nil
		case <-t.C:
		}
		backoff = min(backoff*2, s.MaxBackoff)
	}
}

// session connects, checks that the store's copy is of this hall's
// history, resumes from its last event and ships until something fails;
// progress says whether any batch was acknowledged.
func (s *Shipper) session(ctx context.Context) (progress bool, err error) {
	db, head, err := s.connect(ctx)
	if err != nil {
		return false, err
	}
	defer db.Close()
	acked := head.Seq
	s.ack(acked, 0, head.Epoch)
	s.Logger.Info("central: connected", "hall", s.Hall, "acked_seq", acked, "epoch", head.Epoch, "central", redact(s.DSN))
	poll := time.NewTicker(s.Poll)
	defer poll.Stop()
	lastContact := s.Now()
	for {
		evs, err := s.Source.EventsRaw(ctx, acked, s.Batch)
		if err != nil {
			return progress, fmt.Errorf("read the hall's log: %w", err)
		}
		if len(evs) == 0 {
			if s.head() < acked {
				// The hall's database was replaced while it ran: check
				// again from the start.
				return progress, fmt.Errorf("central: the hall's log ends at event %d, before the %d the store holds", s.head(), acked)
			}
			select {
			case <-ctx.Done():
				return progress, ctx.Err()
			case <-s.wake:
			case <-poll.C:
				// An idle link that died is noticed before events wait on it.
				if s.Now().Sub(lastContact) > 30*time.Second {
					if err := s.ping(ctx, db); err != nil {
						return progress, err
					}
					lastContact = s.Now()
				}
			}
			continue
		}
		res, err := s.ship(ctx, db, evs)
		if err != nil {
			return progress, err
		}
		if configured(evs) {
			if err := s.putProfile(ctx, db); err != nil {
				return true, err
			}
		}
		s.ack(res.Last, int64(res.Inserted), 0)
		if s.OnAck != nil {
			s.OnAck(res.Last)
		}
		s.saveAck(ctx, false)
		acked, progress, lastContact = res.Last, true, s.Now()
	}
}

// connect opens the central store (within s.Timeout) and checks that it
// is of this release or newer, that the role ships for this hall and that
// the store's copy is of this hall's history; then it withdraws a
// divergence this shipper reported and puts the hall's profile. The
// caller closes db.
func (s *Shipper) connect(ctx context.Context) (_ *DB, _ Head, err error) {
	octx, cancel := context.WithTimeout(ctx, s.Timeout)
	defer cancel()
	db, err := Open(octx, s.DSN, Options{MaxConns: 1})
	if err != nil {
		return nil, Head{}, err
	}
	defer func() {
		if err != nil {
			db.Close()
		}
	}()
	head, err := db.Head(octx)
	if err != nil {
		return nil, Head{}, err
	}
	if head.Version < Version {
		return nil, Head{}, schemaIs(head.Version)
	}
	if head.Hall != s.Hall {
		return nil, Head{}, fmt.Errorf("central: the role of -central-dsn (%s) ships for hall %s, not for this hall %s: use the credential hallserver central add-hall printed for %s",
			db.user, head.Hall, s.Hall, s.Hall)
	}
	if err := s.verify(octx, db, head); err != nil {
		return nil, Head{}, err
	}
	if s.reported {
		if err := db.ReportDivergence(octx, -1, 0, ""); err != nil {
			return nil, Head{}, err
		}
		s.reported = false
	}
	if err := s.putProfile(ctx, db); err != nil {
		return nil, Head{}, err
	}
	return db, head, nil
}

// ship sends one batch (within s.Timeout). When the store refuses it as
// diverged — another history arrived since the session began, say a
// second server shipping as this hall — the error says where.
func (s *Shipper) ship(ctx context.Context, db *DB, evs []hallq.RawEvent) (Shipped, error) {
	actx, cancel := context.WithTimeout(ctx, s.Timeout)
	defer cancel()
	res, err := db.Ship(actx, evs)
	if d := (*DivergedError)(nil); errors.As(err, &d) {
		h, herr := db.Head(actx)
		if herr == nil {
			err = s.verify(actx, db, h)
		}
		if err == nil || herr != nil {
			err = errors.Join(d, herr)
		}
	}
	return res, err
}

// verify checks that the store's copy of the hall is of this hall's
// history: the chains agree at the last event both hold, and the store
// holds no more than the hall. If not, it finds the last event both
// histories share (by bisection: chains that agree at an event agree at
// every event before it), records the divergence, tells the store, and
// returns a *DivergenceError.
func (s *Shipper) verify(ctx context.Context, db *DB, head Head) error {
	mine := s.head()
	if head.Seq == 0 {
		return nil
	}
	k := min(head.Seq, mine)
	agree := func(seq int64) (bool, error) {
		if seq == 0 {
			return true, nil
		}
		theirs := head.Chain
		if seq != head.Seq {
			var err error
			if theirs, err = db.ChainAt(ctx, seq); err != nil {
				return false, err
			}
		}
		ours, err := s.Source.ChainAt(ctx, seq)
		if err != nil {
			return false, fmt.Errorf("the hall's log: %w", err)
		}
		return bytes.Equal(ours, theirs), nil
	}
	ok, err := agree(k)
	if err != nil {
		return err
	}
	after := k
	if ok && mine >= head.Seq {
		return nil
	}
	if !ok {
		lo, hi := int64(0), k // they agree at lo and differ at hi
		for hi-lo > 1 {
			mid := lo + (hi-lo)/2
			if ok, err = agree(mid); err != nil {
				return err
			}
			if ok {
				lo = mid
			} else {
				hi = mid
			}
		}
		after = lo
	}
	return s.diverge(ctx, db, after, head.Seq, mine)
}

func (s *Shipper) diverge(ctx context.Context, db *DB, after, central, mine int64) error {
	d := Divergence{After: after, CentralSeq: central, HallSeq: mine, Since: s.Now(),
		Resolve: fmt.Sprintf("hallserver central new-epoch -db postgres://OWNER@HOST/DB -hall-id %s -after %d", s.Hall, after)}
	if after == mine {
		d.Message = fmt.Sprintf("central: the central store holds hall %s's log up to event %d, but this hall's log ends at %d "+
			"and agrees with it up to there: the hall's database is an older copy (restored from a backup?), and the store's "+
			"events %d to %d are of a history this hall no longer has", s.Hall, central, mine, mine+1, central)
	} else {
		d.Message = fmt.Sprintf("central: the central store holds another history of hall %s: it agrees with this hall's log "+
			"up to event %d and differs from event %d on (the store holds up to %d, this hall up to %d): the hall's database "+
			"was replaced by another copy, or another server ships as this hall with its credential", s.Hall, after, after+1, central, mine)
	}
	d.Message += fmt.Sprintf(". Shipping stops until the city's administrator acts: if this hall's history is the right one, `%s` "+
		"sets the store's events after %d aside and this hall ships its own; if another server ships as this hall, give it a "+
		"role of its own and this hall a new password (hallserver central add-hall -hall-id %s -rotate)", d.Resolve, after, s.Hall)
	s.update(func(st *Status) {
		if st.Diverged != nil && st.Diverged.After == d.After && st.Diverged.CentralSeq == d.CentralSeq {
			d.Since = st.Diverged.Since
		}
		st.Diverged = &d
		st.Acked, st.AckedSaved = new(after), false
	})
	if err := db.ReportDivergence(ctx, after, mine, d.Message); err != nil {
		s.Logger.Warn("central: could not tell the store of the divergence", "hall", s.Hall, "err", err)
	} else {
		s.reported = true
	}
	return &DivergenceError{d}
}

func (s *Shipper) ping(ctx context.Context, db *DB) error {
	pctx, cancel := context.WithTimeout(ctx, s.Timeout)
	defer cancel()
	return db.Ping(pctx)
}

func (s *Shipper) putProfile(ctx context.Context, db *DB) error {
	if s.Profile == nil {
		return nil
	}
	pctx, cancel := context.WithTimeout(ctx, s.Timeout)
	defer cancel()
	return db.PutProfile(pctx, s.Profile())
}

// configured reports whether a batch changed the hall's configuration.
func configured(evs []hallq.RawEvent) bool {
	for _, e := range evs {
		if bytes.Contains(e.JSON, []byte(`"type":"hall.configured"`)) {
			return true
		}
	}
	return false
}

func (s *Shipper) head() int64 {
	if s.Head == nil {
		return 0
	}
	return s.Head()
}

func (s *Shipper) ack(seq, shipped int64, epoch int) {
	now := s.Now()
	s.update(func(st *Status) {
		st.Connected, st.State, st.Acked, st.AckedSaved, st.LastAckAt, st.NextAttemptAt = true, StateShipping, &seq, false, &now, nil
		st.Diverged, st.LastError, st.LastErrorAt = nil, "", nil
		if epoch > 0 {
			st.Epoch = epoch
		}
		if shipped > 0 {
			st.Shipped += shipped
			st.Batches++
		}
	})
}

// loadAck starts from what the hall recorded at its last contact with the
// store (0 if it never shipped), so that pending and lag are known before
// the store answers.
func (s *Shipper) loadAck(ctx context.Context) {
	as, ok := s.Source.(AckStore)
	if !ok {
		return
	}
	seq, _, err := as.CentralAck(ctx, s.Hall) // none recorded: 0
	if err != nil {
		s.Logger.Warn("central: read the last acknowledged event", "hall", s.Hall, "err", err)
		return
	}
	s.update(func(st *Status) {
		if st.Acked == nil {
			st.Acked, st.AckedSaved = &seq, true
		}
	})
	s.savedAck, s.savedAt = seq, s.Now()
}

// saveAck records the last event the store is known to hold, at most every
// SaveAckEvery unless final.
func (s *Shipper) saveAck(ctx context.Context, final bool) {
	as, ok := s.Source.(AckStore)
	if !ok {
		return
	}
	s.mu.Lock()
	acked := s.st.Acked
	s.mu.Unlock()
	if acked == nil || *acked == s.savedAck || (!final && s.Now().Sub(s.savedAt) < s.SaveAckEvery) {
		return
	}
	if err := as.PutCentralAck(ctx, s.Hall, *acked); err != nil {
		s.Logger.Warn("central: record the last acknowledged event", "hall", s.Hall, "err", err)
		return
	}
	s.savedAck, s.savedAt = *acked, s.Now()
}

func (s *Shipper) update(fn func(*Status)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(&s.st)
}

// Status reports how far shipping is. The age of the oldest pending event
// is read from the hall's log.
func (s *Shipper) Status(ctx context.Context) Status {
	s.init()
	s.mu.Lock()
	st := s.st
	s.mu.Unlock()
	st.HallSeq = s.head()
	if st.Acked == nil {
		return st
	}
	pending := max(st.HallSeq-*st.Acked, 0)
	st.Pending = &pending
	lag := 0.0
	if pending > 0 {
		if evs, err := s.Source.EventsRaw(ctx, *st.Acked, 1); err == nil && len(evs) == 1 {
			var ev struct {
				At time.Time `json:"at"`
			}
			if json.Unmarshal(evs[0].JSON, &ev) == nil {
				st.OldestPendingAt = &ev.At
				lag = max(s.Now().Sub(ev.At).Seconds(), 0)
			}
		}
	}
	st.LagSeconds = &lag
	return st
}
