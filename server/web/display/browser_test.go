package display_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/internal/browsertest"
	"github.com/hallq/hallq/internal/netcut"
)

// startBrowser starts one headless Chromium for a test or benchmark
// (skipped without Chromium, except in CI).
func startBrowser(tb testing.TB) *browsertest.Browser { return browsertest.Start(tb) }

// TestBrowser drives the pages in one headless Chromium, a tab per subtest.
func TestBrowser(t *testing.T) {
	b := startBrowser(t)
	// Every tab fails its test if the page throws, logs an error or gets
	// an error from its own server (a missing favicon included).
	tab := func(t *testing.T) *browsertest.Tab { return b.Tab(t, browsertest.TabOptions{}) }
	ctx := func(t *testing.T) context.Context { return tab(t).Ctx }
	t.Run("HallCallsAndResume", func(t *testing.T) { testHallCallsAndResume(t, tab(t)) })
	t.Run("Announcements", func(t *testing.T) { testAnnouncements(t, ctx(t)) })
	t.Run("CounterPage", func(t *testing.T) { testCounterPage(t, ctx(t)) })
	t.Run("TicketPage", func(t *testing.T) { testTicketPage(t, tab(t)) })
	t.Run("HallLayout", func(t *testing.T) { testHallLayout(t, tab(t)) })
	t.Run("RecallKeepsRows", func(t *testing.T) { testRecallKeepsRows(t, tab(t)) })
	t.Run("CounterLayout", func(t *testing.T) { testCounterLayout(t, tab(t)) })
	t.Run("PhoneLayoutAndStates", func(t *testing.T) { testPhone(t, tab(t)) })
	t.Run("PhoneBadLink", func(t *testing.T) { testPhoneBadLink(t, tab(t)) })
	t.Run("EnrolsItself", func(t *testing.T) { testEnrolsItself(t, b.Tab(t, browsertest.TabOptions{OwnCookies: true})) })
	t.Run("CounterEnrols", func(t *testing.T) { testCounterEnrols(t, b.Tab(t, browsertest.TabOptions{OwnCookies: true})) })
	t.Run("BookPage", func(t *testing.T) { testBookPage(t, func() *browsertest.Tab { return tab(t) }) })
	t.Run("BookingBadLink", func(t *testing.T) { testBookingBadLink(t, tab(t)) })
}

// rows reads the hall page's call list as a person sees it: "label counter".
func rows(t *testing.T, ctx context.Context) []string {
	t.Helper()
	out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
		`[...document.querySelectorAll('#calls li')].map(li => li.querySelector('.number').innerText + ' ' + li.querySelector('.counter').innerText)`))
	if err != nil {
		t.Fatalf("read calls: %v", err)
	}
	return out
}

// visible reports whether the element is shown.
func visible(t *testing.T, ctx context.Context, sel string) bool {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(
		`(() => { const e = document.querySelector(%q); return !!e && !e.hidden && getComputedStyle(e).display !== 'none'; })()`, sel)))
	if err != nil {
		t.Fatalf("read %s: %v", sel, err)
	}
	return v
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`(document.querySelector(%q) || {}).innerText || ""`, sel)))
	if err != nil {
		t.Fatalf("read %s: %v", sel, err)
	}
	return s
}

func eventually(t *testing.T, d time.Duration, what string, ok func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !ok() {
		if time.Since(start) > d {
			t.Fatalf("after %v: %s", d, what)
		}
		time.Sleep(25 * time.Millisecond)
	}
	return time.Since(start)
}

// testHallCallsAndResume: a call made through the API appears on the hall
// page; the network between the page and the server goes down, five calls
// are made, the network comes back: all five appear, in order.
func testHallCallsAndResume(t *testing.T, tab *browsertest.Tab) {
	ctx := tab.Ctx
	// The page's own requests fail while the network is cut: expected.
	tab.Allow("ERR_CONNECTION")
	h := startHall(t, nil)
	proxy, err := netcut.New(h.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	for i := 0; i < 8; i++ {
		h.issue("A")
	}
	h.counter(1, "open")
	if err := chromedp.Do(ctx, chromedp.Navigate("http://"+proxy.Addr()+"/display/hall?audio=0")); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the page shows the waiting count", func() bool {
		return strings.Contains(text(t, ctx, "#services"), "8")
	})

	first := h.call(1)
	want := first.Label + " 1"
	d := eventually(t, 10*time.Second, "the call appears", func() bool {
		r := rows(t, ctx)
		return len(r) > 0 && r[0] == want
	})
	t.Logf("call → page: %v (polled every 25 ms)", d)
	cls, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#calls li').className`))
	if !strings.Contains(cls, "newest") || !strings.Contains(cls, "blink") {
		t.Errorf("newest row has classes %q, want newest and blink", cls)
	}

	proxy.Down()
	eventually(t, 10*time.Second, "the page says it is disconnected", func() bool { return visible(t, ctx, "#offline") })
	if s := text(t, ctx, "#offline"); !strings.Contains(s, "Mất kết nối") {
		t.Errorf("offline banner reads %q", s)
	}
	var five []string
	for i := 0; i < 5; i++ {
		five = append(five, h.call(1).Label+" 1")
	}
	time.Sleep(300 * time.Millisecond)
	if r := rows(t, ctx); len(r) == 0 || r[0] != want {
		t.Fatalf("while offline the page shows %v", r)
	}
	proxy.Up()
	slices.Reverse(five) // newest first
	eventually(t, 15*time.Second, "the five calls appear in order after reconnecting", func() bool {
		r := rows(t, ctx)
		return len(r) >= 6 && slices.Equal(r[:5], five) && r[5] == want
	})
	eventually(t, 5*time.Second, "the offline banner goes away", func() bool { return !visible(t, ctx, "#offline") })
	if proxy.Cuts() < 1 {
		t.Error("the network was never cut")
	}
}

// testAnnouncements: three calls within 100 ms are announced one after the
// other: the page asks for the next announcement only once the previous one
// has played to its end.
func testAnnouncements(t *testing.T, ctx context.Context) {
	clips := shortClips(t)
	h := startHall(t, func(s *hallq.Settings) {
		s.AnnounceEngine = hallq.AnnounceClips
		s.AnnounceClips = clips
	})
	for i := 0; i < 3; i++ {
		h.issue("A")
	}
	for n := 1; n <= 3; n++ {
		h.counter(n, "open")
	}
	var mu sync.Mutex
	// Each request at the browser's own time of sending it (its monotonic
	// clock): the time this process reads the event would be late by
	// however long a busy machine kept it from running, and two requests
	// read together would look simultaneous.
	type req struct {
		at  time.Duration
		url string
	}
	var reqs []req
	if err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok && strings.Contains(e.Request.URL, "/api/v1/announcements/") {
			mu.Lock()
			reqs = append(reqs, req{time.Duration(e.Timestamp.Float64() * float64(time.Second)), e.Request.URL})
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(h.URL+"/display/hall")); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the page is connected", func() bool { return strings.Contains(text(t, ctx, "#services"), "3") })

	// Three calls at three counters, within 100 ms.
	var wg sync.WaitGroup
	start := time.Now()
	for n := 1; n <= 3; n++ {
		wg.Add(1)
		go func() { defer wg.Done(); h.counter(n, "next") }()
	}
	wg.Wait()
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Logf("the three calls took %v (more than 100 ms on this machine)", d)
	}
	eventually(t, 20*time.Second, "three announcements requested", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(reqs) >= 3
	})
	time.Sleep(200 * time.Millisecond)
	mu.Lock()
	got := slices.Clone(reqs)
	mu.Unlock()
	if len(got) != 3 {
		t.Fatalf("%d announcement requests, want 3: %v", len(got), got)
	}
	for i := 1; i < len(got); i++ {
		if got[i].url <= got[i-1].url && len(got[i].url) == len(got[i-1].url) {
			t.Errorf("announcements out of order: %s after %s", got[i].url, got[i-1].url)
		}
		dur := wavDuration(t, got[i-1].url)
		gap := got[i].at - got[i-1].at
		if gap < dur-50*time.Millisecond {
			t.Errorf("announcement %d was requested %v after the previous one, which lasts %v: they overlap", i+1, gap, dur)
		}
		t.Logf("announcement %d: %v after the previous (which lasts %v)", i+1, gap.Round(time.Millisecond), dur.Round(time.Millisecond))
	}
	if visible(t, ctx, "#soundoff") {
		t.Error("the page says the sound is blocked, though autoplay is allowed")
	}
}

// get fetches url and returns its answer's status, headers and body.
func get(t *testing.T, url string) (int, http.Header, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	return resp.StatusCode, resp.Header, data
}

// wavDuration fetches an announcement and reads its length from the header.
func wavDuration(t *testing.T, url string) time.Duration {
	t.Helper()
	status, _, data := get(t, url)
	if status != 200 || len(data) < 44 {
		t.Fatalf("%s: %d, %d bytes", url, status, len(data))
	}
	rate := binary.LittleEndian.Uint32(data[24:])
	n := binary.LittleEndian.Uint32(data[40:]) / 2
	return time.Duration(float64(n) / float64(rate) * float64(time.Second))
}

// testCounterPage: the counter screen shows its current number and state.
func testCounterPage(t *testing.T, ctx context.Context) {
	h := startHall(t, nil)
	h.issue("A")
	h.counter(2, "open")
	if err := chromedp.Do(ctx, chromedp.Navigate(h.URL+"/display/counter/2?lang=en")); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the counter shows it is open", func() bool { return text(t, ctx, "#state") == "Open" })
	tk := h.call(2)
	eventually(t, 10*time.Second, "the counter shows the number called", func() bool {
		return text(t, ctx, "#current") == tk.Label && text(t, ctx, "#state") == "Please go to counter"
	})
	h.counter(2, "start")
	eventually(t, 10*time.Second, "serving", func() bool { return text(t, ctx, "#state") == "Now serving" })
	h.counter(2, "finish")
	h.counter(2, "pause")
	eventually(t, 10*time.Second, "paused and empty", func() bool {
		return text(t, ctx, "#current") == "—" && text(t, ctx, "#state") == "Paused"
	})
}

// testTicketPage: the citizen's phone follows the ticket from its QR code
// until it is called.
func testTicketPage(t *testing.T, tab *browsertest.Tab) {
	ctx := tab.Ctx
	h := startHall(t, nil)
	// The wrong secret below: the API refuses it, as it should.
	tab.Allow(" for " + h.URL + "/api/v1/tickets/")
	h.issue("A")
	tk := h.issue("A")
	if !strings.Contains(tk.StatusURL, "/t/") {
		t.Fatalf("status_url %q", tk.StatusURL)
	}
	path := tk.StatusURL[strings.Index(tk.StatusURL, "/t/"):]
	if err := chromedp.Do(ctx, chromedp.Navigate(h.URL+path)); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the ticket shows", func() bool {
		return text(t, ctx, "#t-number") == tk.Label && text(t, ctx, "#t-ahead") == "1"
	})
	if s := text(t, ctx, "#t-service"); s != "Hộ tịch" {
		t.Errorf("service reads %q, want Hộ tịch", s)
	}
	h.counter(3, "open")
	h.call(3)
	h.call(3)
	eventually(t, 10*time.Second, "the phone says the number is called at counter 3", func() bool {
		return strings.Contains(text(t, ctx, "#t-state"), "quầy số 3")
	})
	// A wrong secret shows nothing of the ticket.
	bad := strings.Replace(path, "?k=", "?k=x", 1)
	if err := chromedp.Do(ctx, chromedp.Navigate(h.URL+bad)); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "a wrong secret is refused", func() bool {
		return strings.Contains(text(t, ctx, "#t-state"), "Không tìm thấy")
	})
	if s := text(t, ctx, "#t-number"); s == tk.Label {
		t.Errorf("a wrong secret showed the ticket")
	}
}
