package hub

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

// TestFrameWriterReadByAClient writes frames of every length class
// (7-bit, 16-bit and 64-bit lengths) straight to the connection of a real
// websocket, several in one write, and reads them back with gorilla's
// client, which checks the framing as any browser would.
func TestFrameWriterReadByAClient(t *testing.T) {
	var payloads [][]byte
	for _, n := range []int{0, 1, 125, 126, 127, 1000, 65535, 65536, 200_000} {
		payloads = append(payloads, []byte(fmt.Sprintf(`{"n":%d,"pad":"%s"}`, n, strings.Repeat("đ", n/2))))
	}
	var msgs []*Message
	for i, p := range payloads {
		msgs = append(msgs, NewMessage(int64(i+1), p))
	}
	upgrader := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer conn.Close()
		// One message alone, then all the others in one write.
		var fw FrameWriter
		if err := fw.Write(conn.NetConn(), msgs[:1]); err != nil {
			t.Error(err)
		}
		if err := fw.Write(conn.NetConn(), msgs[1:]); err != nil {
			t.Error(err)
		}
		conn.ReadMessage() // until the client closes
	}))
	defer srv.Close()
	c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
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
