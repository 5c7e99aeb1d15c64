package display_test

import (
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hallq/hallq/internal/browsertest"
)

// BenchmarkCallToPage measures the delay from an officer's "next" (the
// POST leaving the test) to the number being in the hall page's DOM in
// headless Chromium, as seen by a MutationObserver the benchmark installs.
// It reports the median and 95th percentile; see docs/BENCHMARKS.md (Displays).
func BenchmarkCallToPage(b *testing.B) {
	br := startBrowser(b)
	h := startHallTB(b)
	tab, err := br.NewTab(browsertest.TabOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer tab.Close()
	ctx := tab.Ctx
	for i := 0; i < b.N+1; i++ {
		h.issue("A")
	}
	h.counter(1, "open")
	if err := chromedp.Do(ctx, chromedp.Navigate(h.URL+"/display/hall?audio=0")); err != nil {
		b.Fatal(err)
	}
	// Wait for the snapshot.
	for start := time.Now(); ; {
		ok, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById('services').children.length > 0`))
		if ok {
			break
		}
		if time.Since(start) > 10*time.Second {
			b.Fatal("page never connected")
		}
		time.Sleep(20 * time.Millisecond)
	}
	var delays []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		h.counter(1, "finish")
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
			window.__seen = 0;
			const ol = document.getElementById('calls');
			const before = ol.firstElementChild ? ol.firstElementChild.dataset.seq : '';
			new MutationObserver((_, obs) => {
				const li = ol.firstElementChild;
				if (li && li.dataset.seq !== before) { window.__seen = Date.now(); obs.disconnect(); }
			}).observe(ol, {childList: true});
			return true;
		})()`)); err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		h.counter(1, "next")
		var seen int64
		for seen == 0 {
			seen, _ = chromedp.Run(ctx, chromedp.Evaluate[int64](`window.__seen`))
			if time.Since(t0) > 10*time.Second {
				b.Fatal("call never appeared")
			}
		}
		delays = append(delays, time.UnixMilli(seen).Sub(t0))
	}
	b.StopTimer()
	slices.Sort(delays)
	b.ReportMetric(float64(delays[len(delays)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(delays[len(delays)*95/100].Microseconds())/1000, "p95-ms")
	b.ReportMetric(float64(delays[len(delays)-1].Microseconds())/1000, "max-ms")
}
