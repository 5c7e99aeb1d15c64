package simhall

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/hallq/hallq/simday"
)

// TestPriorityWaitFloor measures how well any estimate can do for a
// priority ticket on the standard day (issue #20 asks for an MAE of 35 %
// of their mean wait). Such a ticket is next in line: it waits for the
// first of the k busy counters that serve it to be free, plus the
// officer's 20 s. The best an estimate can do without knowing how long
// each citizen at a counter still needs is the median of that wait given
// how long each has been there, with the true distribution of service
// times (log-normal, mean 6 min, sd 4 min; 5 % no-shows freeing the
// counter after 2 min): its MAE is the floor. It is 50–60 % of the mean
// wait for 1–4 counters (docs/BENCHMARKS.md), so the target cannot be met
// from the queue's state.
func TestPriorityWaitFloor(t *testing.T) {
	p := simday.StandardDay()
	rng := rand.New(rand.NewPCG(1, 2))
	m, sd := p.ServiceMean.Seconds(), p.ServiceSD.Seconds()
	s2 := math.Log(1 + sd*sd/(m*m))
	mu, sigma := math.Log(m)-s2/2, math.Sqrt(s2)
	occupancy := func() float64 {
		if rng.Float64() < p.NoShowShare {
			return 120 // simday's recall at 1 min, no-show at 2
		}
		return math.Max(30, math.Exp(mu+sigma*rng.NormFloat64()))
	}
	// The time a counter has been busy at a random moment: a point drawn
	// uniformly in an occupancy drawn in proportion to its length.
	age := func() float64 {
		for {
			if x := occupancy(); rng.Float64() < x/(20*m) {
				return rng.Float64() * x
			}
		}
	}
	left := func(age float64) float64 {
		for {
			if x := occupancy(); x > age {
				return x - age
			}
		}
	}
	wait := func(ages []float64) float64 {
		w := math.Inf(1)
		for _, a := range ages {
			w = min(w, left(a))
		}
		return w + 20
	}
	const tickets, draws = 600, 101
	for k := 1; k <= 4; k++ {
		var sumAbs, sumWait float64
		ages := make([]float64, k)
		ws := make([]float64, draws)
		for range tickets {
			for i := range ages {
				ages[i] = age()
			}
			for i := range ws {
				ws[i] = wait(ages)
			}
			slices.Sort(ws)
			w := wait(ages)
			sumAbs += math.Abs(w - ws[draws/2])
			sumWait += w
		}
		floor := sumAbs / sumWait
		t.Logf("%d counters: mean wait %.0f s, the best estimate's MAE %.0f s = %.1f %% of it", k, sumWait/tickets, sumAbs/tickets, 100*floor)
		if floor < 0.35 {
			t.Errorf("%d counters: the floor is %.1f %%, below the target's 35 %%: the estimate can do better", k, 100*floor)
		}
	}
}
