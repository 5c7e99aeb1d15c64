// Package stream serves the hall's event stream, GET /api/v1/stream: a
// websocket that sends a snapshot of the hall, then the logged events a
// client missed since the sequence number it last saw, then every event
// as it is committed, in order, without gap or duplicate. A subscriber too
// slow to keep up is dropped and resumes; the server pings, and ends every
// stream when it shuts down.
package stream

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/server/api"
	"github.com/hallq/hallq/server/hall"
	"github.com/hallq/hallq/server/hub"
)

// Websocket timing.
const (
	defaultWriteWait  = 10 * time.Second // a write that takes longer fails the connection
	defaultSilentWait = 60 * time.Second // a client silent this long (no pong) is gone
	defaultPingPeriod = 25 * time.Second // how often the server pings, and reads what came
	defaultSendBuffer = 256              // events queued per subscriber before it is dropped
	replayPage        = 500              // events read from the log at a time when catching up
	maxReplay         = 20000            // a client further behind gets the snapshot only
	readLimit         = 4096             // clients send nothing but control frames
	defaultRecheck    = 5 * time.Second  // how often a stream's credentials are asked again
)

// Server serves the stream of one hall.
type Server struct {
	Hall   *hall.Runtime
	Logger *slog.Logger
	// Buffer is how many events may wait for one subscriber before it is
	// dropped as too slow (default 256).
	Buffer int
	// Open, if set, counts the open streams (the hall's metrics gauge).
	Open Gauge
	// WriteWait is how long one write to a client may take before its
	// connection is given up (default 10 s).
	WriteWait time.Duration
	// Authenticate, if set, finds who holds a request's credentials; each
	// stream asks again every recheck period (SetRecheckPeriod) and ends
	// when they no longer name the same device or person (revoked by
	// another process).
	Authenticate func(*http.Request) (hallq.Principal, error)
	// recheck is that period in nanoseconds (0: the default, 5 s, the
	// store's token cache); atomic, as it may change while streams run.
	recheck atomic.Int64
	// PingPeriod is how often a client is pinged and what it sent read
	// (default 25 s); SilentWait how long one may send nothing, not even a
	// pong, before it is taken for gone (default a minute).
	PingPeriod, SilentWait time.Duration

	closeOnce sync.Once
	closing   chan struct{}
	open      open
}

// Gauge counts something that comes and goes, as a Prometheus gauge does.
type Gauge interface {
	Inc()
	Dec()
}

func (s *Server) writeWait() time.Duration  { return cmp.Or(s.WriteWait, defaultWriteWait) }
func (s *Server) pingPeriod() time.Duration { return cmp.Or(s.PingPeriod, defaultPingPeriod) }
func (s *Server) silentWait() time.Duration { return cmp.Or(s.SilentWait, defaultSilentWait) }

// New is a stream server of the hall hl.
func New(hl *hall.Runtime, logger *slog.Logger) *Server {
	return &Server{Hall: hl, Logger: logger, closing: make(chan struct{})}
}

// Close ends every open stream with a going-away close frame:
// http.Server.Shutdown does not reach hijacked websocket connections.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.closing) })
}

var upgrader = websocket.Upgrader{
	ReadBufferSize:  1024,
	WriteBufferSize: 4096,
	// Screens are idle between calls: a shared pool of write buffers
	// instead of one per connection saves 4 KB for each of hundreds.
	WriteBufferPool: &sync.Pool{},
	// Browsers may connect from pages this server serves; programs send no
	// Origin. Anything else is another site borrowing a staff cookie.
	CheckOrigin: func(r *http.Request) bool {
		o := r.Header.Get("Origin")
		if o == "" {
			return true
		}
		u, err := url.Parse(o)
		return err == nil && u.Host == r.Host
	},
}

// Serve serves GET /api/v1/stream?since=N: a snapshot of the hall as of
// seq S, then — when since is given — the logged events since..S the client
// missed, then every event after S, in order, without gap or duplicate.
//
// The request's goroutine sends the snapshot and the replay, then hands
// the connection to a goroutine of its own and returns, so that neither
// its stack (deep from encoding the snapshot) nor the HTTP server's
// buffers for the request stay with each of thousands of screens. That
// goroutine is the connection's only one: it writes the events and pings,
// and reads what the client sent at each ping (clients send nothing but
// control frames) instead of blocking a reader on it.
func (s *Server) Serve(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	since, err := parseSince(r)
	if err != nil {
		return err
	}
	conn, err := upgrader.Upgrade(hijacker(w), r, nil)
	if err != nil {
		return nil // the upgrader has answered
	}
	view, seq, sub := s.Hall.Subscribe(cmp.Or(s.Buffer, defaultSendBuffer))
	if s.Open != nil {
		s.Open.Inc()
	}
	// Staff see everything; devices and anonymous callers the public part.
	f := follower{public: p.User == nil, st: s.register(p)}
	if f.public {
		view = view.Public()
	}
	// From here on the stream keeps only the socket: gorilla's Conn (and
	// its read buffer) is not needed once the events go out raw.
	netConn := conn.NetConn()
	end := func() {
		s.Hall.Hub.Unsubscribe(sub)
		s.unregister(f.st)
		if s.Open != nil {
			s.Open.Dec()
		}
		netConn.Close()
	}
	snap, since := snapshot(view, seq, since)
	if err := s.writeJSONMessage(conn, snap); err != nil {
		end()
		return nil
	}
	if err := s.replay(r.Context(), conn, since, seq, f.public); err != nil {
		end()
		return nil
	}
	if p.Device != nil { // the admin's device list shows it connected
		f.device = p.Device.Name
	}
	if s.Authenticate != nil && (f.st.device != "" || f.st.user != "") {
		// The credentials are asked again after this handler returns, when
		// the request's own context is cancelled.
		f.creds = r.WithContext(context.WithoutCancel(r.Context()))
	}
	f.c = newRawConn(netConn)
	// The snapshot's and the replay's write deadline would fail the hub's
	// writes once passed: from here on the hub writes to the socket
	// directly, without waiting, and the stream's goroutine sets a
	// deadline for each write of its own.
	netConn.SetWriteDeadline(time.Time{})
	sub.Attach(f.c.writer(), f.public)
	go func() {
		defer end()
		s.follow(f, sub)
	}()
	return nil
}

// SetRecheckPeriod sets how often an open stream's credentials are asked
// again (0: every 5 s); streams opened from now on use it.
func (s *Server) SetRecheckPeriod(d time.Duration) { s.recheck.Store(int64(d)) }

// parseSince reads ?since=N, the last sequence number the client saw; -1
// when it is not given.
func parseSince(r *http.Request) (int64, error) {
	if !r.URL.Query().Has("since") {
		return -1, nil
	}
	v, err := api.QueryInt(r, "since", 0)
	if err != nil {
		return 0, err
	}
	if v < 0 {
		return 0, hallq.Errorf(hallq.EINVALID, "since must not be negative")
	}
	return v, nil
}

// snapshot is the first message for a client that saw since, and from
// where the log must be replayed to it (-1: nothing to replay).
func snapshot(view hallq.HallView, seq, since int64) (hallq.Snapshot, int64) {
	snap := hallq.Snapshot{Type: hallq.SnapshotType, Seq: seq, Hall: view}
	if since > seq {
		// The client saw events this log does not have: the database was
		// replaced (a restore). Its state is void; the snapshot is the truth.
		snap.Truncated = true
		since = -1
	}
	if since >= 0 && since < seq {
		if seq-since > maxReplay {
			snap.Truncated = true
			since = -1
		} else {
			snap.Replay = int(seq - since)
		}
	}
	return snap, since
}

// replay sends the logged events after since up to seq (to a public
// subscriber, their public form). Those events are committed, so the store
// has them.
func (s *Server) replay(ctx context.Context, conn *websocket.Conn, since, seq int64, public bool) error {
	for since >= 0 && since < seq {
		evs, err := s.Hall.Store.EventsRaw(ctx, since, min(replayPage, int(seq-since)))
		if err != nil {
			s.Logger.Error("stream replay", api.LogErr, err)
			return err
		}
		if len(evs) == 0 {
			s.Logger.Error("stream replay: log ends early", "since", since, "seq", seq)
			return errors.New("stream: the log ends early")
		}
		for _, ev := range evs {
			since = ev.Seq
			data := ev.JSON
			if public {
				if data = publicJSON(ev.JSON); data == nil {
					continue
				}
			}
			conn.SetWriteDeadline(time.Now().Add(s.writeWait()))
			if err := conn.WriteMessage(websocket.TextMessage, data); err != nil {
				return err
			}
		}
	}
	return nil
}

// follower is what a stream's goroutine needs besides its subscription.
type follower struct {
	c      *rawConn
	public bool          // the public form of the public events only
	device string        // the device whose stream it is, if any
	st     *openStream   // ended when its credentials are revoked
	creds  *http.Request // asked again every recheck period (nil: never)
}

// follow sends every event the hub publishes (to a public subscriber, the
// public ones in their public form) until the client goes, is too slow,
// its credentials are revoked, or the server closes, pinging it meanwhile.
// Each event's frame was encoded once for every subscriber
// (hub.Message.Frame, or the public one). The hub writes each event to the
// socket itself when the socket takes it at once; this goroutine writes
// what waits (the socket was full, or it was writing itself), all in one
// writev, and its own control frames after it.
func (s *Server) follow(f follower, sub *hub.Subscriber) {
	c := f.c
	ping := time.NewTicker(s.pingPeriod())
	defer ping.Stop()
	var seen, recheck <-chan time.Time
	if f.device != "" {
		t := time.NewTicker(deviceSeenPeriod)
		defer t.Stop()
		seen = t.C
		s.Hall.MarkSeen(f.device, s.Hall.Now())
	}
	if f.creds != nil {
		t := time.NewTicker(cmp.Or(time.Duration(s.recheck.Load()), defaultRecheck))
		defer t.Stop()
		recheck = t.C
	}
	heard := time.Now()
	var frames [][]byte
	for {
		select {
		case <-sub.Ready():
			frames = sub.TakeFrames(frames[:0])
			var err error
			if len(frames) > 0 {
				err = c.write(frames, s.writeWait())
			}
			clear(frames) // the frames are the hub's to free
			sub.Release()
			if err != nil {
				return
			}
		case <-sub.Dropped:
			// Too slow: say so and close; the client resumes with since.
			c.close(s.writeWait(), websocket.CloseTryAgainLater, "too slow; reconnect with since", sub.Claim())
			return
		case <-ping.C:
			// What waits goes before the ping, and the pongs after it.
			frames = sub.TakeFrames(frames[:0])
			err := s.ping(c, &heard, frames)
			clear(frames)
			sub.Release()
			if err != nil {
				return // gone, closed, silent, or sent what a screen does not
			}
		case <-seen:
			s.Hall.MarkSeen(f.device, s.Hall.Now())
		case <-recheck:
			if !s.stillHeld(f.creds, f.st) {
				f.st.end()
			}
		case <-f.st.gone:
			c.close(time.Second, websocket.ClosePolicyViolation, "credentials revoked", sub.Claim())
			return
		case <-s.closing:
			c.close(time.Second, websocket.CloseGoingAway, "server shutting down", sub.Claim())
			return
		}
	}
}

// errSilent is a client that sent nothing, not even a pong, for longer
// than SilentWait.
var errSilent = errors.New("stream: the client is silent")

// ping reads what the client sent since the last ping (answering it),
// gives up on a client silent for too long, and pings it, after the
// frames waiting for it.
func (s *Server) ping(c *rawConn, heard *time.Time, waiting [][]byte) error {
	if len(waiting) > 0 {
		if err := c.write(waiting, s.writeWait()); err != nil {
			return err
		}
	}
	got, err := c.readControl(s.writeWait())
	if err != nil {
		return err
	}
	if got {
		*heard = time.Now()
	} else if time.Since(*heard) > s.silentWait() {
		return errSilent
	}
	return c.control(websocket.PingMessage, nil, s.writeWait())
}

// hijacker finds, under the wrappers that time and log a route, the
// connection's own ResponseWriter: gorilla's Upgrade asserts http.Hijacker
// on what it is given and does not follow Unwrap.
func hijacker(w http.ResponseWriter) http.ResponseWriter {
	for {
		if _, ok := w.(http.Hijacker); ok {
			return w
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return w
		}
		w = u.Unwrap()
	}
}

func (s *Server) writeJSONMessage(conn *websocket.Conn, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	conn.SetWriteDeadline(time.Now().Add(s.writeWait()))
	return conn.WriteMessage(websocket.TextMessage, data)
}

// deviceSeenPeriod is how often a display's open stream refreshes its
// last_seen, so the admin's device list shows it connected.
const deviceSeenPeriod = 30 * time.Second
