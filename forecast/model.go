package forecast

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// Method is what the model knows of a day. Full is the forecast; the
// others are kept to measure what each part brings (hallsim
// forecast-backtest prints them side by side).
type Method string

const (
	// Full: weekday, calendar effects and trend.
	Full Method = "full"
	// NoTrend: weekday and calendar effects at the recent level.
	NoTrend Method = "no-trend"
	// WeekdayOnly: each weekday's exponentially weighted average at the
	// recent level — a seasonal average.
	WeekdayOnly Method = "weekday"
)

// Methods are every method, the forecast's first.
var Methods = []Method{Full, NoTrend, WeekdayOnly}

// Options tune the model. The zero value is the one the backtest chose
// (docs/FORECAST.md).
type Options struct {
	Method Method // default Full
	// LevelHalfLife: the current level is a weighted average over recent
	// days, in which a day this old counts half (default 6 weeks).
	LevelHalfLife time.Duration
	// PatternHalfLife is the same for the weekday and calendar effects,
	// the trend and the hour-of-day shapes, which need more days to be
	// seen (default 52 weeks).
	PatternHalfLife time.Duration
	// Window is the most history used (default three years).
	Window time.Duration
	// Band is the share of days the band should hold (default 0.8).
	Band float64
}

const week = 7 * 24 * time.Hour

func (o Options) withDefaults() Options {
	if o.Method == "" {
		o.Method = Full
	}
	if o.LevelHalfLife <= 0 {
		o.LevelHalfLife = 6 * week
	}
	if o.PatternHalfLife <= 0 {
		o.PatternHalfLife = 52 * week
	}
	if o.Window <= 0 {
		o.Window = 3 * 52 * week
	}
	if o.Band <= 0 || o.Band >= 1 {
		o.Band = 0.8
	}
	return o
}

// MinDays is the fewest open days of history a forecast needs.
const MinDays = 10

// ErrShortHistory is returned when the history is too short to learn from.
var ErrShortHistory = errors.New("forecast: not enough history")

// Model is a fitted forecast: what the history says about the days after it.
type Model struct {
	asOf     time.Time // the first day after the history
	opt      Options
	work     workdays
	services []string
	fits     map[string]*serviceFit
	// Dispersion of the hall's total (the sum of the services' forecasts),
	// for the total's band.
	totalDay, totalHour float64
	openHour            [7][24]bool
}

// serviceFit is one service's model.
type serviceFit struct {
	level   float64       // log of the level at asOf
	levelV  float64       // its variance
	weekday [7]float64    // log effects
	cal     [nCal]float64 // log effects
	trend   float64       // log per year
	effCov  [][]float64   // covariance of (weekday, cal) effects
	// effMean is the mean (weekday, cal) row of the days the level is
	// read from: a forecast's effects are uncertain only as far as its
	// day differs from those.
	effMean []float64
	shape   [7]Counts // share of the day in each hour, per weekday
	// alphaDay and alphaHour are the negative binomial dispersions left by
	// the fit: variance = μ + α·μ².
	alphaDay, alphaHour float64
}

// Layout of stage one's coefficients: intercept, blocks, weekdays, calendar.
type layout struct{ blocks int }

func (l layout) size() int         { return 1 + l.blocks + 7 + nCal }
func (l layout) block(k int) int   { return 1 + k }
func (l layout) weekday(w int) int { return 1 + l.blocks + w }
func (l layout) cal(c int) int     { return 1 + l.blocks + 7 + c }

// blockDays is the length of the blocks stage one lets the level move by.
const blockDays = 28

// Ridge penalties (in days of weight at the service's volume they are
// small: they only hold back effects seen on few days).
const (
	lambdaBlock   = 1.0
	lambdaWeekday = 2.0
	lambdaCal     = 4.0
	// Shape pooling: a weekday's hour shape counts as this many arrivals
	// of the service's all-week shape.
	shapePrior = 40.0
)

// Fit learns a model from a history. The forecast is for the days after
// its last day; asOf, if later, says the history ends there (the days
// between were closed).
func Fit(h *History, cal Calendar, asOf time.Time, opt Options) (*Model, error) {
	opt = opt.withDefaults()
	days := h.Days()
	if len(days) > 0 {
		asOf = maxTime(DateOf(asOf), days[len(days)-1].Date.AddDate(0, 0, 1))
	}
	asOf = DateOf(asOf)
	windowStart := asOf.Add(-opt.Window)
	i0, _ := slices.BinarySearchFunc(days, windowStart, func(d Day, t time.Time) int { return d.Date.Compare(t) })
	days = days[i0:]
	if len(days) < MinDays {
		return nil, fmt.Errorf("%w: %d open days, the forecast needs at least %d", ErrShortHistory, len(days), MinDays)
	}
	m := &Model{asOf: asOf, opt: opt, fits: map[string]*serviceFit{}}
	m.work = workdays{open: openWeekdays(days, cal, asOf), cal: cal}
	m.openHour = openHours(days, asOf)
	m.services = (&History{days: days}).Services()

	ages := make([]float64, len(days))
	for i, d := range days {
		ages[i] = asOf.Sub(d.Date).Hours() / 24
	}
	lay := layout{blocks: int(ages[0])/blockDays + 1}
	feats := make([][]float64, len(days))
	for i, d := range days {
		x := make([]float64, lay.size())
		x[0] = 1
		x[lay.block(int(ages[i])/blockDays)] = 1
		x[lay.weekday(int(d.Date.Weekday()))] = 1
		if opt.Method != WeekdayOnly {
			for c, v := range m.work.features(d.Date) {
				x[lay.cal(c)] = v
			}
		}
		feats[i] = x
	}
	wPattern := weights(ages, opt.PatternHalfLife)
	wLevel := weights(ages, opt.LevelHalfLife)

	// Stage one on the hall's total, then each service pulled towards it:
	// a small service's weekday and calendar effects borrow from the
	// hall's.
	totals := make([]float64, len(days))
	for i := range days {
		totals[i] = days[i].Total()
	}
	hall, _, err := stageOne(lay, feats, totals, wPattern, nil)
	if err != nil {
		return nil, err
	}
	prior := make([]float64, lay.size())
	copy(prior[lay.weekday(0):], hall[lay.weekday(0):])
	mus := map[string][]float64{}
	for _, s := range m.services {
		y := make([]float64, len(days))
		for i := range days {
			y[i] = days[i].Service(s)
		}
		f, mu, err := m.fitService(s, lay, feats, y, days, ages, wPattern, wLevel, prior)
		if err != nil {
			return nil, fmt.Errorf("forecast: service %s: %w", s, err)
		}
		m.fits[s], mus[s] = f, mu
	}
	m.totalDispersion(days, mus, wLevel)
	return m, nil
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// weights are 2^(−age/halfLife).
func weights(ages []float64, halfLife time.Duration) []float64 {
	hl := halfLife.Hours() / 24
	w := make([]float64, len(ages))
	for i, a := range ages {
		w[i] = math.Exp2(-a / hl)
	}
	return w
}

// stageOne fits the long-run pattern: a level per four-week block (so that
// a change of level is not mistaken for an effect), the weekdays and the
// calendar effects.
func stageOne(lay layout, feats [][]float64, y, w, prior []float64) ([]float64, [][]float64, error) {
	lambda := make([]float64, lay.size())
	for k := range lay.blocks {
		lambda[lay.block(k)] = lambdaBlock
	}
	for d := range 7 {
		lambda[lay.weekday(d)] = lambdaWeekday
	}
	for c := range nCal {
		lambda[lay.cal(c)] = lambdaCal
	}
	var sy, sw float64
	for i := range y {
		sy += w[i] * y[i]
		sw += w[i]
	}
	start := make([]float64, lay.size())
	copy(start, prior)
	start[0] = math.Log(math.Max(sy/sw, 1e-3))
	return (&poissonFit{rows: feats, y: y, w: w, lambda: lambda, prior: prior}).solve(start)
}

func (m *Model) fitService(code string, lay layout, feats [][]float64, y []float64, days []Day, ages, wPattern, wLevel, prior []float64) (*serviceFit, []float64, error) {
	f := &serviceFit{}
	var total float64
	for _, v := range y {
		total += v
	}
	if total == 0 {
		f.level = math.Inf(-1)
		return f, nil, nil
	}
	beta, cov, err := stageOne(lay, feats, y, wPattern, prior)
	if err != nil {
		return nil, nil, err
	}
	for d := range 7 {
		f.weekday[d] = beta[lay.weekday(d)]
	}
	if m.opt.Method != WeekdayOnly {
		for c := range nCal {
			f.cal[c] = beta[lay.cal(c)]
		}
	}
	// The covariance of the effects a day's forecast adds up.
	idx := []int{}
	for d := range 7 {
		idx = append(idx, lay.weekday(d))
	}
	for c := range nCal {
		idx = append(idx, lay.cal(c))
	}
	f.effCov = newMatrix(len(idx))
	for a, i := range idx {
		for b, j := range idx {
			f.effCov[a][b] = cov[i][j]
		}
	}
	if m.opt.Method == Full {
		f.trend = blockTrend(lay, beta, feats, wPattern, y)
	}

	// Stage two: the level now, from recent days with the pattern as given.
	off := make([]float64, len(days))
	for i, d := range days {
		off[i] = f.effect(&m.work, d.Date) + f.trend*(-ages[i]/365.25)
	}
	var sy, se float64
	for i := range days {
		sy += wLevel[i] * y[i]
		se += wLevel[i] * math.Exp(off[i])
	}
	if sy == 0 {
		f.level = math.Inf(-1)
		return f, nil, nil
	}
	f.level = math.Log(sy / se)

	// Dispersion left by the fit, and the level's own uncertainty.
	var num, den, v1, v2 float64
	mus := make([]float64, len(days))
	for i := range days {
		mu := math.Exp(f.level + off[i])
		mus[i] = mu
		r := y[i] - mu
		num += wLevel[i] * (r*r - mu)
		den += wLevel[i] * mu * mu
	}
	f.alphaDay = dispersion(num, den)
	for i := range days {
		v1 += wLevel[i] * wLevel[i] * mus[i] * (1 + f.alphaDay*mus[i])
		v2 += wLevel[i] * mus[i]
	}
	f.levelV = v1 / (v2 * v2)
	f.effMean = make([]float64, 7+nCal)
	for i, d := range days {
		x := m.effectVector(d.Date)
		for j := range x {
			f.effMean[j] += wLevel[i] * mus[i] * x[j] / v2
		}
	}

	f.shape = m.shapes(code, days, wPattern)
	f.alphaHour = m.hourDispersion(code, f, days, mus, wLevel)
	return f, mus, nil
}

func clamp(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }

// effect is the log effect of d's weekday and calendar position.
func (f *serviceFit) effect(w *workdays, d time.Time) float64 {
	e := f.weekday[d.Weekday()]
	for c, v := range w.features(d) {
		e += v * f.cal[c]
	}
	return e
}

// blockTrend is the slope (log per year) of the block levels of the last
// year, weighted by how much each block saw.
func blockTrend(lay layout, beta []float64, feats [][]float64, w, y []float64) float64 {
	n := min(lay.blocks, 13)
	if n < 3 {
		return 0
	}
	bw := make([]float64, n)
	for i, x := range feats {
		for k := range n {
			if x[lay.block(k)] != 0 {
				bw[k] += w[i] * (y[i] + 1)
			}
		}
	}
	var sw, st, sb float64
	for k := range n {
		t := -float64(k*blockDays+blockDays/2) / 365.25
		sw += bw[k]
		st += bw[k] * t
		sb += bw[k] * beta[lay.block(k)]
	}
	if sw == 0 {
		return 0
	}
	mt, mb := st/sw, sb/sw
	var sxy, sxx float64
	for k := range n {
		t := -float64(k*blockDays+blockDays/2) / 365.25
		sxy += bw[k] * (t - mt) * (beta[lay.block(k)] - mb)
		sxx += bw[k] * (t - mt) * (t - mt)
	}
	if sxx == 0 {
		return 0
	}
	// Half a year of blocks says little about a slope: shrink it by how
	// much of a year the blocks span.
	return sxy / sxx * math.Min(1, float64(n)/13)
}
