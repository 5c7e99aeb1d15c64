package loadgen

import (
	"math"
	"slices"
	"sync"
	"time"
)

// Percentile is the nearest-rank p-th percentile (0 < p ≤ 100) of sorted,
// which must be in ascending order: the smallest value that at least p % of
// the values are less than or equal to. It is 0 for an empty slice.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(n)))
	rank = min(max(rank, 1), n)
	return sorted[rank-1]
}

// Dist summarises a set of durations.
type Dist struct {
	N                  int
	P50, P90, P99, Max time.Duration
}

// Summarize sorts ds in place and summarises it.
func Summarize(ds []time.Duration) Dist {
	slices.Sort(ds)
	d := Dist{N: len(ds), P50: Percentile(ds, 50), P90: Percentile(ds, 90), P99: Percentile(ds, 99)}
	if len(ds) > 0 {
		d.Max = ds[len(ds)-1]
	}
	return d
}

// recorder collects latencies and failures of one kind of API call from
// many goroutines.
type recorder struct {
	mu     sync.Mutex
	lat    []time.Duration
	failed int
	empty  int // 204 answers (next with nobody waiting)
	errs   map[string]int
}

func (r *recorder) ok(d time.Duration) {
	r.mu.Lock()
	r.lat = append(r.lat, d)
	r.mu.Unlock()
}

func (r *recorder) noContent(d time.Duration) {
	r.mu.Lock()
	r.lat = append(r.lat, d)
	r.empty++
	r.mu.Unlock()
}

func (r *recorder) fail(why string) {
	r.mu.Lock()
	r.failed++
	if r.errs == nil {
		r.errs = map[string]int{}
	}
	r.errs[why]++
	r.mu.Unlock()
}

// CallStats is the outcome of one kind of API call.
type CallStats struct {
	Name    string
	OK      int // 2xx answers, including Empty
	Empty   int // 204 No Content (a next with nobody waiting)
	Failed  int // transport errors and non-2xx answers
	Errors  map[string]int
	Latency Dist
}

func (r *recorder) stats(name string) CallStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	lat := slices.Clone(r.lat)
	return CallStats{Name: name, OK: len(lat), Empty: r.empty, Failed: r.failed, Errors: r.errs, Latency: Summarize(lat)}
}
