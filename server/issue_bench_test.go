package server_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hallq/hallq/loadgen"
	"github.com/hallq/hallq/server/servertest"
)

// benchClients is how many clients issue at once, as in issue #2's target.
const benchClients = 32

// dayClock is the hall's clock for benchmarks that issue more tickets than
// the demo hall's number ranges give in a day: next moves it a day on.
type dayClock struct{ offset atomic.Int64 }

func (c *dayClock) now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

// next moves the clock a day on, once per exhausted day however many
// clients find the day full (from is the offset they saw).
func (c *dayClock) next(from int64) { c.offset.CompareAndSwap(from, from+int64(24*time.Hour)) }

// BenchmarkIssueHTTP issues tickets over HTTP from 32 parallel clients
// (about 32 whatever GOMAXPROCS is), each answer sent only after the ticket is durably
// committed. It reports tickets/s and, measured before the run in the same
// directory as the database, the raw fsync rate of the disk:
//
//	go test -run '^$' -bench IssueHTTP -benchtime 5s ./server
func BenchmarkIssueHTTP(b *testing.B) {
	clock := &dayClock{}
	h := servertest.Start(b, servertest.Options{Now: clock.now})
	fsyncs, err := loadgen.FsyncRate(filepath.Dir(h.DBPath), time.Second)
	if err != nil {
		b.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	services := []string{"A", "B", "C", "D", "E"}
	var seq atomic.Int64
	var failMu sync.Mutex
	var failure string

	// RunParallel starts SetParallelism × GOMAXPROCS goroutines.
	b.SetParallelism((benchClients + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			for {
				n := seq.Add(1)
				body := fmt.Sprintf(`{"service":%q,"idempotency_key":"bench-%d"}`, services[n%5], n)
				day := clock.offset.Load()
				code, data, err := post(client, h.URL+"/api/v1/tickets", servertest.KioskToken, body)
				if code == http.StatusServiceUnavailable && bytes.Contains(data, []byte("daily_cap")) {
					clock.next(day)
					continue
				}
				if err != nil || code != http.StatusCreated {
					failMu.Lock()
					failure = fmt.Sprintf("issue: status %d, %v: %s", code, err, data)
					failMu.Unlock()
				}
				break
			}
		}
	})
	elapsed := time.Since(start)
	b.StopTimer()
	if failure != "" {
		b.Fatal(failure)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "tickets/s")
	b.ReportMetric(fsyncs, "fsync/s")
}

func post(c *http.Client, url, token, body string) (int, []byte, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader([]byte(body)))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, err
}
