package server_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/server/servertest"
)

// TestPublicStreamLeaksNothing: the stream from the start (since=0) as an
// anonymous screen and as a display device carries every sequence number
// but no rating and no staff attribution; a staff session still gets them
// all. The hall view read without a session shows no officer either.
func TestPublicStreamLeaksNothing(t *testing.T) {
	h := servertest.Start(t, servertest.Options{})
	officer := h.Login("canbo1")
	h.Do("POST", "/api/v1/counters/1/open", officer, nil, nil)
	issue(t, h, "A")
	if code := h.Do("POST", "/api/v1/counters/1/next", officer, nil, nil); code != 200 {
		t.Fatalf("next: %d", code)
	}
	h.Do("POST", "/api/v1/counters/1/finish", officer, nil, nil)
	if code := h.Do("POST", "/api/v1/ratings", servertest.PadToken(1), map[string]any{"counter": 1, "score": 3, "device_seq": 1, "age_ms": 0}, nil); code != 201 && code != 200 {
		t.Fatalf("rating: %d", code)
	}
	issue(t, h, "A") // a public event after the rating
	issue(t, h, "B")
	var lastSeq int64
	var page hallq.EventPage
	h.Do("GET", "/api/v1/events?since=0&limit=500", h.Login("quanly"), nil, &page)
	for _, ev := range page.Events {
		lastSeq = max(lastSeq, ev.Seq)
	}
	if lastSeq == 0 {
		t.Fatal("no events logged")
	}

	follow := func(token string) []string {
		t.Helper()
		u := "ws" + strings.TrimPrefix(h.URL, "http") + "/api/v1/stream?since=0"
		hdr := http.Header{}
		if token != "" {
			hdr.Set("Authorization", "Bearer "+token)
		}
		c, resp, err := websocket.DefaultDialer.Dial(u, hdr)
		if err != nil {
			t.Fatalf("dial as %q: %v (%v)", token, err, resp)
		}
		defer c.Close()
		var msgs []string
		seq := int64(0)
		for seq < lastSeq {
			c.SetReadDeadline(time.Now().Add(time.Minute))
			_, data, err := c.ReadMessage()
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			msgs = append(msgs, string(data))
			var m struct {
				Type string `json:"type"`
				Seq  int64  `json:"seq"`
			}
			json.Unmarshal(data, &m)
			if m.Type == hallq.SnapshotType {
				continue
			}
			if m.Seq != seq+1 {
				t.Fatalf("as %q: event %d after %d (a gap)", token, m.Seq, seq)
			}
			seq = m.Seq
		}
		return msgs
	}
	for _, who := range []struct{ name, token string }{{"anonymous", ""}, {"display", servertest.DisplayToken}} {
		msgs := follow(who.token)
		all := strings.Join(msgs, "\n")
		for _, secret := range []string{`"rating.recorded"`, `"rating":`, `"device_seq"`, `"actor"`, `canbo1`, `"device"`} {
			if strings.Contains(all, secret) {
				t.Errorf("%s stream carries %s:\n%s", who.name, secret, all)
			}
		}
		if named := regexp.MustCompile(`"officer":"[^"]`).FindString(all); named != "" {
			t.Errorf("%s stream names an officer:\n%s", who.name, all)
		}
		if !strings.Contains(all, `"ticket.called"`) || !strings.Contains(all, `"staff_only"`) {
			t.Errorf("%s stream lacks the call or the rating's placeholder:\n%s", who.name, all)
		}
	}
	staff := strings.Join(follow(officer), "\n")
	for _, want := range []string{`"rating.recorded"`, `"officer":"canbo1"`, `"actor":"user:canbo1"`} {
		if !strings.Contains(staff, want) {
			t.Errorf("the staff stream lacks %s", want)
		}
	}

	code, body := h.Raw("GET", "/api/v1/hall", "", "")
	if code != 200 || strings.Contains(string(body), "canbo1") || strings.Contains(string(body), `"actor"`) {
		t.Errorf("anonymous GET /api/v1/hall: %d, names staff: %s", code, body)
	}
}
