package forecast

import (
	"time"
)

// recentDays is how far back the hall's weekdays and hours are read from:
// what it does now, not what it did last year.
const recentDays = 56

// openWeekdays are the weekdays the hall opened on at least half of, over
// its recent weeks (holidays aside).
func openWeekdays(days []Day, cal Calendar, asOf time.Time) [7]bool {
	from := maxTime(asOf.AddDate(0, 0, -recentDays), days[0].Date)
	var seen, open [7]int
	have := map[time.Time]bool{}
	for _, d := range days {
		have[d.Date] = true
	}
	for d := from; d.Before(asOf); d = d.AddDate(0, 0, 1) {
		if cal.Holiday(d) {
			continue
		}
		seen[d.Weekday()]++
		if have[d] {
			open[d.Weekday()]++
		}
	}
	var out [7]bool
	for w := range 7 {
		out[w] = open[w] > 0 && 2*open[w] >= seen[w]
	}
	return out
}

// openHours are, per weekday, the hours in which citizens came on at
// least a quarter of its recent open days (over all its history when it
// has no recent day).
func openHours(days []Day, asOf time.Time) [7][24]bool {
	var out [7][24]bool
	for w := range 7 {
		var n int
		var hits [24]int
		count := func(recent bool) {
			for i := len(days) - 1; i >= 0; i-- {
				d := &days[i]
				if recent && asOf.Sub(d.Date) > recentDays*24*time.Hour {
					break
				}
				if int(d.Date.Weekday()) != w {
					continue
				}
				n++
				var any [24]bool
				for _, c := range d.Hours {
					for h, v := range c {
						if v > 0 {
							any[h] = true
						}
					}
				}
				for h := range 24 {
					if any[h] {
						hits[h]++
					}
				}
			}
		}
		count(true)
		if n == 0 {
			count(false)
		}
		for h := range 24 {
			out[w][h] = n > 0 && 4*hits[h] >= n
		}
	}
	return out
}

// shapes are a service's share of the day in each hour, per weekday: its
// weighted counts for that weekday, pulled towards its all-week shape
// (which itself leans on the hall's), within the weekday's open hours.
func (m *Model) shapes(code string, days []Day, w []float64) [7]Counts {
	var byDay [7]Counts
	var all, hall Counts
	for i, d := range days {
		for s, c := range d.Hours {
			for h, v := range c {
				hall[h] += w[i] * v
				if s == code {
					byDay[d.Date.Weekday()][h] += w[i] * v
					all[h] += w[i] * v
				}
			}
		}
	}
	hallSum := hall.Sum()
	var out [7]Counts
	for wd := range 7 {
		var prior Counts
		var ps, n float64
		for h := range 24 {
			if !m.openHour[wd][h] {
				continue
			}
			prior[h] = all[h]
			if hallSum > 0 {
				prior[h] += shapePrior * hall[h] / hallSum
			}
			ps += prior[h]
			n += byDay[wd][h]
		}
		if ps == 0 {
			continue
		}
		for h := range 24 {
			if m.openHour[wd][h] {
				out[wd][h] = (byDay[wd][h] + shapePrior*prior[h]/ps) / (n + shapePrior)
			}
		}
	}
	return out
}

// dispersion is the negative binomial α that makes the weighted residuals'
// variance μ + α·μ² (method of moments), from per-day sums of
// Σ(y−μ)² − μ and Σμ².
func dispersion(num, den float64) float64 {
	if den <= 0 {
		return 0
	}
	return clamp(num/den, 0, 2)
}

// hourDispersion is the dispersion of a service's hourly counts around
// the fitted days spread by the shapes.
func (m *Model) hourDispersion(code string, f *serviceFit, days []Day, mus, w []float64) float64 {
	var num, den float64
	for i, d := range days {
		c := d.Hours[code]
		for h := range 24 {
			mu := mus[i] * f.shape[d.Date.Weekday()][h]
			var y float64
			if c != nil {
				y = c[h]
			}
			num += w[i] * ((y-mu)*(y-mu) - mu)
			den += w[i] * mu * mu
		}
	}
	return dispersion(num, den)
}

// totalDispersion is the same for the hall's total, whose forecast is the
// sum of the services'.
func (m *Model) totalDispersion(days []Day, mus map[string][]float64, w []float64) {
	var dn, dd, hn, hd float64
	for i, d := range days {
		var mu float64
		var muH Counts
		for s, f := range m.fits {
			if mus[s] == nil {
				continue
			}
			mu += mus[s][i]
			for h := range 24 {
				muH[h] += mus[s][i] * f.shape[d.Date.Weekday()][h]
			}
		}
		y := d.Total()
		dn += w[i] * ((y-mu)*(y-mu) - mu)
		dd += w[i] * mu * mu
		var yH Counts
		for _, c := range d.Hours {
			for h, v := range c {
				yH[h] += v
			}
		}
		for h := range 24 {
			r := yH[h] - muH[h]
			hn += w[i] * (r*r - muH[h])
			hd += w[i] * muH[h] * muH[h]
		}
	}
	m.totalDay, m.totalHour = dispersion(dn, dd), dispersion(hn, hd)
}
