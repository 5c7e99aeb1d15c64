package kiosk_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"

	"github.com/hallq/hallq/printer/transport"
	"github.com/hallq/hallq/server/servertest"
)

// firstBytes records when the printer gets its first byte (the DLE EOT
// status query) and the first byte of a print job after each mark.
type firstBytes struct {
	mu          sync.Mutex
	any, job    time.Time
	anyC, jobC  chan time.Time
	armed, jarm bool
}

func (f *firstBytes) arm() {
	f.mu.Lock()
	f.armed, f.jarm = true, true
	f.mu.Unlock()
}

func (f *firstBytes) wrap(c transport.Conn) transport.Conn {
	return writeHook{c, func(b []byte) {
		now := time.Now()
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.armed {
			f.armed = false
			f.anyC <- now
		}
		if f.jarm && len(b) > 3 {
			f.jarm = false
			f.jobC <- now
		}
	}}
}

// BenchmarkEdgeToPrint measures, with the default 25 ms debounce and a hall
// server on localhost, the time from a button's falling edge to the first
// byte the printer receives (the status query) and to the first byte of the
// ticket itself. Run with -benchtime=300x for a meaningful p99.
func BenchmarkEdgeToPrint(b *testing.B) {
	h := servertest.Start(b, servertest.Options{})
	fb := &firstBytes{anyC: make(chan time.Time, 1), jobC: make(chan time.Time, 1)}
	toml := strings.NewReplacer(`confirm = "10ms"`, `confirm = "25ms"`, `hold_off = "100ms"`, `hold_off = "30ms"`, `heartbeat_every = "1s"`, `heartbeat_every = "1h"`).Replace(kioskTOML)
	r := newRig(b, rigOptions{url: h.URL, toml: toml, wrap: fb.wrap})
	var first, job []time.Duration
	buttons := []string{"A", "B"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pin := r.board.Control(buttons[i%2]).Pin
		fb.arm()
		t0 := time.Now()
		pin.EdgesChan <- gpio.Low
		first = append(first, (<-fb.anyC).Sub(t0))
		job = append(job, (<-fb.jobC).Sub(t0))
		pin.EdgesChan <- gpio.High
		if err := r.printer.WaitCuts(i+1, wait); err != nil {
			b.Fatal(err)
		}
		for r.k.State().Busy {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(40 * time.Millisecond) // past the hold-off, released
	}
	b.StopTimer()
	pct := func(d []time.Duration, p float64) float64 {
		s := slices.Clone(d)
		slices.Sort(s)
		return float64(s[min(len(s)-1, int(float64(len(s))*p))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(first, 0.5), "first-byte-p50-ms")
	b.ReportMetric(pct(first, 0.99), "first-byte-p99-ms")
	b.ReportMetric(pct(job, 0.5), "ticket-byte-p50-ms")
	b.ReportMetric(pct(job, 0.99), "ticket-byte-p99-ms")
	b.ReportMetric(0, "ns/op")
	if testing.Verbose() {
		fmt.Printf("n=%d first byte p50 %.1f ms p99 %.1f ms; ticket's first byte p50 %.1f ms p99 %.1f ms\n",
			len(first), pct(first, .5), pct(first, .99), pct(job, .5), pct(job, .99))
	}
}
