package simday

import (
	"math"
	"math/rand/v2"
)

// Poisson draws a Poisson count: Knuth's method up to a mean of 30, the
// normal approximation above (exact enough for arrivals in an hour or a
// day).
func Poisson(rng *rand.Rand, mean float64) int {
	if mean <= 0 {
		return 0
	}
	if mean > 30 {
		return max(0, int(math.Round(mean+math.Sqrt(mean)*rng.NormFloat64())))
	}
	l, k, p := math.Exp(-mean), 0, 1.0
	for {
		p *= rng.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// GammaFactor draws a factor with mean 1 and variance alpha (a gamma
// variate of shape 1/alpha): multiplying a Poisson mean by it gives the
// negative binomial spread of a busier or quieter day. 1 when alpha ≤ 0.
func GammaFactor(rng *rand.Rand, alpha float64) float64 {
	if alpha <= 1e-9 {
		return 1
	}
	return gamma(rng, 1/alpha) * alpha
}

// gamma draws a gamma variate of the given shape and scale 1 (Marsaglia
// and Tsang; shapes below 1 through shape + 1).
func gamma(rng *rand.Rand, shape float64) float64 {
	if shape < 1 {
		return gamma(rng, shape+1) * math.Pow(rng.Float64(), 1/shape)
	}
	d := shape - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := rng.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := rng.Float64()
		if u < 1-0.0331*x*x*x*x || math.Log(u) < 0.5*x*x+d*(1-v+math.Log(v)) {
			return d * v
		}
	}
}
