package browsertest

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// Viewport is a screen a page is looked at on.
type Viewport struct {
	Name string // for file names and messages, e.g. "1920x1080"
	W, H int
	// Mobile emulates a phone: the page's viewport meta applies, touch on.
	Mobile bool
}

func (v Viewport) String() string { return fmt.Sprintf("%s %d×%d", v.Name, v.W, v.H) }

// The screens hallq's pages run on (issue 13).
var (
	// Hall TVs: 1080p, the common HD-ready panels, 720p.
	TVs = []Viewport{{"1920x1080", 1920, 1080, false}, {"1366x768", 1366, 768, false}, {"1280x720", 1280, 720, false}}
	// Kiosk touch screens: the official 7" Raspberry Pi display, 7"/10"
	// panels, a 1080p screen, and a portrait totem.
	Kiosks = []Viewport{{"800x480", 800, 480, false}, {"1024x600", 1024, 600, false}, {"1280x800", 1280, 800, false},
		{"1920x1080", 1920, 1080, false}, {"1080x1920", 1080, 1920, false}}
	// Phones: a common recent one and a small one.
	Phones = []Viewport{{"390x844", 390, 844, true}, {"360x640", 360, 640, true}}
	// Staff desktops: the common office laptop and a larger one.
	Desktops = []Viewport{{"1366x768", 1366, 768, false}, {"1440x900", 1440, 900, false}}
)

// Foreign is the time zone and locale every tab's browser pretends to be
// in, far from the hall's: a page that shows the browser's idea of the
// time or writes dates in the browser's format shows it wrongly here.
const (
	ForeignZone   = "America/Los_Angeles"
	ForeignLocale = "en_US"
)

// Tab is one browser tab.
type Tab struct {
	Ctx    context.Context
	cancel context.CancelFunc

	mu       sync.Mutex
	problems []string
	allowed  []string
	origin   string // of the last document loaded
}

// TabOptions adjust a new tab.
type TabOptions struct {
	// OwnCookies gives the tab a browser context of its own (a fresh
	// profile: cookies, storage), as a different person's browser.
	OwnCookies bool
}

// NewTab opens a tab in the browser's foreign zone and locale and starts
// collecting its problems.
func (b *Browser) NewTab(o TabOptions) (*Tab, error) {
	var opts []chromedp.ContextOption
	if o.OwnCookies {
		opts = append(opts, chromedp.WithNewBrowserContext())
	}
	ctx, cancel := chromedp.NewContext(b.ctx, opts...)
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		return nil, err
	}
	t := &Tab{Ctx: ctx, cancel: cancel}
	if _, err := chromedp.Call(ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: ForeignZone}); err != nil {
		cancel()
		return nil, fmt.Errorf("time zone: %w", err)
	}
	if _, err := chromedp.Call(ctx, emulation.SetLocaleOverride, emulation.SetLocaleOverrideParams{Locale: ForeignLocale}); err != nil {
		cancel()
		return nil, fmt.Errorf("locale: %w", err)
	}
	console := chromedp.Console(ctx)
	responses := chromedp.Events(ctx, network.ResponseReceived)
	go func() {
		for m, err := range console {
			if err != nil {
				return
			}
			switch {
			case m.IsException():
				t.problem("uncaught exception: %s (%s:%d)", m.Text, m.URL, m.Line+1)
			case m.Type == chromedp.ConsoleError && m.Source == "network":
				// A failed request: judged from its response below.
			case m.Type == chromedp.ConsoleError:
				t.problem("console error: %s (%s)", m.Text, m.URL)
			case m.Source == "intervention":
				t.problem("browser intervention: %s", m.Text)
			}
		}
	}()
	go func() {
		for ev, err := range responses {
			if err != nil {
				return
			}
			r := ev.Response
			if r == nil {
				continue
			}
			if ev.Type == network.ResourceTypeDocument {
				t.mu.Lock()
				t.origin = originOf(r.URL)
				t.mu.Unlock()
			}
			t.mu.Lock()
			same := t.origin != "" && originOf(r.URL) == t.origin
			t.mu.Unlock()
			if same && r.Status >= 400 {
				t.problem("HTTP %d for %s", r.Status, r.URL)
			}
		}
	}()
	return t, nil
}

func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

func (t *Tab) problem(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, a := range t.allowed {
		if strings.Contains(msg, a) {
			return
		}
	}
	t.problems = append(t.problems, msg)
}

// Allow ignores problems whose message contains s from now on: a test
// that provokes a 404 on purpose (a wrong link) says so.
func (t *Tab) Allow(s string) {
	t.mu.Lock()
	t.allowed = append(t.allowed, s)
	t.mu.Unlock()
}

// Problems are the uncaught exceptions, console errors, browser
// interventions and failed same-origin requests seen so far.
func (t *Tab) Problems() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]string(nil), t.problems...)
}

// Close closes the tab.
func (t *Tab) Close() { t.cancel() }

// Tab opens a tab for a test: closed when the test ends, which then fails
// if the page threw, logged an error or got an error from its own server.
// Each action on it is bounded by a generous deadline.
func (b *Browser) Tab(tb testing.TB, o TabOptions) *Tab {
	tb.Helper()
	t, err := b.NewTab(o)
	if err != nil {
		tb.Fatalf("new tab: %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Ctx, 2*time.Minute)
	t.Ctx = ctx
	tb.Cleanup(func() {
		// Let in-flight events arrive before judging.
		time.Sleep(100 * time.Millisecond)
		for _, p := range t.Problems() {
			tb.Errorf("in the browser: %s", p)
		}
		cancel()
		t.Close()
	})
	return t
}

// Resize sets the tab's viewport by emulation: the page relayouts as on a
// screen of that size, without relaunching the browser. It returns once the
// page has laid itself out at the new size (Settle): a click or a reading
// right after a resize then meets the page as a person would, not the
// boxes of the size before.
func (t *Tab) Resize(v Viewport) error {
	if err := t.resize(v); err != nil {
		return err
	}
	return t.Settle()
}

func (t *Tab) resize(v Viewport) error {
	opts := []chromedp.EmulateViewportOption{chromedp.EmulateScale(1)}
	if v.Mobile {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait)
	} else if v.H > v.W {
		opts = append(opts, chromedp.EmulatePortrait)
	} else {
		opts = append(opts, chromedp.EmulateLandscape)
	}
	return chromedp.Do(t.Ctx, chromedp.EmulateViewport(int64(v.W), int64(v.H), opts...))
}

// MustResize is Resize (which waits for the page to lay itself out at
// the new size), failing tb on an error.
func (t *Tab) MustResize(tb testing.TB, v Viewport) {
	tb.Helper()
	if err := t.Resize(v); err != nil {
		tb.Fatalf("%v: resize: %v", v, err)
	}
}

// Navigate loads url in the tab.
func (t *Tab) Navigate(url string) error { return chromedp.Do(t.Ctx, chromedp.Navigate(url)) }

// Eval evaluates a JavaScript expression.
func Eval[T any](t *Tab, expr string) (T, error) {
	return chromedp.Run(t.Ctx, chromedp.Evaluate[T](expr))
}

// WaitFor polls expr until it is true or d passes; errors while the page
// navigates count as not yet.
func (t *Tab) WaitFor(expr string, d time.Duration) error {
	deadline := time.Now().Add(d)
	var last error
	for {
		ok, err := Eval[bool](t, expr)
		if err == nil && ok {
			return nil
		}
		if err != nil {
			last = err
		}
		if time.Now().After(deadline) {
			if last != nil {
				return fmt.Errorf("after %v waiting for %s: %w", d, expr, last)
			}
			return fmt.Errorf("after %v still not true: %s", d, expr)
		}
		select {
		case <-t.Ctx.Done():
			return t.Ctx.Err()
		case <-time.After(40 * time.Millisecond):
		}
	}
}

// Wait is WaitFor for a test: it fails the test, with what it waited for.
func (t *Tab) Wait(tb testing.TB, expr string) {
	tb.Helper()
	if err := t.WaitFor(expr, 15*time.Second); err != nil {
		tb.Fatal(err)
	}
}

// Screenshot is the viewport as a PNG.
func (t *Tab) Screenshot() ([]byte, error) { return chromedp.Run(t.Ctx, chromedp.CaptureScreenshot()) }

// FullScreenshot is the whole page at the width of v as a PNG: the
// viewport is stretched to the page's height for the shot, then set back.
func (t *Tab) FullScreenshot(v Viewport) ([]byte, error) {
	h, err := Eval[int](t, `Math.ceil(Math.max(document.documentElement.scrollHeight, document.body.scrollHeight))`)
	if err != nil {
		return nil, err
	}
	if h > v.H {
		tall := v
		tall.H = min(h, 8000)
		if err := t.Resize(tall); err != nil {
			return nil, err
		}
		defer t.Resize(v)
	}
	return t.Screenshot()
}

// Hold presses the left mouse button down at the centre of the element
// sel matches (scrolled into view) and keeps it down; release lets it go
// at the same point. A person's press lasts a tenth of a second or more,
// and whatever the page does meanwhile (a redraw from its event stream or
// a timer) happens between the two: a test does it there, and checks the
// press still counts.
func (t *Tab) Hold(sel string) (release func() error, err error) {
	if err := chromedp.Do(t.Ctx, chromedp.WaitVisible(chromedp.CSS(sel))); err != nil {
		return nil, err
	}
	xy, err := Eval[[]float64](t, fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.scrollIntoView({block: "center"});
		const r = e.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()`, sel))
	if err != nil {
		return nil, err
	}
	x, y := xy[0], xy[1]
	if err := chromedp.Do(t.Ctx, chromedp.MouseEvent(chromedp.MouseMoved, x, y),
		chromedp.MouseEvent(chromedp.MousePressed, x, y, chromedp.ButtonLeft, chromedp.ClickCount(1))); err != nil {
		return nil, err
	}
	return func() error {
		return chromedp.Do(t.Ctx, chromedp.MouseEvent(chromedp.MouseReleased, x, y, chromedp.ButtonLeft, chromedp.ClickCount(1)))
	}, nil
}

// Settle waits until the page has laid itself out (after a load or a
// resize): its fonts are loaded and two frames have been drawn.
func (t *Tab) Settle() error {
	_, err := chromedp.Run(t.Ctx, chromedp.Evaluate[bool](
		`document.fonts.ready.then(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(() => ok(true)))))`,
		chromedp.EvalAwaitPromise))
	return err
}
