package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/hallq/hallq/hallclient"
)

// Connecting subscribers.
const (
	dialParallel = 32               // connections opened at once
	dialWait     = 10 * time.Second // to connect and receive the snapshot
)

// calledMarker picks the call events out of the stream cheaply, so a
// thousand subscribers decode only the messages that are measured.
var calledMarker = []byte(`"ticket.called"`)

// subscriber is one display following the stream: it notes when each
// ticket.called event arrived.
type subscriber struct {
	conn *hallclient.StreamConn
	done chan struct{} // closed when the reader returns
	got  map[string]time.Time
	// end is why the connection ended before it was closed by us.
	end     error
	closing bool
	mu      sync.Mutex
}

// read runs until the connection ends. got and end are the reader's alone
// until done is closed.
func (s *subscriber) read() {
	defer close(s.done)
	for {
		data, err := s.conn.Next()
		at := time.Now()
		if err != nil {
			s.mu.Lock()
			if !s.closing {
				s.end = err
			}
			s.mu.Unlock()
			return
		}
		if !bytes.Contains(data, calledMarker) {
			continue
		}
		var ev struct {
			Type   string
			Ticket struct{ ID string }
		}
		if json.Unmarshal(data, &ev) == nil && ev.Type == "ticket.called" {
			if _, seen := s.got[ev.Ticket.ID]; !seen {
				s.got[ev.Ticket.ID] = at
			}
		}
	}
}

type subscribers struct {
	list []*subscriber
	once sync.Once
}

// connectSubscribers opens n stream connections and waits for each one's
// snapshot.
func connectSubscribers(ctx context.Context, baseURL, token string, n int) (*subscribers, error) {
	subs := &subscribers{}
	if n <= 0 {
		return subs, nil
	}
	c := hallclient.New(baseURL, dialWait)
	c.Dialer = &websocket.Dialer{HandshakeTimeout: dialWait, ReadBufferSize: 4096, WriteBufferSize: 1024}
	out := make([]*subscriber, n)
	errs := make([]error, n)
	sem := make(chan struct{}, dialParallel)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			out[i], errs[i] = connect(ctx, c, token)
		}()
	}
	wg.Wait()
	for _, s := range out {
		if s != nil {
			subs.list = append(subs.list, s)
		}
	}
	if err := errors.Join(errs...); err != nil {
		subs.close()
		return nil, fmt.Errorf("loadgen: connect subscribers: %w", err)
	}
	return subs, nil
}

// connect opens one stream connection and waits for its snapshot.
func connect(ctx context.Context, c *hallclient.Client, token string) (*subscriber, error) {
	ctx, cancel := context.WithTimeout(ctx, dialWait)
	defer cancel()
	conn, err := c.DialStream(ctx, token, -1)
	if err != nil {
		return nil, err
	}
	s := &subscriber{conn: conn, done: make(chan struct{}), got: map[string]time.Time{}}
	go s.read()
	return s, nil
}

// close closes every connection and waits for the readers.
func (ss *subscribers) close() {
	ss.once.Do(func() {
		for _, s := range ss.list {
			s.mu.Lock()
			s.closing = true
			s.mu.Unlock()
			s.conn.Close()
		}
		for _, s := range ss.list {
			<-s.done
		}
	})
}

// dropped counts subscribers the server closed for being too slow.
func (ss *subscribers) dropped() int {
	n := 0
	for _, s := range ss.list {
		if websocket.IsCloseError(s.end, websocket.CloseTryAgainLater) {
			n++
		}
	}
	return n
}

// lost counts connections that ended during the run for another reason.
func (ss *subscribers) lost() int {
	n := 0
	for _, s := range ss.list {
		if s.end != nil && !websocket.IsCloseError(s.end, websocket.CloseTryAgainLater) {
			n++
		}
	}
	return n
}
