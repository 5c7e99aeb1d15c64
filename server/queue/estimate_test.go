package queue

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hallq/hallq"
)

// serveOne calls, serves for d and finishes one ticket at counter.
func (h *hall) serveOne(counter int, by Actor, d time.Duration) {
	h.t.Helper()
	h.next(counter, by)
	h.advance(d)
	h.finish(counter, by)
}

func TestEstimateCountsPreferredServiceFirst(t *testing.T) {
	// Counter 1 serves A then B; counter 2 is closed. A B ticket waits
	// for every A ticket, even those issued after it.
	h := newHall(t)
	h.open(1, ann)
	b := h.issue("B", "")
	equal(t, "B alone", b.IssueEstimateS, 0)
	h.issue("A", "")
	h.issue("A", "")
	got, _ := h.e.Ticket(h.now, b.ID)
	// Two A ahead at 5 min each (nothing known yet), and A visitors keep
	// coming at the pace so far (two in the first 15 minutes): the k-th
	// expected at −60 min × ln(1 − (k − ½) ÷ 8), so at 3.9 and 12.5 min,
	// each before the counter is free again.
	equal(t, "B after four A", got.EstimatedWaitS, 1200)
	equal(t, "but no B ahead", got.WaitingAhead, 0)
}

func TestEstimateCountsTheTicketAtTheCounter(t *testing.T) {
	h := newHall(t)
	h.open(1, ann)
	h.issue("A", "")
	h.next(1, ann)
	h.minutes(1)
	a := h.issue("A", "")
	equal(t, "the rest of the current ticket's 5 min", a.IssueEstimateS, 240)
	h.minutes(30)
	got, _ := h.e.Ticket(h.now, a.ID)
	equal(t, "an overdue ticket keeps a third of the mean", got.EstimatedWaitS, 100)
}

func TestEstimateCountsNoShowsTransfersAndTurnaround(t *testing.T) {
	h := newHall(t)
	h.open(1, ann)
	for range 4 {
		h.issue("A", "")
	}
	h.serveOne(1, ann, 4*time.Minute)
	h.minutes(1) // turnaround: someone was waiting
	h.next(1, ann)
	h.minutes(2)
	h.ticket(h.e.NoShow(h.now, 1, ann))
	h.next(1, ann)
	h.minutes(6)
	h.ticket(h.e.Transfer(h.now, 1, "B", ann))
	equal(t, "service time: done tickets only", h.e.meanServiceTime("A"), 4*time.Minute)
	// (4 + 2 + 6) / 3 minutes at the counter, plus the mean pause before
	// a call while someone waited: 1 min and 0.
	equal(t, "occupancy", h.e.meanOccupancy("A"), 4*time.Minute+30*time.Second)

	h.restart()
	equal(t, "occupancy after a restart, without the pauses", h.e.meanOccupancy("A"), 4*time.Minute)
}

func TestEstimateExpectsPriorityArrivals(t *testing.T) {
	// Priority visitors have come all hour: a normal ticket expects more
	// of them to go first.
	base := newHall(t)
	base.open(1, ann)
	withPrio := newHall(t)
	withPrio.open(1, ann)
	for i := range 6 {
		for _, h := range []*hall{base, withPrio} {
			h.minutes(10)
			prio := ""
			if h == withPrio && i%2 == 0 {
				prio = "elderly"
			}
			h.issue("A", prio)
			h.serveOne(1, ann, 5*time.Minute)
		}
	}
	for _, h := range []*hall{base, withPrio} {
		for range 6 {
			h.issue("A", "")
		}
	}
	a := base.issue("A", "")
	b := withPrio.issue("A", "")
	if b.IssueEstimateS <= a.IssueEstimateS {
		t.Errorf("got %d s with priority arrivals, %d s without: want more with", b.IssueEstimateS, a.IssueEstimateS)
	}
	p := withPrio.issue("A", "elderly")
	if p.IssueEstimateS >= a.IssueEstimateS {
		t.Errorf("got %d s for a priority ticket, want less than a normal one's %d s", p.IssueEstimateS, a.IssueEstimateS)
	}
}

func TestEstimateViewsAgree(t *testing.T) {
	h := newHall(t)
	h.open(1, ann)
	h.open(2, bob)
	var issued []*hallq.Ticket
	for i := range 12 {
		svc := []string{"A", "B", "A"}[i%3]
		prio := ""
		if i%5 == 4 {
			prio = "elderly"
		}
		issued = append(issued, h.issue(svc, prio))
		h.minutes(1)
	}
	h.next(1, ann)
	ws := h.e.Waiting(h.now, nil)
	for _, w := range ws {
		one, _ := h.e.Ticket(h.now, w.ID)
		equal(t, "waiting list and ticket view of "+w.Label, w.EstimatedWaitS, one.EstimatedWaitS)
	}
	for i := 1; i < len(ws); i++ {
		if ws[i].Service == ws[i-1].Service && ws[i].EstimatedWaitS < ws[i-1].EstimatedWaitS {
			t.Errorf("%s is called after %s but expects %d s, less than %d s", ws[i].Label, ws[i-1].Label, ws[i].EstimatedWaitS, ws[i-1].EstimatedWaitS)
		}
	}
	_ = issued
}

func TestEstimateBeyondHorizonUsesClosedForm(t *testing.T) {
	h := newHall(t)
	h.open(1, ann)
	h.open(2, bob)
	var ts []*hallq.Ticket
	for range 300 {
		ts = append(ts, h.issue("A", ""))
	}
	// No service time known (5 min), two counters serve A, both free
	// now: the 100th is taken in the 50th round, by counter 2.
	equal(t, "forecast", ts[99].IssueEstimateS, 49*300)
	// The 300th would be taken after 149 rounds, past the 12 hours the
	// forecast looks ahead: 299 ahead at 5 min ÷ 2 counters.
	equal(t, "closed form", ts[299].IssueEstimateS, 299*300/2)
}

func TestEstimateNoOpenCounter(t *testing.T) {
	h := newHall(t)
	h.issue("C", "")
	c := h.issue("C", "")
	equal(t, "counter 3 assumed to open now", c.IssueEstimateS, 300)
}

func TestEstimateDrawsAServiceTowardsTheHall(t *testing.T) {
	// Twenty A tickets of 4 minutes, then one B ticket of 10: one
	// ticket says little about B, so B's expected occupancy stays nearer
	// the hall's than its own ticket's.
	h := newHall(t)
	h.open(1, ann)
	for range 20 {
		h.issue("A", "")
		h.serveOne(1, ann, 4*time.Minute)
	}
	h.issue("B", "")
	h.serveOne(1, ann, 10*time.Minute)
	hall, b := h.e.occupiedAll.mean(), h.e.meanOccupancy("B")
	if !(b > hall && b-hall < 10*time.Minute-b) {
		t.Errorf("got B's occupancy %v with the hall's %v: want above the hall's and nearer it than 10 min", b, hall)
	}
	// With as many B tickets as the shrinking's weight, B is past halfway.
	for range shrinkOccupancy {
		h.issue("B", "")
		h.serveOne(1, ann, 10*time.Minute)
	}
	hall, b = h.e.occupiedAll.mean(), h.e.meanOccupancy("B")
	if b-hall < 10*time.Minute-b {
		t.Errorf("got B's occupancy %v with the hall's %v after %d B tickets: want nearer 10 min", b, hall, shrinkOccupancy+1)
	}
}

func TestEstimateCountsTransfersAhead(t *testing.T) {
	// Two halls alike but for what counter 2 did with its last three B
	// tickets: transferred them to A (each then served there), or
	// finished them and served an A ticket. Transferred tickets keep
	// their issue time and queue ahead of a new A ticket, so the hall
	// that has been transferring expects more of them.
	halls := [2]*hall{newHall(t), newHall(t)}
	for i, h := range halls {
		h.open(1, ann)
		h.open(2, bob)
		for range 3 {
			h.issue("B", "")
			h.next(2, bob)
			h.minutes(5)
			if i == 0 {
				h.ticket(h.e.Transfer(h.now, 2, "A", bob))
			} else {
				h.finish(2, bob)
				h.issue("A", "")
			}
			h.next(2, bob)
			h.minutes(5)
			h.finish(2, bob)
		}
		for range 6 {
			h.issue("A", "")
		}
	}
	with, without := halls[0].issue("A", ""), halls[1].issue("A", "")
	if with.IssueEstimateS <= without.IssueEstimateS {
		t.Errorf("got %d s after transfers to A, %d s without: want more with", with.IssueEstimateS, without.IssueEstimateS)
	}
}

func TestEstimateNextInLineIsTheMedian(t *testing.T) {
	// Occupancies that vary (3 to 12 minutes), both counters busy, one
	// for 2 minutes and one for 5: a priority ticket goes to the first to
	// be free. Its estimate is the median of that time: drawing the
	// counters' tickets from the fitted log-normal, given the time spent,
	// about half of the draws free a counter by then.
	h := newHall(t)
	h.open(1, ann)
	for i := range 10 {
		h.issue("A", "")
		h.serveOne(1, ann, time.Duration(3+i)*time.Minute)
	}
	h.open(2, bob)
	h.issue("A", "")
	h.issue("A", "")
	h.next(2, bob)
	h.minutes(3)
	h.next(1, ann)
	h.minutes(2)
	p := h.issue("A", "elderly")
	est := float64(p.IssueEstimateS)
	if est <= 0 {
		t.Fatalf("got %v s, want a wait: both counters are busy", est)
	}
	mu, sigma, ok := h.e.occupancyFit("A")
	if !ok {
		t.Fatal("no fit")
	}
	if m, want := math.Exp(mu+sigma*sigma/2), h.e.occupied["A"].mean().Seconds(); math.Abs(m-want) > 0.5 {
		t.Errorf("the fit's mean is %.1f s, the occupancies' %.1f s", m, want)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	draw := func(spent float64) float64 { // the rest of a ticket there for spent s
		for {
			if x := math.Exp(mu + sigma*rng.NormFloat64()); x > spent {
				return x - spent
			}
		}
	}
	const n = 20000
	by := 0
	for range n {
		if min(draw(120), draw(300)) <= est+1 { // the estimate is in whole seconds
			by++
		}
	}
	if share := float64(by) / n; share < 0.47 || share > 0.53 {
		t.Errorf("a counter is free by the estimate %v s in %.1f %% of draws, want about half", est, 100*share)
	}
	// With a counter free, nobody waits.
	h.finish(1, ann)
	got, _ := h.e.Ticket(h.now, p.ID)
	equal(t, "with counter 1 free", got.EstimatedWaitS, 0)
}

func TestWindowKeepsItsSums(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var w window
	var all []time.Duration
	for i := range 3 * occupancyWindow {
		d := time.Duration(rng.IntN(900_000)) * time.Millisecond
		w.add(d)
		all = append(all, d)
		last := all[max(0, len(all)-occupancyWindow):]
		var sum time.Duration
		var sq float64
		for _, x := range last {
			sum += x
			sq += x.Seconds() * x.Seconds()
		}
		n := float64(len(last))
		m := sum.Seconds() / n
		if w.len() != len(last) || w.mean() != sum/time.Duration(len(last)) || math.Abs(w.variance()-(sq/n-m*m)) > 1e-3*(sq/n) {
			t.Fatalf("after %d: got %d, %v, %.1f; want %d, %v, %.1f", i+1, w.len(), w.mean(), w.variance(), len(last), sum/time.Duration(len(last)), sq/n-m*m)
		}
	}
}
