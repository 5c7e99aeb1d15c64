package simhall

import (
	"context"
	"net"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/hallclient"
)

// Display is a hall screen: the hall client following the stream, keeping its own log of every event it received. The log, not
// the simulator's counters, says which calls a screen showed.
type Display struct {
	Stream *hallclient.Stream

	mu     sync.Mutex
	first  int64 // seq of the first snapshot (-1 before one)
	seqs   map[int64]hallq.EventType
	dupes  int
	conns  map[net.Conn]bool
	errors int
}

// NewDisplay is a display of the hall at url; it connects as a public
// screen (token "") or with a display token.
func NewDisplay(url, token string) *Display {
	d := &Display{first: -1, seqs: map[int64]hallq.EventType{}, conns: map[net.Conn]bool{}}
	dialer := &websocket.Dialer{HandshakeTimeout: 10 * time.Second,
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			d.mu.Lock()
			d.conns[c] = true
			d.mu.Unlock()
			return &trackedConn{Conn: c, d: d}, nil
		}}
	c := hallclient.New(url, 10*time.Second)
	c.Dialer = dialer
	d.Stream = &hallclient.Stream{Client: c, Token: token, MinBackoff: 50 * time.Millisecond, MaxBackoff: 500 * time.Millisecond}
	return d
}

type trackedConn struct {
	net.Conn
	d *Display
}

func (c *trackedConn) Close() error {
	c.d.mu.Lock()
	delete(c.d.conns, c.Conn)
	c.d.mu.Unlock()
	return c.Conn.Close()
}

// Run follows the stream until ctx ends.
func (d *Display) Run(ctx context.Context) {
	d.Stream.Run(ctx, func(m hallclient.Message) error {
		d.mu.Lock()
		defer d.mu.Unlock()
		switch {
		case m.Snapshot != nil:
			if d.first < 0 {
				d.first = m.Snapshot.Seq
			}
		case m.Event != nil:
			if _, ok := d.seqs[m.Event.Seq]; ok {
				d.dupes++
			}
			d.seqs[m.Event.Seq] = m.Event.Type
		}
		return nil
	})
}

// Cut closes the display's connections, as a network cable pulled out
// would; the client reconnects and resumes.
func (d *Display) Cut() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for c := range d.conns {
		c.Close()
		delete(d.conns, c)
		n++
	}
	return n
}

// Last is the last seq the display handled.
func (d *Display) Last() int64 { return d.Stream.Last() }

// Connected reports whether the display has received a snapshot.
func (d *Display) Connected() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.first >= 0
}

// Missed counts the call events of log (the server's) after the display's
// first snapshot that the display's own log lacks; dupes counts events it
// received twice.
func (d *Display) Missed(log []hallq.Event) (missed, dupes int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, ev := range log {
		if ev.Type != hallq.EventTicketCalled || ev.Seq <= d.first || d.first < 0 {
			continue
		}
		if d.seqs[ev.Seq] != hallq.EventTicketCalled {
			missed++
		}
	}
	return missed, d.dupes
}

// WaitCaughtUp waits until every display has handled seq (or ctx ends).
func WaitCaughtUp(ctx context.Context, ds []*Display, seq int64) error {
	for {
		all := true
		for _, d := range ds {
			if d.Last() < seq {
				all = false
				break
			}
		}
		if all {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}
