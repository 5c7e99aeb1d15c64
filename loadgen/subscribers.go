package loadgen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Connecting subscribers.
const (
	dialParallel = 32               // connections opened at once
	dialWait     = 10 * time.Second // to connect and receive the snapshot
)

// subscriber is one display following the stream on a raw socket: it
// notes when each ticket.called event arrived, and checks that events
// come each once and in order (seq one more than the last, from the
// snapshot's on).
type subscriber struct {
	conn *rawStream
	done chan struct{} // closed when the reader returns
	got  map[string]time.Time
	seq  int64 // the last sequence number received
	n    int   // events received
	// outOfOrder counts events that did not follow the last one: a gap, a
	// repeat or one going back.
	outOfOrder int
	// end is why the connection ended before it was closed by us.
	end     error
	closing bool
	mu      sync.Mutex
}

// read runs until the connection ends. got, seq, outOfOrder and end are
// the reader's alone until done is closed.
func (s *subscriber) read() {
	defer close(s.done)
	for {
		data, err := s.conn.next()
		at := time.Now()
		if err != nil {
			s.mu.Lock()
			if !s.closing {
				s.end = err
			}
			s.mu.Unlock()
			return
		}
		s.n++
		if seq := eventSeq(data); seq != s.seq+1 {
			s.outOfOrder++
			s.seq = max(s.seq, seq)
		} else {
			s.seq = seq
		}
		if id := calledTicket(data); id != "" {
			if _, seen := s.got[id]; !seen {
				s.got[id] = at
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
			out[i], errs[i] = connect(ctx, baseURL, token)
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
func connect(ctx context.Context, baseURL, token string) (*subscriber, error) {
	ctx, cancel := context.WithTimeout(ctx, dialWait)
	defer cancel()
	conn, err := dialRaw(ctx, baseURL, token)
	if err != nil {
		return nil, err
	}
	conn.conn.SetReadDeadline(time.Now().Add(dialWait))
	snap, err := conn.next()
	conn.conn.SetReadDeadline(time.Time{})
	if err == nil && !bytes.Contains(snap, []byte(`"type":"snapshot"`)) {
		err = fmt.Errorf("the stream began with %.60q, not a snapshot", snap)
	}
	seq := eventSeq(snap)
	if err == nil && seq < 0 {
		err = errors.New("the snapshot has no seq")
	}
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("loadgen: stream: %w", err)
	}
	s := &subscriber{conn: conn, done: make(chan struct{}), got: map[string]time.Time{}, seq: seq}
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

// tooSlow reports whether the server closed the stream for being too slow.
func tooSlow(err error) bool {
	var ce *closeError
	return errors.As(err, &ce) && ce.code == websocket.CloseTryAgainLater
}

// dropped counts subscribers the server closed for being too slow.
func (ss *subscribers) dropped() int {
	n := 0
	for _, s := range ss.list {
		if tooSlow(s.end) {
			n++
		}
	}
	return n
}

// lost counts connections that ended during the run for another reason.
func (ss *subscribers) lost() int {
	n := 0
	for _, s := range ss.list {
		if s.end != nil && !tooSlow(s.end) {
			n++
		}
	}
	return n
}

// received counts the events every subscriber received.
func (ss *subscribers) received() int {
	n := 0
	for _, s := range ss.list {
		n += s.n
	}
	return n
}

// outOfOrder counts events, over every subscriber, that did not follow
// the one before.
func (ss *subscribers) outOfOrder() int {
	n := 0
	for _, s := range ss.list {
		n += s.outOfOrder
	}
	return n
}
