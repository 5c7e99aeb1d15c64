package loadgen

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestRawStreamReadsWhatAServerSends runs a websocket server (gorilla, as
// the hall's) that sends a snapshot, pings and waits for the pong, sends
// events of every frame-length class and out of order, then closes as
// "too slow"; the raw reader must read each message whole, answer the
// ping, count the events out of order and report the close.
func TestRawStreamReadsWhatAServerSends(t *testing.T) {
	big := strings.Repeat("x", 70_000) // a 64-bit length
	mid := strings.Repeat("y", 300)    // a 16-bit length
	pong := make(chan string, 1)
	upgrader := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/stream" || r.Header.Get("Authorization") != "Bearer tok" {
			http.Error(w, "wrong request", http.StatusBadRequest)
			return
		}
		c, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		c.SetPongHandler(func(s string) error { pong <- s; return nil })
		go func() { // the reader gorilla needs for control frames
			for {
				if _, _, err := c.NextReader(); err != nil {
					return
				}
			}
		}()
		send := func(s string) { c.WriteMessage(websocket.TextMessage, []byte(s)) }
		send(`{"type":"snapshot","seq":41,"hall":{"recent":[{"seq":40}]},"pad":"` + big + `"}`)
		c.WriteControl(websocket.PingMessage, []byte("are you there"), time.Now().Add(time.Second))
		select {
		case <-pong:
		case <-time.After(10 * time.Second):
			t.Error("no pong")
		}
		send(`{"seq":42,"type":"ticket.called","at":"2026-12-01T08:00:00+07:00","ticket":{"id":"abc","label":"A001"},"counter":1}`)
		send(`{"seq":43,"type":"ticket.issued","pad":"` + mid + `"}`)
		send(`{"seq":45,"type":"ticket.called","ticket":{"id":"def"}}`) // 44 missing
		send(`{"seq":45,"type":"ticket.finished"}`)                     // a repeat
		send(`{"seq":46,"type":"ticket.finished"}`)
		c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseTryAgainLater, "too slow"), time.Now().Add(time.Second))
		time.Sleep(100 * time.Millisecond)
	}))
	defer srv.Close()

	s, err := connect(context.Background(), srv.URL, "tok")
	if err != nil {
		t.Fatal(err)
	}
	<-s.done
	if s.seq != 46 || s.outOfOrder != 2 {
		t.Errorf("got last seq %d, %d out of order; want 46, 2 (a gap and a repeat)", s.seq, s.outOfOrder)
	}
	if len(s.got) != 2 || s.got["abc"].IsZero() || s.got["def"].IsZero() {
		t.Errorf("got calls %v, want abc and def", s.got)
	}
	if !tooSlow(s.end) {
		t.Errorf("got end %v, want the server's too-slow close", s.end)
	}
	if len(s.conn.buf) > rawBuf {
		t.Errorf("the buffer kept %d bytes after the snapshot, want %d", len(s.conn.buf), rawBuf)
	}
}

func TestRawStreamRefusesWhatIsNotAStream(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
	}))
	defer srv.Close()
	if _, err := connect(context.Background(), srv.URL, "bad"); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("got %v, want the server's 401 named", err)
	}
	if _, err := dialRaw(context.Background(), "ftp://x", ""); err == nil {
		t.Error("dialRaw of an ftp URL: no error")
	}
}

func TestEventFields(t *testing.T) {
	for _, c := range []struct {
		msg  string
		seq  int64
		call string
	}{
		{`{"seq":7,"type":"ticket.called","at":"x","ticket":{"id":"t1","label":"A1"}}`, 7, "t1"},
		{`{"seq":8,"type":"ticket.recalled","ticket":{"id":"t1"}}`, 8, ""},
		{`{"type":"snapshot","seq":123456789,"hall":{}}`, 123456789, ""},
		{`{"type":"snapshot"}`, -1, ""},
		{fmt.Sprintf(`{"seq":%s}`, strings.Repeat("9", 30)), -1, ""},
	} {
		if got := eventSeq([]byte(c.msg)); got != c.seq {
			t.Errorf("eventSeq(%s) = %d, want %d", c.msg, got, c.seq)
		}
		if got := calledTicket([]byte(c.msg)); got != c.call {
			t.Errorf("calledTicket(%s) = %q, want %q", c.msg, got, c.call)
		}
	}
}
