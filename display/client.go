package display

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

// Default timings.
const (
	DefaultMinBackoff = 500 * time.Millisecond
	DefaultMaxBackoff = 30 * time.Second
	// readWait: the server pings every 54 s; a connection silent for
	// longer than this is dead even if TCP has not noticed.
	readWait  = 75 * time.Second
	writeWait = 10 * time.Second
)

// Client follows the hall server's event stream (GET /api/v1/stream).
// After any disconnect it reconnects with exponential back-off and
// ?since=LAST, and the server replays what it missed: each event is
// delivered exactly once, in sequence order, across reconnections.
//
// Set the fields before Run; a Client runs once at a time.
type Client struct {
	// URL is the hall server, "http://hall.local:8080".
	URL string
	// Token is a device token (kind display); "" works while the hall's
	// public_display is on.
	Token string
	// Since is the last seq already handled, to resume after; 0 or less
	// starts from a fresh snapshot.
	Since int64
	// MinBackoff and MaxBackoff bound the wait between connection attempts
	// (defaults 0.5 s and 30 s); the wait doubles after each failure, with
	// ±25 % jitter so a hall of displays does not reconnect in step.
	MinBackoff, MaxBackoff time.Duration
	// Dialer defaults to websocket.DefaultDialer.
	Dialer *websocket.Dialer
	// Logger defaults to discarding.
	Logger *slog.Logger
	// OnState, if set, is told when the client is connected (after a
	// snapshot) and when it lost the connection.
	OnState func(connected bool)

	last        atomic.Int64
	connections atomic.Int64
}

// ErrStop may be returned by a handler to end Run without an error.
var ErrStop = errors.New("display: stop")

// Last is the seq of the last event (or snapshot) handled.
func (c *Client) Last() int64 { return c.last.Load() }

// Connections counts the connections that delivered a snapshot.
func (c *Client) Connections() int64 { return c.connections.Load() }

// Run follows the stream, calling handle for each message in order, until
// ctx ends (it then returns ctx.Err()) or handle returns an error (returned
// as is, or nil for ErrStop). Connection failures are retried forever.
func (c *Client) Run(ctx context.Context, handle func(Message) error) error {
	c.last.Store(max(c.Since, 0))
	if c.Since <= 0 {
		c.last.Store(-1)
	}
	backoff := c.minBackoff()
	for {
		delivered, err := c.session(ctx, handle)
		if c.OnState != nil {
			c.OnState(false)
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
		}
		if delivered {
			backoff = c.minBackoff()
		}
		c.logger().Info("display stream: disconnected", "err", err, "retry_in", backoff.Round(time.Millisecond), "last", c.Last())
		wait := time.Duration(float64(backoff) * (0.75 + rand.Float64()/2))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		backoff = min(backoff*2, c.maxBackoff())
	}
}

// Messages runs the client in a goroutine and delivers its messages on a
// channel, closed when ctx ends. Messages are never dropped: a slow reader
// slows the client (and the server drops and replays if it falls far
// behind).
func (c *Client) Messages(ctx context.Context) <-chan Message {
	ch := make(chan Message)
	go func() {
		defer close(ch)
		c.Run(ctx, func(m Message) error {
			select {
			case ch <- m:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	return ch
}

type handlerError struct{ err error }

func (h handlerError) Error() string { return h.err.Error() }

// StreamURL is the websocket URL for the stream after seq since (<0: none).
func StreamURL(base string, since int64) (string, error) {
	u, err := url.Parse(strings.TrimRight(base, "/") + "/api/v1/stream")
	if err != nil {
		return "", fmt.Errorf("display: server URL: %w", err)
	}
	switch u.Scheme {
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	case "ws", "wss":
	default:
		return "", fmt.Errorf("display: server URL %q: want http:// or https://", base)
	}
	if since >= 0 {
		u.RawQuery = "since=" + strconv.FormatInt(since, 10)
	}
	return u.String(), nil
}

// session is one connection. It reports whether a snapshot arrived.
func (c *Client) session(ctx context.Context, handle func(Message) error) (bool, error) {
	u, err := StreamURL(c.URL, c.Last())
	if err != nil {
		return false, handlerError{err} // a config error: retrying will not help
	}
	hdr := http.Header{}
	if c.Token != "" {
		hdr.Set("Authorization", "Bearer "+c.Token)
	}
	d := c.Dialer
	if d == nil {
		d = websocket.DefaultDialer
	}
	conn, resp, err := d.DialContext(ctx, u, hdr)
	if err != nil {
		if resp != nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
			resp.Body.Close()
			return false, fmt.Errorf("display: %s: %s %s", u, resp.Status, strings.TrimSpace(string(body)))
		}
		return false, fmt.Errorf("display: %w", err)
	}
	defer conn.Close()
	// Closing the connection is how a blocked read learns that ctx ended.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	conn.SetReadLimit(16 << 20)
	conn.SetReadDeadline(time.Now().Add(readWait))
	conn.SetPingHandler(func(data string) error {
		conn.SetReadDeadline(time.Now().Add(readWait))
		err := conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(writeWait))
		if errors.Is(err, websocket.ErrCloseSent) {
			return nil
		}
		return err
	})

	var snapSeq int64 = -1
	gotSnapshot := false
	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			return gotSnapshot, fmt.Errorf("display: read: %w", err)
		}
		conn.SetReadDeadline(time.Now().Add(readWait))
		var head struct {
			Type string `json:"type"`
			Seq  int64  `json:"seq"`
		}
		if err := json.Unmarshal(data, &head); err != nil {
			return gotSnapshot, fmt.Errorf("display: bad message: %w", err)
		}
		if !gotSnapshot {
			if head.Type != hallq.SnapshotType {
				return false, fmt.Errorf("display: first message is %q, not a snapshot", head.Type)
			}
			var snap hallq.Snapshot
			if err := json.Unmarshal(data, &snap); err != nil {
				return false, fmt.Errorf("display: bad snapshot: %w", err)
			}
			gotSnapshot, snapSeq = true, snap.Seq
			last := c.Last()
			if last < 0 || snap.Replay == 0 || snap.Truncated || snap.Seq < last {
				// Nothing to replay (or a reset server): the snapshot is the state.
				c.last.Store(snap.Seq)
			}
			c.connections.Add(1)
			if c.OnState != nil {
				c.OnState(true)
			}
			if err := handle(Message{Snapshot: &snap}); err != nil {
				return true, handlerError{err}
			}
			continue
		}
		last := c.Last()
		if head.Seq <= last {
			continue // already handled
		}
		if head.Seq != last+1 {
			// Never expected from the server; resume from what we have.
			return true, fmt.Errorf("display: gap: event %d after %d", head.Seq, last)
		}
		var ev hallq.Event
		if err := json.Unmarshal(data, &ev); err != nil {
			return true, fmt.Errorf("display: bad event %d: %w", head.Seq, err)
		}
		c.last.Store(ev.Seq)
		if err := handle(Message{Event: &ev, Replayed: ev.Seq <= snapSeq}); err != nil {
			return true, handlerError{err}
		}
	}
}

func (c *Client) minBackoff() time.Duration {
	if c.MinBackoff > 0 {
		return c.MinBackoff
	}
	return DefaultMinBackoff
}

func (c *Client) maxBackoff() time.Duration {
	if c.MaxBackoff > 0 {
		return max(c.MaxBackoff, c.minBackoff())
	}
	return DefaultMaxBackoff
}

func (c *Client) logger() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.New(slog.DiscardHandler)
}
