// Package staffing plans a hall's counters: how many, and which, to open
// in each hour of a coming day so that at least 90 % of citizens are
// called within their service's target wait. Erlang C gives a first guess
// for the hour; the plan is then played on the hall's own queue engine
// (simday, in virtual time) with days drawn from the forecast, counters
// are added where the engine shows waits over target and taken away where
// it shows they are not needed — because counters that serve several
// services in an order of preference share their time in ways no formula
// captures — and the plan is checked on days it was not made on.
package staffing

import "math"

// ErlangC is the probability that a citizen must wait at all, with c
// counters and a offered load (arrival rate × mean service time, in
// Erlangs), in the M/M/c queue. 1 when a ≥ c (the queue grows without end).
func ErlangC(c int, a float64) float64 {
	if a <= 0 {
		return 0
	}
	if float64(c) <= a {
		return 1
	}
	// Erlang B by its recursion, then C from B: stable for any c.
	b := 1.0
	for k := 1; k <= c; k++ {
		b = a * b / (float64(k) + a*b)
	}
	return float64(c) * b / (float64(c) - a*(1-b))
}

// WithinTarget is the share of citizens called within target when c
// counters serve a load of a Erlangs with mean service time mean (the
// same unit as target): 1 − C(c, a)·e^(−(c−a)·target/mean).
func WithinTarget(c int, a, target, mean float64) float64 {
	if a <= 0 {
		return 1
	}
	if float64(c) <= a {
		return 0
	}
	return 1 - ErlangC(c, a)*math.Exp(-(float64(c)-a)*target/mean)
}

// ErlangCounters is the fewest counters that call a share goal of
// citizens within target, for arrivals per hour and a mean service time
// in minutes, target in minutes. 0 for no arrivals.
func ErlangCounters(perHour, meanMin, targetMin, goal float64) int {
	if perHour <= 0 {
		return 0
	}
	a := perHour * meanMin / 60
	c := max(1, int(math.Floor(a))+1)
	for WithinTarget(c, a, targetMin, meanMin) < goal {
		c++
	}
	return c
}
