package forecast

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// Band is a forecast figure: the expected count, the band that should
// hold the actual count on four days in five (Options.Band), and the
// median (the count the actual one is as likely to be above as below:
// for a few citizens an hour it is lower than the mean, and it is the
// figure that errs least in absolute terms).
type Band struct {
	Mean   float64 `json:"mean"`
	Low    float64 `json:"low"`
	High   float64 `json:"high"`
	Median float64 `json:"median"`
}

// ServiceForecast is one service's day (Service "" for the hall's total).
type ServiceForecast struct {
	Service string
	Day     Band
	Hours   [24]Band
	// DayDispersion and HourDispersion are the negative binomial α of the
	// day's and of each hour's count (variance μ + α·μ²), the fit's own
	// uncertainty included: what a simulation of the day draws from.
	DayDispersion, HourDispersion float64
}

// Why a day is forecast closed.
const (
	ClosedHoliday = "holiday"
	ClosedWeekday = "closed_weekday"
)

// DayForecast is the forecast of one day.
type DayForecast struct {
	Date time.Time
	// Closed is why the hall is expected to be closed ("" when open).
	Closed string
	// Notes say what makes the day unusual (month_start, month_end,
	// before_holiday, after_holiday).
	Notes []string
	// Services are sorted by code; Total is their sum.
	Services []ServiceForecast
	Total    ServiceForecast
	// Band is the share of days the bands should hold.
	Band float64
}

// Service is the forecast of one service, or nil.
func (f *DayForecast) Service(code string) *ServiceForecast {
	for i := range f.Services {
		if f.Services[i].Service == code {
			return &f.Services[i]
		}
	}
	return nil
}

// Remaining is the number of citizens of service expected after the time
// of day at (since local midnight): the hours still to come, and the rest
// of the current hour pro rata. For the whole hall, service "".
func (f *DayForecast) Remaining(service string, at time.Duration) float64 {
	sf := &f.Total
	if service != "" {
		if sf = f.Service(service); sf == nil {
			return 0
		}
	}
	var s float64
	for h := range 24 {
		from, to := time.Duration(h)*time.Hour, time.Duration(h+1)*time.Hour
		switch {
		case at <= from:
			s += sf.Hours[h].Mean
		case at < to:
			s += sf.Hours[h].Mean * float64(to-at) / float64(time.Hour)
		}
	}
	return s
}

// AsOf is the first day the model forecasts: the day after its history.
func (m *Model) AsOf() time.Time { return m.asOf }

// Forecast is the forecast of date (on or after AsOf).
func (m *Model) Forecast(date time.Time) (*DayForecast, error) {
	d := DateOf(date)
	if d.Before(m.asOf) {
		return nil, fmt.Errorf("forecast: %s is inside the history (it ends before %s)", d.Format(time.DateOnly), m.asOf.Format(time.DateOnly))
	}
	out := &DayForecast{Date: d, Band: m.opt.Band, Total: ServiceForecast{}}
	switch {
	case m.work.cal.Holiday(d):
		out.Closed = ClosedHoliday
	case !m.work.open[d.Weekday()]:
		out.Closed = ClosedWeekday
	}
	lo, hi := (1-m.opt.Band)/2, (1+m.opt.Band)/2
	if out.Closed == "" {
		out.Notes = m.work.notes(d)
	}
	t := d.Sub(m.asOf).Hours() / 24 / 365.25
	x := m.effectVector(d)
	var totalMu, totalSD float64
	var totalH Counts
	for _, s := range m.services {
		f := m.fits[s]
		sf := ServiceForecast{Service: s}
		if out.Closed == "" && !math.IsInf(f.level, -1) {
			mu := math.Exp(f.level + f.effect(&m.work, d) + f.trend*t)
			// The fit's own uncertainty, on the log scale.
			dx := slices.Clone(x)
			for j := range dx {
				dx[j] -= f.effMean[j]
			}
			v := f.levelV + quadForm(f.effCov, dx)*(1+f.alphaDay*mu)
			sf.DayDispersion, sf.HourDispersion = f.alphaDay+v, f.alphaHour+v
			sf.Day = band(mu, sf.DayDispersion, lo, hi)
			for h := range 24 {
				muH := mu * f.shape[d.Weekday()][h]
				sf.Hours[h] = band(muH, sf.HourDispersion, lo, hi)
				totalH[h] += muH
			}
			totalMu += mu
			totalSD += mu * math.Sqrt(v)
		}
		out.Services = append(out.Services, sf)
	}
	if totalMu > 0 {
		v := totalSD * totalSD / (totalMu * totalMu)
		out.Total.DayDispersion, out.Total.HourDispersion = m.totalDay+v, m.totalHour+v
		out.Total.Day = band(totalMu, out.Total.DayDispersion, lo, hi)
		for h := range 24 {
			out.Total.Hours[h] = band(totalH[h], out.Total.HourDispersion, lo, hi)
		}
	}
	return out, nil
}

// effectVector is d's row of the effects' covariance: its weekday and
// calendar indicators.
func (m *Model) effectVector(d time.Time) []float64 {
	x := make([]float64, 7+nCal)
	x[d.Weekday()] = 1
	if m.opt.Method != WeekdayOnly {
		for c, v := range m.work.features(d) {
			x[7+c] = v
		}
	}
	return x
}

func band(mu, alpha, lo, hi float64) Band {
	return Band{Mean: mu, Low: nbQuantile(mu, alpha, lo), High: nbQuantile(mu, alpha, hi), Median: nbQuantile(mu, alpha, 0.5)}
}

// nbQuantile is the smallest count k with P(X ≤ k) ≥ q for a negative
// binomial X with mean mu and variance mu + alpha·mu² (Poisson for alpha
// 0).
func nbQuantile(mu, alpha, q float64) float64 {
	if mu <= 0 {
		return 0
	}
	if mu > 400 {
		// Far from zero the normal approximation is within a count.
		z := normalQuantile(q)
		return math.Max(0, math.Round(mu+z*math.Sqrt(mu+alpha*mu*mu)))
	}
	// P(k+1) = P(k)·ratio(k), from P(0).
	pk := math.Exp(-mu)
	ratio := func(k float64) float64 { return mu / (k + 1) }
	if alpha >= 1e-9 {
		r := 1 / alpha
		pr := r / (r + mu)
		pk = math.Exp(r * math.Log(pr))
		ratio = func(k float64) float64 { return (k + r) / (k + 1) * (1 - pr) }
	}
	cdf, k := pk, 0.0
	for cdf < q && k < 100_000 {
		pk *= ratio(k)
		k++
		cdf += pk
	}
	return k
}

// normalQuantile is Φ⁻¹(q) (Acklam's rational approximation, good to 1e-9).
func normalQuantile(q float64) float64 {
	a := []float64{-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00}
	b := []float64{-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01}
	c := []float64{-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00}
	d := []float64{7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00}
	const pl = 0.02425
	switch {
	case q < pl:
		r := math.Sqrt(-2 * math.Log(q))
		return (((((c[0]*r+c[1])*r+c[2])*r+c[3])*r+c[4])*r + c[5]) / ((((d[0]*r+d[1])*r+d[2])*r+d[3])*r + 1)
	case q > 1-pl:
		r := math.Sqrt(-2 * math.Log(1-q))
		return -(((((c[0]*r+c[1])*r+c[2])*r+c[3])*r+c[4])*r + c[5]) / ((((d[0]*r+d[1])*r+d[2])*r+d[3])*r + 1)
	}
	r := q - 0.5
	s := r * r
	return (((((a[0]*s+a[1])*s+a[2])*s+a[3])*s+a[4])*s + a[5]) * r / (((((b[0]*s+b[1])*s+b[2])*s+b[3])*s+b[4])*s + 1)
}
