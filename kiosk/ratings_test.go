package kiosk_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/internal/eventually"
	"github.com/hallq/hallq/server/servertest"
)

// link is a network between the kiosk and the hall that can fail: while
// down, every connection is cut before an answer; with loseNext, the next
// request of a path reaches the server but its answer is lost.
type link struct {
	*httptest.Server
	down     atomic.Bool
	loseNext atomic.Value // path string
	requests atomic.Int64
}

func newLink(t testing.TB, target string) *link {
	u, _ := url.Parse(target)
	proxy := httputil.NewSingleHostReverseProxy(u)
	l := &link{}
	l.loseNext.Store("")
	l.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.requests.Add(1)
		cut := func() {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
		}
		if l.down.Load() {
			cut()
			return
		}
		if p := l.loseNext.Load().(string); p != "" && p == r.URL.Path && l.loseNext.CompareAndSwap(p, "") {
			proxy.ServeHTTP(httptest.NewRecorder(), r)
			cut()
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(l.Close)
	return l
}

// ratings lists the ratings recorded, in the order the server recorded them.
func ratings(t testing.TB, h *servertest.Hall) []*hallq.Rating {
	var rs []*hallq.Rating
	for _, e := range events(t, h) {
		if e.Type == hallq.EventRatingRecorded {
			rs = append(rs, e.Rating)
		}
	}
	return rs
}

// transitGap separates a press from the next ticket's call, on the clock
// the kiosk and the hall share: a skip of it, not a wait.
const transitGap = time.Minute

// TestRatingsThroughOutageAndRestart: 20 rating presses at a counter that
// serves ticket after ticket, while the kiosk cannot reach the server; the
// kiosk restarts after the 10th; then the server is reachable again. Every
// press is recorded once, in order, with its score, and lands on the
// ticket that was at the counter then. The kiosk, its boot clock and the
// hall read one clock that the test skips ahead between events.
func TestRatingsThroughOutageAndRestart(t *testing.T) {
	t.Parallel()
	// The test skips twenty minutes and more: it starts at 09:00 of the
	// hall's next day, so that no midnight (which closes the counters)
	// falls within it, whenever it runs.
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	today := time.Now().In(loc)
	clk := &skipClock{}
	clk.Skip(time.Until(time.Date(today.Year(), today.Month(), today.Day()+1, 9, 0, 0, 0, loc)))
	h := servertest.Start(t, servertest.Options{Now: clk.Now})
	net := newLink(t, h.URL)
	dir := t.TempDir()
	officer := h.Login("canbo1")
	if code := h.Do("POST", "/api/v1/counters/1/open", officer, nil, nil); code != 200 {
		t.Fatalf("open counter 1: status %d", code)
	}
	for i := 0; i < 20; i++ {
		if code := h.Do("POST", "/api/v1/tickets", servertest.KioskToken, map[string]string{"service": "A", "idempotency_key": fmt.Sprint("k", i)}, nil); code != 201 {
			t.Fatalf("issue: status %d", code)
		}
	}

	net.down.Store(true)
	r := newRig(t, rigOptions{url: net.URL, dir: dir, now: clk.Now})
	var served []string // ticket at the counter at press i
	scores := []string{"pad1-score3", "pad1-score2", "pad1-score1"}
	for i := 0; i < 20; i++ {
		var tk hallq.Ticket
		if code := h.Do("POST", "/api/v1/counters/1/next", officer, nil, &tk); code != 200 {
			t.Fatalf("next: status %d", code)
		}
		served = append(served, tk.ID)
		clk.Skip(time.Second)
		if i%2 == 1 {
			// Odd presses come after the officer finished: still this ticket.
			if code := h.Do("POST", "/api/v1/counters/1/finish", officer, nil, nil); code != 200 {
				t.Fatalf("finish: status %d", code)
			}
			clk.Skip(time.Second)
		}
		r.press(scores[i%3]) // returns past the hold-off of the pad's buttons
		if i%2 == 0 {
			if code := h.Do("POST", "/api/v1/counters/1/finish", officer, nil, nil); code != 200 {
				t.Fatalf("finish: status %d", code)
			}
		}
		// The server places a press at its arrival less the age the pad
		// measured when it sent it, so the press lands later by the time
		// the request took on its way. The next ticket is called a minute
		// after the press by the clock the kiosk and the hall read: a skip
		// of the clock, so no busy machine's transit comes near it.
		clk.Skip(transitGap)
		if i == 9 {
			// The kiosk restarts with ten presses in its outbox.
			eventually.True(t, wait, "ten presses stored", func() bool { n, _, _ := r.out.Len(t.Context()); return n == 10 })
			r.stop()
			r = newRig(t, rigOptions{url: net.URL, dir: dir, now: clk.Now})
		}
	}
	eventually.True(t, wait, "twenty presses stored", func() bool { n, _, _ := r.out.Len(t.Context()); return n == 20 })
	if got := ratings(t, h); len(got) != 0 {
		t.Fatalf("got %d ratings through a cut network, want 0", len(got))
	}

	net.down.Store(false)
	eventually.True(t, wait, "the outbox to empty", func() bool { n, _, _ := r.out.Len(t.Context()); return n == 0 })
	rs := ratings(t, h)
	if len(rs) != 20 {
		t.Fatalf("got %d ratings, want 20", len(rs))
	}
	// A fresh outbox numbers a pad's presses from the wall clock in ms (so
	// a lost outbox never reuses numbers), then one by one.
	if first := rs[0].DeviceSeq; first < time.Now().Add(-time.Hour).UnixMilli() || first > clk.Now().UnixMilli() {
		t.Errorf("got first device_seq %d, want one from the wall clock", first)
	}
	for i, rt := range rs {
		wantScore := 3 - i%3
		if rt.DeviceSeq != rs[0].DeviceSeq+int64(i) || rt.Score != wantScore || rt.Counter != 1 {
			t.Errorf("rating %d: got seq %d score %d counter %d, want seq %d score %d counter 1", i, rt.DeviceSeq, rt.Score, rt.Counter, rs[0].DeviceSeq+int64(i), wantScore)
		}
		restarted := i < 10
		if rt.AgeCapped != restarted {
			t.Errorf("rating %d: got age_capped %v, want %v", i, rt.AgeCapped, restarted)
		}
		// Those pressed before the restart are aged by the boot clock,
		// which the rig's kiosk reads on the test's clock: exact too.
		if rt.TicketID != served[i] {
			t.Errorf("rating %d (age capped %v): attached to %q, want the ticket at the counter then, %q", i, rt.AgeCapped, rt.TicketID, served[i])
		}
	}
}

// TestRatingAnswerLost: the server records a press but its answer is lost;
// the kiosk sends the same device_seq again and the server keeps one.
func TestRatingAnswerLost(t *testing.T) {
	t.Parallel()
	h := servertest.Start(t, servertest.Options{})
	net := newLink(t, h.URL)
	net.loseNext.Store("/api/v1/ratings")
	r := newRig(t, rigOptions{url: net.URL})
	r.press("pad1-score3")
	// The outbox lets a press go only once the server has recorded it, and
	// sends one at a time: empty, every send has been answered.
	eventually.True(t, wait, "the press delivered", func() bool { n, _, _ := r.out.Len(t.Context()); return n == 0 && net.loseNext.Load() == "" })
	rs := ratings(t, h)
	if len(rs) != 1 || rs[0].Score != 3 {
		t.Fatalf("got %+v, want one rating with score 3", rs)
	}
}
