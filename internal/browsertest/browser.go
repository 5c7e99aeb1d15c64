// Package browsertest drives the hall's web pages in headless Chromium, as
// the tests and the screenshot tool (cmd/screens) see them: one browser per
// process, a tab per page, the viewport set by emulation (no relaunch), the
// browser's own time zone and language deliberately foreign (so a page that
// shows the browser's time instead of the hall's is caught), every
// uncaught exception and every failed same-origin request collected, and a
// layout check that looks at geometry — boxes inside the viewport, the
// element actually painted where it should be, text on one line, no
// horizontal overflow, no text smaller than a minimum — rather than at the
// DOM alone.
package browsertest

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"testing"

	"github.com/chromedp/chromedp"
)

// ErrNoChromium is returned by Launch when no Chromium is installed.
var ErrNoChromium = errors.New("browsertest: no Chromium found (on Debian: apt-get install chromium; or set CHROMIUM)")

// ChromiumPath is the browser to drive: $CHROMIUM, else the first of
// Debian's chromium, chromium-browser or Google Chrome on $PATH; "" if none.
func ChromiumPath() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Browser is one running headless Chromium.
type Browser struct {
	ctx    context.Context
	cancel context.CancelFunc
}

// Launch starts headless Chromium with a fresh profile in userDataDir. The
// flags are the project's: no sandbox (containers), no GPU, no background
// networking or component updates, no first-run UI; audio may play without
// a click (as the hall TV is started).
func Launch(ctx context.Context, userDataDir string) (*Browser, error) {
	path := ChromiumPath()
	if path == "" {
		return nil, ErrNoChromium
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(userDataDir),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("font-render-hinting", "none"),
		chromedp.WindowSize(1366, 768),
	)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	if err := chromedp.Do(bctx); err != nil {
		cancelBrowser()
		cancelAlloc()
		return nil, err
	}
	return &Browser{ctx: bctx, cancel: func() { cancelBrowser(); cancelAlloc() }}, nil
}

// Close stops the browser.
func (b *Browser) Close() { b.cancel() }

// Start launches the browser for a test (or benchmark) and stops it when
// the test ends. Without Chromium the test is skipped — except in CI
// (CI set in the environment, as .ci/run does), where browser tests must
// run and a missing browser is a failure.
func Start(tb testing.TB) *Browser {
	tb.Helper()
	b, err := Launch(context.Background(), tb.TempDir())
	if errors.Is(err, ErrNoChromium) && os.Getenv("CI") == "" {
		tb.Skip(err.Error() + "; browser tests skipped (they run in CI)")
	}
	if err != nil {
		tb.Fatalf("start chromium: %v", err)
	}
	tb.Cleanup(b.Close)
	return b
}
