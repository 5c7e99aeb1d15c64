package loadgen

import (
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	ms := func(ns ...int) []time.Duration {
		out := make([]time.Duration, len(ns))
		for i, n := range ns {
			out[i] = time.Duration(n) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one value, any percentile", ms(7), 99, 7 * time.Millisecond},
		{"median of odd count", ms(1, 2, 3, 4, 5), 50, 3 * time.Millisecond},
		{"median of even count is the lower middle", ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{"p99 of 1..100", ms(hundred...), 99, 99 * time.Millisecond},
		{"p100 is the max", ms(hundred...), 100, 100 * time.Millisecond},
		{"p1 of 1..100", ms(hundred...), 1, 1 * time.Millisecond},
		{"p99 of 10 values is the max", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 99, 10 * time.Millisecond},
		{"p90 of 10 values", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 90, 9 * time.Millisecond},
		{"tiny p is the min", ms(4, 5, 6), 0.001, 4 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Percentile(tt.sorted, tt.p); got != tt.want {
				t.Errorf("Percentile(%v, %g) = %v, want %v", tt.sorted, tt.p, got, tt.want)
			}
		})
	}
}

func TestSummarizeSorts(t *testing.T) {
	d := Summarize([]time.Duration{5, 1, 4, 2, 3})
	want := Dist{N: 5, P50: 3, P90: 5, P99: 5, Max: 5}
	if d != want {
		t.Errorf("got %+v, want %+v", d, want)
	}
}

func TestDelivery(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	called := map[string]time.Time{"a": at(0), "b": at(100)}
	subs := []*subscriber{
		{got: map[string]time.Time{"a": at(2), "b": at(101)}},
		{got: map[string]time.Time{"a": at(5)}}, // missed b
	}
	d := delivery(called, subs)
	if d.Calls != 2 || d.Missed != 1 {
		t.Errorf("calls %d, missed %d: want 2, 1", d.Calls, d.Missed)
	}
	// Only a, which every subscriber got, has a "last subscriber" time.
	if d.Last.N != 1 || d.Last.Max != 5*time.Millisecond {
		t.Errorf("last: got %+v, want one call at 5ms", d.Last)
	}
	if d.Spread.N != 1 || d.Spread.Max != 3*time.Millisecond {
		t.Errorf("spread: got %+v, want one call, 3ms from first to last", d.Spread)
	}
	if d.PerSub.N != 3 || d.PerSub.Max != 5*time.Millisecond || d.PerSub.P50 != 2*time.Millisecond {
		t.Errorf("per subscriber: got %+v, want 3 receipts, p50 2ms, max 5ms", d.PerSub)
	}
}
