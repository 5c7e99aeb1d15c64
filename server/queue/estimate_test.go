package queue

import (
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
