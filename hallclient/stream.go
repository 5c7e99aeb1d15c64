package hallclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/hallq/hallq"
)

// Stream timing.
const (
	DefaultMinBackoff = 500 * time.Millisecond
	DefaultMaxBackoff = 30 * time.Second
	// readWait: the server pings every 54 s; a connection silent for
	// longer than this is dead even if TCP has not noticed.
	readWait  = 75 * time.Second
	writeWait = 10 * time.Second
	// snapshotLimit bounds one message (a snapshot of a large hall).
	snapshotLimit = 16 << 20
)

// StreamURL is the websocket URL of base's stream after seq since (< 0:
// none, a fresh snapshot).
func StreamURL(base string, since int64) (string, error) {
	u, err := url.Parse(strings.TrimRight(base, "/") + "/api/v1/stream")
	if err != nil {
		return "", fmt.Errorf("hallclient: server URL: %w", err)
	}
	switch u.Scheme {
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	case "ws", "wss":
	default:
		return "", fmt.Errorf("hallclient: server URL %q: want http:// or https://", base)
	}
	if since >= 0 {
		u.RawQuery = "since=" + strconv.FormatInt(since, 10)
	}
	return u.String(), nil
}

// StreamConn is one connection to GET /api/v1/stream: its snapshot, then
// the events as they come. It answers the server's pings; a connection
// silent past them is dead and its read fails.
type StreamConn struct {
	// Snapshot is the connection's first message.
	Snapshot *hallq.Snapshot
	conn     *websocket.Conn
	// onPing, if set, is told of each ping from the server.
	onPing func()
}

// OnPing has f called for every ping the server sends (every 54 s): the
// connection is alive even when nothing happens in the hall. Set it before
// the first Next.
func (s *StreamConn) OnPing(f func()) { s.onPing = f }

// DialStream connects to the stream, after seq since (< 0: a fresh
// snapshot, no replay), and reads the snapshot. A refusal (bad token, or
// since malformed) is the server's *hallq.Error.
func (c *Client) DialStream(ctx context.Context, token string, since int64) (*StreamConn, error) {
	u, err := StreamURL(c.BaseURL, since)
	if err != nil {
		return nil, err
	}
	hdr := http.Header{}
	if token != "" {
		hdr.Set("Authorization", "Bearer "+token)
	}
	d := c.Dialer
	if d == nil {
		d = websocket.DefaultDialer
	}
	conn, resp, err := d.DialContext(ctx, u, hdr)
	if err != nil {
		if resp != nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			resp.Body.Close()
			return nil, refusal("GET", "/api/v1/stream", &Answer{Status: resp.StatusCode, Body: body, Header: resp.Header})
		}
		return nil, fmt.Errorf("%w: stream: %w", ErrUnreachable, err)
	}
	s := &StreamConn{conn: conn}
	conn.SetReadLimit(snapshotLimit)
	conn.SetPingHandler(func(data string) error {
		if s.onPing != nil {
			s.onPing()
		}
		conn.SetReadDeadline(time.Now().Add(readWait))
		err := conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(writeWait))
		if errors.Is(err, websocket.ErrCloseSent) {
			return nil
		}
		return err
	})
	// A connection that ctx ends while the snapshot is awaited is closed,
	// which ends the read.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	data, err := s.Next()
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("%w: stream: reading the snapshot: %w", ErrUnreachable, err)
	}
	var snap hallq.Snapshot
	if err := json.Unmarshal(data, &snap); err != nil || snap.Type != hallq.SnapshotType {
		conn.Close()
		return nil, fmt.Errorf("hallclient: stream: the first message is not a snapshot: %.100q", data)
	}
	s.Snapshot = &snap
	return s, nil
}

// Next reads the next message as it came: an event's JSON (hallq.Event).
// Its error is the websocket's: websocket.IsCloseError tells the server's
// reasons (CloseTryAgainLater: too slow, resume with since; CloseGoingAway:
// shutting down).
func (s *StreamConn) Next() ([]byte, error) {
	s.conn.SetReadDeadline(time.Now().Add(readWait))
	_, data, err := s.conn.ReadMessage()
	return data, err
}

// Close closes the connection; a Next blocked on it returns.
func (s *StreamConn) Close() error { return s.conn.Close() }

// Message is one message of the stream: a snapshot or an event.
type Message struct {
	// Snapshot is the hall's state as of its Seq: the first message after
	// every (re)connection.
	Snapshot *hallq.Snapshot
	// Event is set for every other message.
	Event *hallq.Event
	// Replayed says the event is already reflected in the last snapshot
	// (it was logged while the client was away): a renderer need not apply
	// it, an announcer may still say it.
	Replayed bool
}

// Stream follows the hall server's event stream. After any disconnect it
// reconnects with exponential back-off and ?since=LAST, and the server
// replays what it missed: each event is delivered exactly once, in
// sequence order, across reconnections.
//
// Set the fields before Run; a Stream runs once at a time.
type Stream struct {
	Client *Client
	// Token is a device token (kind display) or a staff session's; ""
	// works while the hall's public_display is on.
	Token string
	// Since is the last seq already handled, to resume after; 0 or less
	// starts from a fresh snapshot.
	Since int64
	// MinBackoff and MaxBackoff bound the wait between connection attempts
	// (defaults 0.5 s and 30 s); the wait doubles after each failure, with
	// ±25 % jitter so a hall of displays does not reconnect in step.
	MinBackoff, MaxBackoff time.Duration
	// Logger defaults to discarding.
	Logger *slog.Logger
	// OnState, if set, is told when the stream is connected (after a
	// snapshot) and when it lost the connection.
	OnState func(connected bool)
	// Alive, if set, is called on every connection attempt, message and
	// ping: evidence for a watchdog that the stream is followed, also in a
	// quiet hall (the server pings every 54 s).
	Alive func()

	last        atomic.Int64
	connections atomic.Int64
}

// ErrStop may be returned by a handler to end Run without an error.
var ErrStop = errors.New("hallclient: stop")

// Last is the seq of the last event (or snapshot) handled.
func (st *Stream) Last() int64 { return st.last.Load() }

// Connections counts the connections that delivered a snapshot.
func (st *Stream) Connections() int64 { return st.connections.Load() }

type handlerError struct{ err error }

func (h handlerError) Error() string { return h.err.Error() }

// Run follows the stream, calling handle for each message in order, until
// ctx ends (it then returns ctx.Err()) or handle returns an error (returned
// as is, or nil for ErrStop). Connection failures are retried forever; a
// token the server does not know (revoked, 401) ends Run with the server's
// refusal, since no retry can change that: a device goes back to
// enrolment.
func (st *Stream) Run(ctx context.Context, handle func(Message) error) error {
	st.last.Store(max(st.Since, 0))
	if st.Since <= 0 {
		st.last.Store(-1)
	}
	if _, err := StreamURL(st.Client.BaseURL, 0); err != nil {
		return err // a config error: retrying will not help
	}
	backoff := st.minBackoff()
	for {
		st.alive()
		delivered, err := st.session(ctx, handle)
		if st.OnState != nil {
			st.OnState(false)
		}
		var he handlerError
		switch {
		case errors.As(err, &he):
			if errors.Is(he.err, ErrStop) {
				return nil
			}
			return he.err
		case ctx.Err() != nil:
			return ctx.Err()
		case st.Token != "" && IsCode(err, hallq.EUNAUTHORIZED, ""):
			return err
		}
		if delivered {
			backoff = st.minBackoff()
		}
		st.logger().Info("stream: disconnected", "err", err, "retry_in", backoff.Round(time.Millisecond), "last", st.Last())
		wait := time.Duration(float64(backoff) * (0.75 + rand.Float64()/2))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		backoff = min(backoff*2, st.maxBackoff())
	}
}

// session is one connection. It reports whether a snapshot arrived.
func (st *Stream) session(ctx context.Context, handle func(Message) error) (bool, error) {
	conn, err := st.Client.DialStream(ctx, st.Token, st.Last())
	if err != nil {
		return false, err
	}
	defer conn.Close()
	conn.OnPing(st.alive)
	st.alive()
	// Closing the connection is how a blocked read learns that ctx ended.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	snap := conn.Snapshot
	if last := st.Last(); last < 0 || snap.Replay == 0 || snap.Truncated || snap.Seq < last {
		// Nothing to replay (or a reset server): the snapshot is the state.
		st.last.Store(snap.Seq)
	}
	st.connections.Add(1)
	if st.OnState != nil {
		st.OnState(true)
	}
	if err := handle(Message{Snapshot: snap}); err != nil {
		return true, handlerError{err}
	}
	for {
		data, err := conn.Next()
		if err != nil {
			return true, fmt.Errorf("hallclient: stream: read: %w", err)
		}
		st.alive()
		var ev hallq.Event
		if err := json.Unmarshal(data, &ev); err != nil {
			return true, fmt.Errorf("hallclient: stream: bad event: %w", err)
		}
		last := st.Last()
		if ev.Seq <= last {
			continue // already handled
		}
		if ev.Seq != last+1 {
			// Never expected from the server; resume from what we have.
			return true, fmt.Errorf("hallclient: stream: gap: event %d after %d", ev.Seq, last)
		}
		st.last.Store(ev.Seq)
		if err := handle(Message{Event: &ev, Replayed: ev.Seq <= snap.Seq}); err != nil {
			return true, handlerError{err}
		}
	}
}

func (st *Stream) minBackoff() time.Duration {
	if st.MinBackoff > 0 {
		return st.MinBackoff
	}
	return DefaultMinBackoff
}

func (st *Stream) maxBackoff() time.Duration {
	if st.MaxBackoff > 0 {
		return max(st.MaxBackoff, st.minBackoff())
	}
	return DefaultMaxBackoff
}

func (st *Stream) alive() {
	if st.Alive != nil {
		st.Alive()
	}
}

func (st *Stream) logger() *slog.Logger {
	if st.Logger != nil {
		return st.Logger
	}
	return slog.New(slog.DiscardHandler)
}
