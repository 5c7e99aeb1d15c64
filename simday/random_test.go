package simday

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The draws have the mean and variance they promise.
func TestRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 200_000
	moments := func(draw func() float64) (mean, variance float64) {
		var s, s2 float64
		for range n {
			x := draw()
			s += x
			s2 += x * x
		}
		mean = s / n
		return mean, s2/n - mean*mean
	}
	for _, mu := range []float64{0.5, 4, 25, 80} {
		m, v := moments(func() float64 { return float64(Poisson(rng, mu)) })
		if math.Abs(m-mu) > 0.02*mu+0.01 || math.Abs(v-mu) > 0.05*mu+0.02 {
			t.Errorf("Poisson(%v): mean %.3f, variance %.3f", mu, m, v)
		}
	}
	for _, a := range []float64{0.01, 0.2, 2} {
		m, v := moments(func() float64 { return GammaFactor(rng, a) })
		if math.Abs(m-1) > 0.02 || math.Abs(v-a) > 0.08*a {
			t.Errorf("GammaFactor(%v): mean %.4f, variance %.4f", a, m, v)
		}
	}
	if GammaFactor(rng, 0) != 1 || Poisson(rng, 0) != 0 {
		t.Errorf("no spread must draw exactly the mean")
	}
}
