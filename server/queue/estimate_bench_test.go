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
	b.Run("waiting=200,forecast", func(b *testing.B) { benchForecast(b, false, false) })
	// The same with 20 priority tickets among them (9 %, about the
	// standard day's share), so that priority visitors are expected all
	// day: each one that comes ahead of the ticket is a phase of the play
	// (forecast.go), a few hundred nanoseconds each.
	b.Run("waiting=200,forecast,priority", func(b *testing.B) { benchForecast(b, false, true) })
	// The same (no priority) with the rest of the day booked: a booking
	// of A or B in every 15-minute slot until 17:00, still to check in
	// (4 an hour, a sixth of what the two counters serve; due.go). Each
	// booking that comes ahead of the ticket is a phase, as a priority
	// visitor is.
	b.Run("waiting=200,forecast,booked", func(b *testing.B) { benchForecast(b, true, false) })
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

// benchForecast is BenchmarkEstimate on forecastHall.
func benchForecast(b *testing.B, booked, priority bool) {
	h := forecastHall(b, booked)
	if priority {
		for i := range 20 {
			h.issue([]string{"A", "B"}[i%2], "elderly")
		}
	}
	b.ResetTimer()
	cpu := cputime.Now()
	for range b.N {
		h.e.estimateNew(h.now, "A")
	}
	cputime.Report(b, cpu, 0, "op")
}

// forecastHall is benchHall(200) told the day's arrival forecast and usual
// occupancies, and with booked, the rest of the day booked.
func forecastHall(b testing.TB, booked bool) *hall {
	h := benchHall(200)
	if booked {
		for _, s := range []string{"A", "B"} {
			h.e.services[s].Booking = &hallq.BookingSettings{Enabled: true, SlotMin: 15, Capacity: 1, DaysAhead: 14, CheckInBeforeMin: 15, CheckInAfterMin: 10}
		}
		n := 0
		for slot := h.now.Truncate(15 * time.Minute).Add(15 * time.Minute); slot.Hour() < 17; slot = slot.Add(15 * time.Minute) {
			n++
			code := fmt.Sprintf("B%05d", n)
			if _, _, err := h.e.Book(h.now, BookRequest{Service: []string{"A", "B"}[n%2], Start: slot, Name: "An", Phone: "0905123456", Code: code, Secret: "s"}, Actor{}); err != nil {
				b.Fatal(err)
			}
		}
	}
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
	return h
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
