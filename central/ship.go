package central

import (
	"bytes"
	"context"
	"encoding/json"
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
	// EventsRaw reads up to limit events with seq > since, in order.
	EventsRaw(ctx context.Context, since int64, limit int) ([]hallq.RawEvent, error)
}

// Shipper ships one hall's event log to the central store, at least once
// and in order, in batches, from what the central store says it holds;
// while the uplink is down it retries with exponential back-off. It runs
// on its own goroutine (Run) and reads the hall's log through Source: the
// hall never waits for it.
type Shipper struct {
	// Hall is the hall's id in the central store (HallID checks it).
	Hall string
	// DSN is the central PostgreSQL's URL.
	DSN    string
	Source Source
	// Head is the hall's last committed sequence number.
	Head func() int64
	// Profile is the hall's names and targets (nil: none sent).
	Profile func() Profile
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
	// central store cannot be reached (default 500 ms and 30 s).
	MinBackoff, MaxBackoff time.Duration
	// OnAck, if set, is called after each batch the store acknowledged,
	// with the last sequence number it holds (for lag measurements).
	OnAck func(seq int64)

	wake chan struct{}
	once sync.Once
	mu   sync.Mutex
	st   Status
}

// Status is how far shipping is, for /metrics and the admin API.
type Status struct {
	Hall    string `json:"hall_id"`
	Central string `json:"central"` // the store's address, without credentials
	// Connected: the last exchange with the central store succeeded.
	Connected bool `json:"connected"`
	// Acked is the last sequence number the central store holds; null
	// until it has answered once since the hall started.
	Acked   *int64 `json:"acked_seq"`
	HallSeq int64  `json:"hall_seq"`
	// Pending is how many events the central store does not hold yet, and
	// OldestPendingAt when the oldest of them happened; LagSeconds is its
	// age (0 when nothing is pending).
	Pending         *int64     `json:"pending_events"`
	OldestPendingAt *time.Time `json:"oldest_pending_at"`
	LagSeconds      *float64   `json:"lag_seconds"`
	LastAckAt       *time.Time `json:"last_ack_at"`
	LastError       string     `json:"last_error,omitempty"`
	LastErrorAt     *time.Time `json:"last_error_at,omitempty"`
	NextAttemptAt   *time.Time `json:"next_attempt_at,omitempty"`
	// Shipped counts events this process sent that the store did not hold.
	Shipped int64 `json:"shipped_events_total"`
	Batches int64 `json:"batches_total"`
}

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
		s.st.Hall, s.st.Central = s.Hall, redact(s.DSN)
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
	backoff := s.MinBackoff
	for {
		progress, err := s.session(ctx)
		if ctx.Err() != nil {
			s.update(func(st *Status) { st.Connected = false })
			return nil
		}
		if progress {
			backoff = s.MinBackoff
		}
		wait := backoff/2 + rand.N(backoff/2+1)
		now := s.Now()
		s.update(func(st *Status) {
			st.Connected = false
			st.LastError = err.Error()
			st.LastErrorAt = new(now)
			st.NextAttemptAt = new(now.Add(wait))
		})
		s.Logger.Warn("central: shipping interrupted", "hall", s.Hall, "err", err, "retry_in", wait.Round(time.Millisecond))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			s.update(func(st *Status) { st.Connected, st.NextAttemptAt = false, nil })
			return nil
		case <-t.C:
		}
		backoff = min(backoff*2, s.MaxBackoff)
	}
}

// session connects, resumes from the central store's last sequence number
// and ships until something fails; progress says whether any batch was
// acknowledged.
func (s *Shipper) session(ctx context.Context) (progress bool, err error) {
	octx, cancel := context.WithTimeout(ctx, s.Timeout)
	defer cancel()
	db, err := Open(octx, s.DSN, Options{MaxConns: 1})
	if err != nil {
		return false, err
	}
	defer db.Close()
	if err := s.putProfile(ctx, db); err != nil {
		return false, err
	}
	acked, err := db.HallSeq(octx, s.Hall)
	if err != nil {
		return false, err
	}
	s.ack(acked, 0)
	s.Logger.Info("central: connected", "hall", s.Hall, "acked_seq", acked, "central", redact(s.DSN))
	poll := time.NewTicker(s.Poll)
	defer poll.Stop()
	lastContact := s.Now()
	for {
		evs, err := s.Source.EventsRaw(ctx, acked, s.Batch)
		if err != nil {
			return progress, fmt.Errorf("read the hall's log: %w", err)
		}
		if len(evs) == 0 {
			if head := s.head(); head < acked {
				return progress, fmt.Errorf("the central store holds hall %s up to event %d but the hall's log ends at %d: was the hall's database replaced by an older copy? Shipping stops until this is resolved", s.Hall, acked, head)
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
		actx, cancel := context.WithTimeout(ctx, s.Timeout)
		last, err := db.Apply(actx, s.Hall, evs)
		cancel()
		if err != nil {
			return progress, err
		}
		if configured(evs) {
			if err := s.putProfile(ctx, db); err != nil {
				return true, err
			}
		}
		s.ack(last, last-acked)
		if s.OnAck != nil {
			s.OnAck(last)
		}
		acked, progress, lastContact = last, true, s.Now()
	}
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
	return db.PutHall(pctx, s.Hall, s.Profile())
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

func (s *Shipper) ack(seq, shipped int64) {
	now := s.Now()
	s.update(func(st *Status) {
		st.Connected, st.Acked, st.LastAckAt, st.NextAttemptAt = true, &seq, &now, nil
		if shipped > 0 {
			st.Shipped += shipped
			st.Batches++
		}
	})
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
