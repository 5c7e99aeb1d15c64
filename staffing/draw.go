package staffing

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/hallq/hallq/simday"
)

// draw is a day drawn from the forecast: a busier or quieter day as a
// whole, each hour's citizens of each service, and how each behaves.
func (p *planner) draw(rng *rand.Rand) []simday.Visitor {
	var out []simday.Visitor
	day := simday.GammaFactor(rng, p.f.Total.DayDispersion)
	for _, sf := range p.f.Services {
		extra := max(0, sf.HourDispersion-sf.DayDispersion)
		for h := range 24 {
			mu := sf.Hours[h].Mean
			if mu <= 0 {
				continue
			}
			n := simday.Poisson(rng, mu*day*simday.GammaFactor(rng, extra))
			for range n {
				out = append(out, p.visitor(rng, sf.Service, p.within(rng, h)))
			}
		}
	}
	slices.SortFunc(out, func(a, b simday.Visitor) int { return cmp.Compare(a.At, b.At) })
	for i := range out {
		out[i].N = i + 1
	}
	return out
}

// within is a moment in hour h: a quarter as the hall's recent days
// filled them, then any second of it.
func (p *planner) within(rng *rand.Rand, h int) time.Duration {
	q, total := 0, 0.0
	for _, n := range p.b.Quarters[h] {
		total += n
	}
	if total > 0 {
		x := rng.Float64() * total
		for q = 0; q < 3 && x >= p.b.Quarters[h][q]; q++ {
			x -= p.b.Quarters[h][q]
		}
	} else {
		q = rng.IntN(4)
	}
	const quarter = 15 * time.Minute
	return time.Duration(h)*time.Hour + time.Duration(q)*quarter + time.Duration(rng.Int64N(int64(quarter)))
}

func (p *planner) visitor(rng *rand.Rand, code string, at time.Duration) simday.Visitor {
	v := simday.Visitor{At: at.Truncate(time.Second), Service: code, ServiceTime: p.sample(rng, code)}
	if rng.Float64() < p.b.Priority && p.b.PriorityKind != "" {
		v.Priority = p.b.PriorityKind
	}
	v.NoShow = rng.Float64() < p.b.NoShow
	if !v.NoShow && rng.Float64() < p.b.Transfer {
		if to := pickWeighted(rng, p.b.TransferTo[code]); to != "" && to != code {
			v.TransferTo = to
			v.ServiceTime2 = p.sample(rng, to)
		}
	}
	return v
}

// sample is a service time drawn from the service's recent ones.
func (p *planner) sample(rng *rand.Rand, code string) time.Duration {
	ts := p.b.ServiceTimes[code]
	if len(ts) == 0 {
		return p.meanService(code)
	}
	return ts[rng.IntN(len(ts))]
}

func pickWeighted(rng *rand.Rand, w map[string]int) string {
	keys := make([]string, 0, len(w))
	total := 0
	for k, n := range w {
		keys = append(keys, k)
		total += n
	}
	if total == 0 {
		return ""
	}
	slices.Sort(keys)
	x := rng.IntN(total)
	for _, k := range keys {
		if x < w[k] {
			return k
		}
		x -= w[k]
	}
	return ""
}
