package queue

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkIssueWithQueue is the cost of one issue (its estimate
// included) with n tickets waiting over two counters.
func BenchmarkIssueWithQueue(b *testing.B) {
	for _, n := range []int{50, 200, maxForecast} {
		b.Run(fmt.Sprintf("waiting=%d", n), func(b *testing.B) {
			h := newHall(&testing.T{})
			h.open(1, ann)
			h.open(2, bob)
			for i := range n {
				h.issue([]string{"A", "B"}[i%2], "")
				h.advance(30 * time.Second)
			}
			b.ResetTimer()
			for i := range b.N {
				t, _, err := h.e.Issue(h.now, IssueRequest{Service: "A", ID: fmt.Sprintf("b%d", i), Secret: "s"})
				if err != nil {
					b.Fatal(err)
				}
				// Keep the queue's length: take the ticket out again,
				// and out of the issue log, so that it does not count
				// as an arrival, and give its number back, so that the
				// service's numbers do not run out.
				h.e.Cancel(h.now, t.ID, "bench", ann)
				h.e.issued = h.e.issued[:len(h.e.issued)-1]
				delete(h.e.tickets, t.ID)
				h.e.lastNumbers[t.Service] = t.Number - 1
			}
		})
	}
}
