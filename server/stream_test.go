package server_test

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/internal/eventually"
	"github.com/hallq/hallq/server/servertest"
)

func dial(t *testing.T, h *servertest.Hall, query string, d *websocket.Dialer) *websocket.Conn {
	t.Helper()
	if d == nil {
		d = websocket.DefaultDialer
	}
	u := "ws" + strings.TrimPrefix(h.URL, "http") + "/api/v1/stream" + query
	c, resp, err := d.Dial(u, http.Header{"Authorization": {"Bearer " + servertest.DisplayToken}})
	if err != nil {
		t.Fatalf("dial %s: %v (%v)", u, err, resp)
	}
	return c
}

// read reads one message: a snapshot, or an event of which only Type and
// Seq are kept.
func read(t *testing.T, c *websocket.Conn) hallq.Snapshot {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(time.Minute))
	_, data, err := c.ReadMessage()
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	var m hallq.Snapshot
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("decode %s: %v", data, err)
	}
	return m
}

func issue(t *testing.T, h *servertest.Hall, service string) hallq.Ticket {
	t.Helper()
	var tk hallq.Ticket
	if code := h.Do("POST", "/api/v1/tickets", servertest.KioskToken, map[string]string{"service": service}, &tk); code != 201 {
		t.Fatalf("issue %s: %d", service, code)
	}
	return tk
}

// TestStreamSnapshotThenEvents: the first message is a snapshot of the
// state as of its seq; events follow with seq > that.
func TestStreamSnapshotThenEvents(t *testing.T) {
	h := servertest.Start(t, servertest.Options{})
	issue(t, h, "A")
	issue(t, h, "A")
	c := dial(t, h, "", nil)
	defer c.Close()
	snap := read(t, c)
	if snap.Type != "snapshot" || snap.Seq != 2 || snap.Replay != 0 {
		t.Fatalf("got %+v, want a snapshot at seq 2 with no replay", snap)
	}
	officer := h.Login("canbo1")
	h.Do("POST", "/api/v1/counters/1/open", officer, nil, nil)
	var called hallq.Ticket
	if code := h.Do("POST", "/api/v1/counters/1/next", officer, nil, &called); code != 200 {
		t.Fatalf("next: %d", code)
	}
	if m := read(t, c); m.Type != "counter.opened" || m.Seq != 3 {
		t.Errorf("got %+v, want counter.opened seq 3", m)
	}
	if m := read(t, c); m.Type != "ticket.called" || m.Seq != 4 {
		t.Errorf("got %+v, want ticket.called seq 4", m)
	}
}

// TestStreamReconnectWithoutGaps: a client that drops its connection and
// comes back with since=LAST receives exactly the events it missed, in
// order, with no gap and no duplicate, then the live ones.
func TestStreamReconnectWithoutGaps(t *testing.T) {
	h := servertest.Start(t, servertest.Options{})
	officer := h.Login("canbo1")
	h.Do("POST", "/api/v1/counters/1/open", officer, nil, nil)
	got := []int64{}
	last := int64(0)
	c := dial(t, h, "", nil)
	if snap := read(t, c); snap.Type != "snapshot" {
		t.Fatalf("first message %+v", snap)
	} else {
		last = snap.Seq
	}
	for round := 0; round < 5; round++ {
		// Some events while connected.
		for i := 0; i < 5; i++ {
			issue(t, h, "A")
			m := read(t, c)
			got = append(got, m.Seq)
			last = m.Seq
		}
		c.Close()
		// Five calls while disconnected.
		for i := 0; i < 5; i++ {
			if code := h.Do("POST", "/api/v1/counters/1/next", officer, nil, nil); code != 200 {
				t.Fatalf("next: %d", code)
			}
			if code := h.Do("POST", "/api/v1/counters/1/finish", officer, nil, nil); code != 200 {
				t.Fatalf("finish: %d", code)
			}
		}
		c = dial(t, h, fmt.Sprintf("?since=%d", last), nil)
		snap := read(t, c)
		if snap.Type != "snapshot" || snap.Replay != int(snap.Seq-last) || snap.Replay != 10 {
			t.Fatalf("round %d: got snapshot %+v after seq %d, want a replay of the 10 missed events", round, snap, last)
		}
		for i := 0; i < snap.Replay; i++ {
			m := read(t, c)
			got = append(got, m.Seq)
			last = m.Seq
		}
	}
	c.Close()
	// Everything from the first event we saw to the end, once each, in order.
	var all struct {
		Events []hallq.Event `json:"events"`
	}
	h.Do("GET", "/api/v1/events?since=1&limit=1000", h.Login("admin"), nil, &all)
	if len(got) != len(all.Events) {
		t.Fatalf("received %d events, the log has %d after seq 1", len(got), len(all.Events))
	}
	for i, ev := range all.Events {
		if got[i] != ev.Seq {
			t.Fatalf("event %d: got seq %d, want %d (received %v)", i, got[i], ev.Seq, got)
		}
	}
}

// TestStreamSlowClientDropped: a subscriber that never reads is dropped,
// and every other subscriber still receives every event, in order.
func TestStreamSlowClientDropped(t *testing.T) {
	h := servertest.Start(t, servertest.Options{SendBuffer: 4096})
	h.Server.Stream.Buffer = 512
	// The stalled write must outlast the 800 issues however slowly a busy
	// machine makes them: a write that timed out first would end that
	// stream without a drop.
	h.Server.Stream.WriteWait = 10 * time.Minute
	// A tiny receive window, set before connecting so that it is the one
	// advertised: the server's writes to this client stall quickly.
	nd := &net.Dialer{Control: func(network, address string, rc syscall.RawConn) error {
		var serr error
		rc.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 2048) })
		return serr
	}}
	small := &websocket.Dialer{NetDial: nd.Dial}
	slow := dial(t, h, "", small) // never read from again
	defer slow.Close()
	fast := dial(t, h, "", nil)
	defer fast.Close()
	start := read(t, fast).Seq

	// The issuers stay at most lead events ahead of what the fast
	// subscriber has read, so that it stays far inside its 512-event queue
	// however the machine schedules the two (a busy CI machine starved the
	// reader when only the number of issuers was bounded).
	const n, lead = 800, 128
	var received atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		sem := make(chan struct{}, 2)
		for i := 0; i < n; i++ {
			for int64(i)-received.Load() >= lead {
				time.Sleep(time.Millisecond)
			}
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				issue(t, h, string(rune('A'+i%5)))
			}()
		}
	}()
	want := start + 1
	for received.Load() < n {
		m := read(t, fast)
		if m.Seq != want {
			t.Fatalf("fast subscriber: got seq %d, want %d", m.Seq, want)
		}
		want++
		received.Add(1)
	}
	wg.Wait()
	// The one that never reads is gone, dropped when its queue filled (its
	// stalled write outlasts the test, so no write timeout ends it first);
	// only the fast one stays subscribed.
	eventually.True(t, time.Minute, "the subscriber that never reads cut off", func() bool { return h.Hall.Hub.Len() == 1 })
	if got := h.Hall.Hub.DroppedTotal(); got != 1 {
		t.Errorf("dropped subscribers: got %d, want 1 (the one that never reads)", got)
	}
}

// TestStreamRefusesBadSince: a malformed since is a 400 before any upgrade.
func TestStreamRefusesBadSince(t *testing.T) {
	h := servertest.Start(t, servertest.Options{})
	for _, q := range []string{"?since=abc", "?since=-4"} {
		code, body := h.Raw("GET", "/api/v1/stream"+q, servertest.DisplayToken, nil)
		if code != 400 || !strings.Contains(string(body), "since") {
			t.Errorf("%s: got %d %s, want 400 naming since", q, code, body)
		}
	}
}

// servings are the ways the hall server meets a screen: the test server's
// bare socket, the hallserver command's guarded connection
// (server/connlimit wraps each socket), and HTTPS of its own.
var servings = []struct {
	name string
	opts servertest.Options
}{
	{"socket", servertest.Options{}},
	{"guarded", servertest.Options{Guarded: true}},
	{"tls", servertest.Options{Guarded: true, TLS: true}},
}

// TestStreamAnswersTheClient: the stream's one goroutine writes the events
// and reads what the client sent at each ping: a client that pings while
// events arrive gets its pong and every event whole, in order, and its
// close is answered with a close — on a bare socket, a guarded one and
// over TLS.
func TestStreamAnswersTheClient(t *testing.T) {
	for _, sv := range servings {
		t.Run(sv.name, func(t *testing.T) { streamAnswersTheClient(t, sv.opts) })
	}
}

func streamAnswersTheClient(t *testing.T, opts servertest.Options) {
	h := servertest.Start(t, opts)
	h.Server.Stream.PingPeriod = 50 * time.Millisecond // when the server reads what came
	d := &websocket.Dialer{HandshakeTimeout: time.Minute}
	if opts.TLS {
		d.TLSClientConfig = h.HTTP.Client().Transport.(*http.Transport).TLSClientConfig
	}
	c := dial(t, h, "", d)
	defer c.Close()
	last := read(t, c).Seq
	pongs := make(chan string, 10)
	c.SetPongHandler(func(s string) error { pongs <- s; return nil })
	// The client reads all along (gorilla handles pongs and the close
	// inside its reads).
	msgs := make(chan hallq.Snapshot, 100)
	ended := make(chan error, 1)
	go func() {
		for {
			c.SetReadDeadline(time.Now().Add(time.Minute))
			_, data, err := c.ReadMessage()
			if err != nil {
				ended <- err
				return
			}
			var m hallq.Snapshot
			json.Unmarshal(data, &m)
			msgs <- m
		}
	}()
	done := make(chan struct{})
	go func() { // events while the client pings
		defer close(done)
		for range 30 {
			issue(t, h, "A")
		}
	}()
	for i := range 5 {
		if err := c.WriteControl(websocket.PingMessage, []byte(fmt.Sprint("ping ", i)), time.Now().Add(10*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	<-done
	for range 30 {
		select {
		case m := <-msgs:
			if m.Seq != last+1 || m.Type != "ticket.issued" {
				t.Fatalf("got %s seq %d after %d, want ticket.issued seq %d", m.Type, m.Seq, last, last+1)
			}
			last = m.Seq
		case err := <-ended:
			t.Fatalf("the stream ended: %v", err)
		}
	}
	select {
	case p := <-pongs:
		if !strings.HasPrefix(p, "ping ") {
			t.Errorf("pong %q, want a ping's payload back", p)
		}
	case <-time.After(time.Minute):
		t.Fatal("no pong within a minute")
	}
	if err := c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye"), time.Now().Add(10*time.Second)); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-ended:
		if !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
			t.Errorf("after the client's close: got %v, want the server's close answer (1000)", err)
		}
	case <-time.After(time.Minute):
		t.Error("the client's close was not answered")
	}
}

// rawClient opens the stream on a bare socket and reads the upgrade
// answer: a client that never answers anything.
func rawClient(t *testing.T, h *servertest.Hall) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(h.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(c, "GET /api/v1/stream HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
	return c
}

// TestStreamEndsSilentAndGoneClients: a screen that answers no ping is
// taken for gone, and one whose connection closed is noticed at the next
// ping; neither stays subscribed (on a bare socket and a guarded one).
func TestStreamEndsSilentAndGoneClients(t *testing.T) {
	for _, sv := range servings[:2] {
		t.Run(sv.name, func(t *testing.T) { streamEndsSilentAndGoneClients(t, sv.opts) })
	}
}

func streamEndsSilentAndGoneClients(t *testing.T, opts servertest.Options) {
	h := servertest.Start(t, opts)
	h.Server.Stream.PingPeriod = 20 * time.Millisecond
	h.Server.Stream.SilentWait = 200 * time.Millisecond
	silent := rawClient(t, h)
	defer silent.Close()
	gone := rawClient(t, h)
	eventually.True(t, time.Minute, "two subscribers", func() bool { return h.Server.Hall.Hub.Len() == 2 })
	gone.Close()
	// The silent one reads (so that the server's writes go through) but
	// never pongs: the server closes it.
	silent.SetReadDeadline(time.Now().Add(time.Minute))
	var buf [4096]byte
	for {
		if _, err := silent.Read(buf[:]); err != nil {
			break // the server ended the connection
		}
	}
	eventually.True(t, time.Minute, "no subscriber left", func() bool { return h.Server.Hall.Hub.Len() == 0 })
}

// TestStreamOneGoroutinePerScreen: after its snapshot a screen costs the
// server one goroutine (which writes and, at each ping, reads), not a
// request goroutine and a reader blocked on its socket besides; with
// thousands of screens that is most of the server's memory (issue #18).
func TestStreamOneGoroutinePerScreen(t *testing.T) {
	h := servertest.Start(t, servertest.Options{})
	const n, slack = 200, 20
	base := runtime.NumGoroutine()
	for range n {
		c := rawClient(t, h)
		defer c.Close()
	}
	eventually.True(t, time.Minute, "every screen subscribed", func() bool { return h.Server.Hall.Hub.Len() == n })
	var got int
	eventually.True(t, time.Minute, "one goroutine per screen", func() bool {
		got = runtime.NumGoroutine() - base
		return got <= n+slack
	})
	if got < n-slack {
		t.Errorf("%d goroutines more for %d screens: who writes to them?", got, n)
	}
	if l := h.Server.Hall.Hub.Len(); l != n {
		t.Errorf("%d screens subscribed after the count, want all %d still there", l, n)
	}
}
