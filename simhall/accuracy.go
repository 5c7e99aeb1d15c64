package simhall

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/hallq/hallq"
)

// Accuracy compares the estimated wait printed on tickets with the real
// wait (first call − issue).
type Accuracy struct {
	// N counts the tickets measured: printed (not made by a transfer) and
	// called. Uncalled counts printed tickets never called.
	N, Uncalled int
	// MeanWait is the mean real wait; MAE the mean absolute error of the
	// estimate; P90 the 90th percentile of the absolute error; Bias the
	// mean of estimate − wait (negative: waits are underestimated).
	MeanWait, MAE, P90, Bias time.Duration
	// Priority and Normal are the same figures for each group; Walkins
	// are the normal tickets not given for a booking, Booked those given
	// for one (a booked citizen's estimate and wait count from check-in).
	Priority, Normal, Walkins, Booked *Accuracy
}

// MeasureAccuracy measures over tickets (any order).
func MeasureAccuracy(tickets []hallq.Ticket) Accuracy {
	a := measure(tickets, func(*hallq.Ticket) bool { return true })
	a.Priority = new(measure(tickets, func(t *hallq.Ticket) bool { return t.Priority != "" }))
	a.Normal = new(measure(tickets, func(t *hallq.Ticket) bool { return t.Priority == "" }))
	a.Walkins = new(measure(tickets, func(t *hallq.Ticket) bool { return t.Priority == "" && t.Booking == "" }))
	a.Booked = new(measure(tickets, func(t *hallq.Ticket) bool { return t.Booking != "" }))
	return a
}

func measure(tickets []hallq.Ticket, keep func(*hallq.Ticket) bool) Accuracy {
	var a Accuracy
	var errs []float64
	var sumWait, sumAbs, sumErr float64
	for i := range tickets {
		t := &tickets[i]
		if t.TransferredFrom != "" || !keep(t) {
			continue
		}
		if t.CalledAt == nil {
			a.Uncalled++
			continue
		}
		wait := t.CalledAt.Sub(t.IssuedAt).Seconds()
		e := float64(t.IssueEstimateS) - wait
		errs = append(errs, math.Abs(e))
		sumWait += wait
		sumAbs += math.Abs(e)
		sumErr += e
	}
	a.N = len(errs)
	if a.N == 0 {
		return a
	}
	n := float64(a.N)
	a.MeanWait = seconds(sumWait / n)
	a.MAE = seconds(sumAbs / n)
	a.Bias = seconds(sumErr / n)
	slices.Sort(errs)
	a.P90 = seconds(errs[int(math.Ceil(0.9*n))-1])
	return a
}

func seconds(s float64) time.Duration {
	return time.Duration(s * float64(time.Second)).Round(time.Second)
}

// Ratio is MAE ÷ mean wait.
func (a Accuracy) Ratio() float64 { return a.share(a.MAE) }

// BiasRatio is bias ÷ mean wait: negative when tickets promise too little.
func (a Accuracy) BiasRatio() float64 { return a.share(a.Bias) }

func (a Accuracy) share(d time.Duration) float64 {
	if a.MeanWait <= 0 {
		return 0
	}
	return d.Seconds() / a.MeanWait.Seconds()
}

// String is a one-line summary.
func (a Accuracy) String() string {
	return fmt.Sprintf("%d tickets (%d never called): mean wait %v, MAE %v (%.1f %% of the mean wait), p90 |error| %v, bias %v (%+.1f %%)",
		a.N, a.Uncalled, a.MeanWait, a.MAE, 100*a.Ratio(), a.P90, a.Bias, 100*a.BiasRatio())
}
