package stream

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/hallq/hallq/server/hub"
)

// TestFramesReadByAClient writes frames of every length class (7-bit,
// 16-bit and 64-bit lengths) straight to the socket of a real websocket —
// first as the hub does, without waiting (hub.Writer: whatever part the
// socket takes), then the rest as the stream's goroutine does, several in
// one write — and reads them back with gorilla's client, which checks the
// framing as any browser would.
func TestFramesReadByAClient(t *testing.T) {
	var payloads [][]byte
	for _, n := range []int{0, 1, 125, 126, 127, 1000, 65535, 65536, 200_000, 3_000_000} {
		payloads = append(payloads, []byte(fmt.Sprintf(`{"n":%d,"pad":"%s"}`, n, strings.Repeat("đ", n/2))))
	}
	var frames [][]byte
	for i, p := range payloads {
		frames = append(frames, hub.NewMessage(int64(i+1), p).Frame)
	}
	upgrader := websocket.Upgrader{}
	tried := make(chan int, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer conn.Close()
		c := newRawConn(conn.NetConn())
		smallBuffer(t, conn.NetConn().(syscall.Conn), syscall.SO_SNDBUF)
		rest := frames
		if w := c.writer(); w != nil {
			// 3 MB does not fit in the socket's small buffer: the write without
			// waiting takes part of it.
			n, err := w.TryWrite(frames)
			if err != nil {
				t.Error(err)
			}
			tried <- n
			rest = consume(append([][]byte(nil), frames...), n)
		} else {
			tried <- -1
		}
		if err := c.write(rest, time.Minute); err != nil {
			t.Error(err)
		}
		conn.ReadMessage() // until the client closes
	}))
	defer srv.Close()
	nd := &net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
	}}
	c, _, err := (&websocket.Dialer{NetDial: nd.Dial}).Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	total := 0
	for _, f := range frames {
		total += len(f)
	}
	if n := <-tried; n >= 0 && (n == 0 || n >= total) {
		t.Errorf("the write without waiting took %d bytes of %d: want some, not all", n, total)
	}
	for i, want := range payloads {
		kind, got, err := c.ReadMessage()
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if kind != websocket.TextMessage || !bytes.Equal(got, want) {
			t.Fatalf("message %d: got kind %d, %d bytes; want text, %d bytes", i, kind, len(got), len(want))
		}
	}
}

// smallBuffer sets a socket's buffer (SO_SNDBUF or SO_RCVBUF) to a few KB.
func smallBuffer(t *testing.T, c syscall.Conn, opt int) {
	rc, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	rc.Control(func(fd uintptr) {
		if err := syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, opt, 4096); err != nil {
			t.Error(err)
		}
	})
}
