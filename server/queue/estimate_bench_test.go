package queue

import (
	"fmt"
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/internal/cputime"
)

// BenchmarkIssueWithQueue is the cost of one issue (its estimate
// included) with n tickets waiting over two counters.
func BenchmarkIssueWithQueue(b *testing.B) {
	for _, n := range []int{50, 200, 600, 5000} {
		b.Run(fmt.Sprintf("waiting=%d", n), func(b *testing.B) {
			h := benchHall(n)
			b.ResetTimer()
			cpu := cputime.Now()
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
				h.e.pace.count[keyOf(t)]--
				delete(h.e.tickets, t.ID)
				h.e.lastNumbers[t.Service] = t.Number - 1
			}
			cputime.Report(b, cpu, 0, "op")
		})
	}
}

// BenchmarkEstimate is the cost of the estimate a new ticket gets, with n
// tickets waiting in two services over two counters that serve both, the
// last hour's arrivals of both at the pace of the queue's.
func BenchmarkEstimate(b *testing.B) {
	for _, n := range []int{50, 200, 600, 5000} {
		b.Run(fmt.Sprintf("waiting=%d", n), func(b *testing.B) {
			h := benchHall(n)
			b.ResetTimer()
			cpu := cputime.Now()
			for range b.N {
				h.e.estimateNew(h.now, "A")
			}
			cputime.Report(b, cpu, 0, "op")
		})
	}
	// With the day's arrival forecast (visitors all day, from the hour
	// the hall opened) and usual occupancies.
	b.Run("waiting=200,forecast", func(b *testing.B) {
		h := benchHall(200)
		f := ArrivalForecast{Day: h.e.day, Hours: map[string][24]float64{}}
		for _, s := range []string{"A", "B"} {
			var hours [24]float64
			for hr := 7; hr < 17; hr++ {
				hours[hr] = 30
			}
			f.Hours[s] = hours
		}
		if err := h.e.SetArrivalForecast(f); err != nil {
			b.Fatal(err)
		}
		if err := h.e.SetUsualOccupancy(map[string]time.Duration{"A": 6 * time.Minute, "B": 5 * time.Minute}); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		cpu := cputime.Now()
		for range b.N {
			h.e.estimateNew(h.now, "A")
		}
		cputime.Report(b, cpu, 0, "op")
	})
	// A priority ticket next in line while both counters are busy: the
	// median of the first to be free.
	b.Run("next-in-line", func(b *testing.B) {
		h := benchHall(50)
		for range 10 {
			h.serveOne(1, ann, 5*time.Minute)
		}
		h.next(1, ann)
		h.next(2, bob)
		h.minutes(2)
		t := &hallq.Ticket{ID: "\xff", Service: "A", Priority: "elderly", IssuedAt: h.now, Number: 1 << 30, State: hallq.StateWaiting}
		b.ResetTimer()
		cpu := cputime.Now()
		for range b.N {
			h.e.estimateTicket(h.now, t, true)
		}
		cputime.Report(b, cpu, 0, "op")
	})
}

// benchHall is the test hall with counters 1 and 2 open and n tickets
// waiting, alternately in A and B (numbers enough for long queues), issued
// 30 s apart or closer so that they fit in the day.
func benchHall(n int) *hall {
	h := newHall(&testing.T{})
	for _, s := range []string{"A", "B"} {
		h.e.services[s].Prefix, h.e.services[s].RangeFrom, h.e.services[s].RangeTo = "", 1, 1<<30
	}
	h.open(1, ann)
	h.open(2, bob)
	for i := range n {
		h.issue([]string{"A", "B"}[i%2], "")
		h.advance(min(30*time.Second, 6*time.Hour/time.Duration(n)))
	}
	return h
}
