package kiosk_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/internal/eventually"
	"github.com/hallq/hallq/kiosk"
	"github.com/hallq/hallq/printer/decode"
	"github.com/hallq/hallq/printer/printertest"
	"github.com/hallq/hallq/printer/transport"
	"github.com/hallq/hallq/server/servertest"
)

func TestOnePressOneTicket(t *testing.T) {
	t.Parallel()
	L, H := gpio.Low, gpio.High
	tests := []struct {
		name   string
		levels []gpio.Level
		hold   time.Duration
	}{
		{"clean press", []gpio.Level{L}, 40 * time.Millisecond},
		{"bouncing edges inside the debounce window", []gpio.Level{L, H, L, H, L, H, L}, 40 * time.Millisecond},
		{"held button", []gpio.Level{L}, 700 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := servertest.Start(t, servertest.Options{})
			r := newRig(t, rigOptions{url: h.URL})
			// Down (bouncing or not) until the debounce took it, held on
			// for the case's time, then up with a bounce.
			if err := r.board.Edges("A", tc.levels...); err != nil {
				t.Fatal(err)
			}
			if err := r.board.WaitRead("A", L); err != nil {
				t.Fatal(err)
			}
			time.Sleep(tc.hold)
			if err := r.board.Edges("A", H, L, H); err != nil {
				t.Fatal(err)
			}
			if err := r.board.WaitRead("A", H); err != nil {
				t.Fatal(err)
			}
			if err := r.printer.WaitCuts(1, wait); err != nil {
				t.Fatal(err)
			}
			// The kiosk confirms the print to the server, counts it and puts
			// its lamps out after the cut: wait for all of it.
			eventually.True(t, wait, "the ticket done, the button and busy lamps dark", func() bool {
				st := r.k.State()
				return st.Printed == 1 && !st.Busy && !r.board.Lit("A-led") && !r.board.Lit("busy")
			})
			// Room for a wrong second ticket: a busy machine only makes one
			// less likely to show, never fails a right kiosk.
			time.Sleep(300 * time.Millisecond)
			ts := issued(t, h)
			if len(ts) != 1 {
				t.Fatalf("got %d tickets issued, want 1", len(ts))
			}
			if got := r.printer.Cuts(); got != 1 {
				t.Errorf("got %d tickets printed, want 1", got)
			}
			// The ticket on paper is the server's, with its status URL in the QR code.
			res, err := decode.Render(r.printer.Received(), decode.Options{Fonts: testFonts(t)})
			if err != nil {
				t.Fatal(err)
			}
			tk := ticket(t, h, ts[0].ID)
			if len(res.QRCodes) != 1 || res.QRCodes[0] != tk.StatusURL || tk.StatusURL == "" {
				t.Errorf("got QR codes %q, want the status URL %q", res.QRCodes, tk.StatusURL)
			}
			if !strings.Contains(strings.Join(res.Lines, "\n"), tk.Label) {
				t.Errorf("printed lines %q do not show the label %s", res.Lines, tk.Label)
			}
			if st := r.k.State(); st.Printed != 1 || st.LastTicket != tk.Label || st.Fault {
				t.Errorf("got state %+v, want one ticket printed and no fault", st)
			}
		})
	}
}

func TestPaperOutBeforePress(t *testing.T) {
	t.Parallel()
	h := servertest.Start(t, servertest.Options{})
	r := newRig(t, rigOptions{url: h.URL})
	r.printer.Set(printertest.PaperOut)
	r.press("A")
	// The kiosk sets its lamps with its state: once the state says paper
	// out, the lamps say it too.
	eventually.True(t, wait, "paper out", func() bool { return r.k.State().PaperOut })
	if !r.board.Lit("fault") {
		t.Error("got the fault lamp dark, want lit")
	}
	if !r.board.Lit("paper") {
		t.Error("got the paper lamp dark, want lit")
	}
	st := r.k.State()
	if !st.Fault || !st.PaperOut || !strings.Contains(st.LastError, "paper out") {
		t.Errorf("got state %+v, want fault, paper out and why", st)
	}
	time.Sleep(100 * time.Millisecond)
	if ts := issued(t, h); len(ts) != 0 {
		t.Errorf("got %d tickets issued with no paper, want 0", len(ts))
	}
	if r.printer.Cuts() != 0 {
		t.Error("got a ticket printed, want none")
	}

	// Paper back: the next press prints and the lamps go out.
	r.printer.Clear(printertest.PaperOut)
	r.press("A")
	if err := r.printer.WaitCuts(1, wait); err != nil {
		t.Fatal(err)
	}
	eventually.True(t, wait, "the lamps to go out", func() bool { return !r.board.Lit("fault") && !r.board.Lit("paper") })
}

// paperOutOnJob runs out of paper as the first print job (anything longer
// than a status query) starts.
func paperOutOnJob(p *printertest.Printer) func(transport.Conn) transport.Conn {
	var once sync.Once
	return func(c transport.Conn) transport.Conn {
		return writeHook{c, func(b []byte) {
			if len(b) > 3 {
				once.Do(func() { p.Set(printertest.PaperOut) })
			}
		}}
	}
}

type writeHook struct {
	transport.Conn
	hook func([]byte)
}

func (w writeHook) Write(b []byte) (int, error) {
	w.hook(b)
	return w.Conn.Write(b)
}

func TestPaperOutMidPrint(t *testing.T) {
	t.Parallel()
	h := servertest.Start(t, servertest.Options{})
	p := printertest.New()
	r := newRig(t, rigOptions{url: h.URL, printer: p, wrap: paperOutOnJob(p)})
	r.press("A")
	eventually.True(t, wait, "the print failure", func() bool { return r.k.State().Failed == 1 })
	ts := issued(t, h)
	if len(ts) != 1 {
		t.Fatalf("got %d tickets issued, want 1", len(ts))
	}
	eventually.True(t, wait, "the ticket cancelled", func() bool { return ticket(t, h, ts[0].ID).State == hallq.StateCancelled })
	if tk := ticket(t, h, ts[0].ID); tk.Reason != kiosk.ReasonPrintFailed {
		t.Errorf("got cancel reason %q, want %q", tk.Reason, kiosk.ReasonPrintFailed)
	}
	st := r.k.State()
	if !st.Fault || !r.board.Lit("fault") || !strings.Contains(st.LastError, "did not print") {
		t.Errorf("got state %+v (fault lamp %v), want the fault lamp and why", st, r.board.Lit("fault"))
	}
	// The hall never calls it: counter 1 serves A, and nobody waits.
	officer := h.Login("canbo1")
	if code := h.Do("POST", "/api/v1/counters/1/open", officer, nil, nil); code != 200 {
		t.Fatalf("open: %d", code)
	}
	if code := h.Do("POST", "/api/v1/counters/1/next", officer, nil, nil); code != 204 {
		t.Errorf("got status %d calling next, want 204 (the unprinted ticket is never called)", code)
	}
}

func TestPriorityButton(t *testing.T) {
	t.Parallel()
	h := servertest.Start(t, servertest.Options{})
	r := newRig(t, rigOptions{url: h.URL})
	r.press("priority")
	eventually.True(t, wait, "the priority lamp", func() bool { return r.board.Lit("priority-led") })
	r.press("B")
	if err := r.printer.WaitCuts(1, wait); err != nil {
		t.Fatal(err)
	}
	// A press while its own ticket is still on its way is ignored: wait
	// (press returns past the button's hold-off).
	eventually.True(t, wait, "the first ticket done", func() bool { st := r.k.State(); return st.Printed == 1 && !st.Busy })
	r.press("B")
	if err := r.printer.WaitCuts(2, wait); err != nil {
		t.Fatal(err)
	}
	ts := issued(t, h)
	if len(ts) != 2 || ts[0].Priority != "elderly" || ts[1].Priority != "" || ts[0].Service != "B" {
		t.Fatalf("got %+v, want a priority ticket for B, then a normal one", ts)
	}
	if r.board.Lit("priority-led") {
		t.Error("got the priority lamp lit after its ticket, want dark")
	}
}

// TestLostResponseRetried: the server issues the ticket but its answer is
// lost; the kiosk retries with the same idempotency key and gets the same
// ticket, so one ticket is issued and printed.
func TestLostResponseRetried(t *testing.T) {
	t.Parallel()
	h := servertest.Start(t, servertest.Options{})
	target, _ := url.Parse(h.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	var dropped atomic.Int32
	var keys sync.Map
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method == "POST" && req.URL.Path == "/api/v1/tickets" {
			body, _ := readAll(req)
			keys.Store(string(body), true)
			if dropped.Add(1) == 1 {
				// Forward, let the server issue the ticket, then lose the answer.
				rec := httptest.NewRecorder()
				proxy.ServeHTTP(rec, req)
				hj, _ := w.(http.Hijacker)
				conn, _, _ := hj.Hijack()
				conn.Close()
				return
			}
		}
		proxy.ServeHTTP(w, req)
	}))
	t.Cleanup(front.Close)
	r := newRig(t, rigOptions{url: front.URL})
	r.press("A")
	if err := r.printer.WaitCuts(1, wait); err != nil {
		t.Fatal(err)
	}
	// Printed only after the retry was answered.
	if n := dropped.Load(); n < 2 {
		t.Fatalf("got %d ticket requests, want a retry", n)
	}
	n := 0
	keys.Range(func(any, any) bool { n++; return true })
	if n != 1 {
		t.Errorf("got %d different request bodies, want 1 (the same idempotency key)", n)
	}
	if ts := issued(t, h); len(ts) != 1 {
		t.Errorf("got %d tickets issued, want 1", len(ts))
	}
	if c := r.printer.Cuts(); c != 1 {
		t.Errorf("got %d tickets printed, want 1", c)
	}
}

func readAll(req *http.Request) ([]byte, error) {
	var b bytes.Buffer
	_, err := b.ReadFrom(req.Body)
	req.Body.Close()
	req.Body = nopCloser{bytes.NewReader(b.Bytes())}
	req.ContentLength = int64(b.Len())
	return b.Bytes(), err
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

func TestServerUnreachableLamp(t *testing.T) {
	t.Parallel()
	dead := httptest.NewServer(http.NotFoundHandler())
	url := dead.URL
	dead.Close()
	toml := strings.Replace(kioskTOML, `issue_deadline = "3s"`, `issue_deadline = "300ms"`, 1)
	r := newRig(t, rigOptions{url: url, toml: toml})
	r.press("A")
	eventually.True(t, wait, "the server lamp", func() bool { return r.board.Lit("server") })
	eventually.True(t, wait, "the button lamp dark: the kiosk gave up", func() bool { return !r.board.Lit("A-led") && !r.k.State().Busy })
	if r.printer.Cuts() != 0 {
		t.Error("got a ticket printed without a server, want none")
	}
}

// TestIdleCounterWaitsForThePrint: while the kiosk prints, an idle counter
// asking for the next ticket gets nobody; once the kiosk confirms the print
// the counter calls it, and when the print fails the ticket is cancelled
// and never called (no ghost ticket).
func TestIdleCounterWaitsForThePrint(t *testing.T) {
	t.Parallel()
	for _, printed := range []bool{true, false} {
		t.Run(fmt.Sprintf("printed=%v", printed), func(t *testing.T) {
			t.Parallel()
			// The hall's clock stands still: the hold cannot run out while
			// a busy machine runs the test slowly.
			now := time.Now()
			h := servertest.Start(t, servertest.Options{Now: func() time.Time { return now }})
			officer := h.Login("canbo1")
			if code := h.Do("POST", "/api/v1/counters/1/open", officer, nil, nil); code != 200 {
				t.Fatalf("open: %d", code)
			}
			p := printertest.New()
			gate := make(chan struct{})
			var once, opened sync.Once
			open := func() { opened.Do(func() { close(gate) }) }
			hold := func(c transport.Conn) transport.Conn {
				return writeHook{c, func(b []byte) {
					if len(b) > 3 { // the job, not a status query
						once.Do(func() {
							<-gate
							if !printed {
								p.Set(printertest.PaperOut)
							}
						})
					}
				}}
			}
			r := newRig(t, rigOptions{url: h.URL, printer: p, wrap: hold})
			t.Cleanup(open) // runs before the rig's cleanup, which waits for the print
			r.press("A")
			eventually.True(t, wait, "the ticket issued", func() bool { return len(issued(t, h)) == 1 })
			tk := ticket(t, h, issued(t, h)[0].ID)
			if tk.HeldUntil == nil {
				t.Fatal("the kiosk's ticket is not held while it prints")
			}
			// 300 ms write and read timeouts in kioskTOML: 0.3 + 4×0.3 + 5 s.
			if d := tk.HeldUntil.Sub(tk.IssuedAt); d < 6*time.Second || d > 7*time.Second {
				t.Errorf("hold of %v, want about 6.5 s", d)
			}
			for range 5 {
				if code, body := h.Raw("POST", "/api/v1/counters/1/next", officer, nil); code != 204 {
					t.Fatalf("next during the print: %d %s, want 204", code, body)
				}
				time.Sleep(20 * time.Millisecond)
			}
			open()
			if printed {
				if err := p.WaitCuts(1, wait); err != nil {
					t.Fatal(err)
				}
				eventually.True(t, wait, "the print confirmed", func() bool { return ticket(t, h, tk.ID).HeldUntil == nil })
				var called hallq.Ticket
				if code := h.Do("POST", "/api/v1/counters/1/next", officer, nil, &called); code != 200 || called.ID != tk.ID {
					t.Fatalf("next after the print: %d %s, want 200 %s", code, called.Label, tk.Label)
				}
				return
			}
			eventually.True(t, wait, "the ticket cancelled", func() bool {
				if code, body := h.Raw("POST", "/api/v1/counters/1/next", officer, nil); code != 204 {
					t.Fatalf("next while the print failed: %d %s, want 204", code, body)
				}
				return ticket(t, h, tk.ID).State == hallq.StateCancelled
			})
		})
	}
}
