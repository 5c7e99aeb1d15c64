package simhall

import (
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/hallq/hallq/forecast"
	"github.com/hallq/hallq/report"
	"github.com/hallq/hallq/server/queue"
	"github.com/hallq/hallq/staffing"
)

// HistoryStore is what a backtest reads of a hall's database (*sqlite.DB).
type HistoryStore interface {
	LoadState(ctx context.Context) (queue.State, error)
	Reports() report.Store
}

// BacktestConfig sets up a backtest.
type BacktestConfig struct {
	// Weeks are the weeks forecast, ending the day before End (default:
	// the day after the history's last day).
	Weeks int
	End   time.Time
	// Forecast tunes the forecast (its Method is ignored: every method is
	// measured).
	Forecast forecast.Options
	// Plan, if set, makes each day's staffing plan and replays the day's
	// real citizens through it.
	Plan        bool
	PlanOptions staffing.Options
	// PlanDays, if set, plans only the last so many open days.
	PlanDays int
	// Expected, if set, are the arrivals the history was drawn around
	// (SeedReport.Expected): scored as the "oracle", the best any forecast
	// could do.
	Expected []forecast.Day
	// Progress, if set, receives a line per day.
	Progress io.Writer
}

// BacktestReport is what a backtest measured.
type BacktestReport struct {
	From, To string // the days forecast
	Days     int    // dates forecast (closed ones included)
	OpenDays int    // of which the hall was open
	Services []string
	// Methods are the forecasts' scores: the naive one first, then the
	// model's methods, then the oracle if known.
	Methods []*MethodScore
	// Plans are the replayed plans, one per open day (with Plan).
	Plans []PlanDay
	Took  time.Duration
}

// MethodScore is one forecast's error over the backtest.
type MethodScore struct {
	Name string
	// Per service and in total ("").
	day, hour, actual map[string]float64
	// Coverage of the band: open days × services, and hours.
	inDay, nDay, inHour, nHour int
}

// Names of the forecasts that are not the model's methods.
const (
	Naive  = "naive"  // same weekday last week
	Oracle = "oracle" // the seeded demand itself
	// Median is the full model's median instead of its mean: the point
	// forecast that minimises absolute errors (WAPE), which for a few
	// citizens an hour is below the mean.
	Median = "full, median"
)

func newScore(name string) *MethodScore {
	return &MethodScore{Name: name, day: map[string]float64{}, hour: map[string]float64{}, actual: map[string]float64{}}
}

// WAPE is the weighted absolute percentage error, Σ|actual − forecast| ÷
// Σ actual, of the daily (hourly false) or hourly counts of service ("":
// every service's errors added up).
func (m *MethodScore) WAPE(service string, hourly bool) float64 {
	errs := m.day
	if hourly {
		errs = m.hour
	}
	if m.actual[service] == 0 {
		return math.NaN()
	}
	return errs[service] / m.actual[service]
}

// Coverage is the share of open days (hourly: hours) whose actual count
// fell inside the forecast's band; NaN for forecasts without one.
func (m *MethodScore) Coverage(hourly bool) float64 {
	if hourly {
		return ratio(m.inHour, m.nHour)
	}
	return ratio(m.inDay, m.nDay)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return math.NaN()
	}
	return float64(a) / float64(b)
}

// add scores a day of service: its hours fc and its total day (NaN: the
// hours' sum).
func (m *MethodScore) add(service string, actual, fc *forecast.Counts, day float64, bands *[24]forecast.Band) {
	ad, fd := actual.Sum(), day
	if math.IsNaN(fd) {
		fd = fc.Sum()
	}
	var eh float64
	for h := range 24 {
		eh += math.Abs(actual[h] - fc[h])
	}
	for _, k := range []string{service, ""} {
		m.day[k] += math.Abs(ad - fd)
		m.hour[k] += eh
		m.actual[k] += ad
	}
	if bands == nil {
		return
	}
	for h := range 24 {
		if bands[h].Mean > 0 || actual[h] > 0 {
			m.nHour++
			if actual[h] >= bands[h].Low && actual[h] <= bands[h].High {
				m.inHour++
			}
		}
	}
}

func (m *MethodScore) addDay(actual float64, b forecast.Band) {
	m.nDay++
	if actual >= b.Low && actual <= b.High {
		m.inDay++
	}
}

// PlanDay is a day's plan replayed with the day's real citizens.
type PlanDay struct {
	Date string
	// Planned is the share the plan expected within target; Replayed what
	// it gave the real citizens; History what the hall's own counters gave
	// them that day.
	Planned, Replayed, History float64
	Citizens                   int
	CounterHours               int
	Met                        bool    // the plan met the goal on its drawn days
	Beyond                     float64 // the share of its drawn days beyond every counter
}

// Backtest forecasts each day of the last weeks of a hall's history from
// the days before it, with each method and the naive "same weekday last
// week", and scores them against what happened; with Plan, it also plans
// each day's counters from the forecast and replays the day's real
// citizens through the plan on the queue engine.
func Backtest(ctx context.Context, store HistoryStore, cfg BacktestConfig) (*BacktestReport, error) {
	began := time.Now()
	if cfg.Weeks <= 0 {
		return nil, fmt.Errorf("simhall: backtest of %d weeks", cfg.Weeks)
	}
	bt, err := loadBacktest(ctx, store, cfg)
	if err != nil {
		return nil, err
	}
	for date := bt.start; date.Before(bt.end); date = date.AddDate(0, 0, 1) {
		if err := ctx.Err(); err != nil {
			return bt.rep, err
		}
		if err := bt.day(ctx, date); err != nil {
			return bt.rep, err
		}
	}
	bt.rep.Took = time.Since(began)
	return bt.rep, nil
}

// backtest is a Backtest under way: the hall, its history, the weeks
// replayed and the scores so far.
type backtest struct {
	cfg        BacktestConfig
	st         queue.State
	cal        forecast.Calendar
	hist       *forecast.History
	rec        *staffing.Record // the tickets the plans replay
	start, end time.Time
	expected   map[time.Time]*forecast.Day
	rep        *BacktestReport

	naive, median, oracle *MethodScore // oracle nil without cfg.Expected
	scores                map[forecast.Method]*MethodScore
}

// loadBacktest reads the hall's settings and history, finds the weeks to
// replay (the last cfg.Weeks before cfg.End or the history's end) and sets
// up a score for each method.
func loadBacktest(ctx context.Context, store HistoryStore, cfg BacktestConfig) (*backtest, error) {
	st, err := store.LoadState(ctx)
	if err != nil {
		return nil, err
	}
	loc, err := st.Settings.Location()
	if err != nil {
		return nil, err
	}
	cal, err := forecast.ParseHolidays(st.Settings.Holidays)
	if err != nil {
		return nil, err
	}
	// First the whole history's counts, to find its end.
	all := staffing.NewRecord(loc, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC))
	if err := store.Reports().DayTickets(ctx, "0001-01-01", "9999-12-31", func(t *report.Ticket) error { all.Add(t); return nil }); err != nil {
		return nil, err
	}
	hist := all.History()
	days := hist.Days()
	if len(days) == 0 {
		return nil, fmt.Errorf("simhall: the hall has no history to backtest")
	}
	end := forecast.DateOf(cfg.End)
	if cfg.End.IsZero() {
		end = days[len(days)-1].Date.AddDate(0, 0, 1)
	}
	start := end.AddDate(0, 0, -7*cfg.Weeks)
	bt := &backtest{cfg: cfg, st: st, cal: cal, hist: hist, rec: all, start: start, end: end,
		expected: map[time.Time]*forecast.Day{}, scores: map[forecast.Method]*MethodScore{},
		rep: &BacktestReport{From: start.Format(time.DateOnly), To: end.AddDate(0, 0, -1).Format(time.DateOnly), Services: hist.Services()}}
	// Then the tickets of the weeks replayed and the eight weeks before,
	// for the citizens' behaviour and the replays.
	if cfg.Plan {
		bt.rec = staffing.NewRecord(loc, start.AddDate(0, 0, -56))
		if err := store.Reports().DayTickets(ctx, start.AddDate(0, 0, -57).Format(time.DateOnly), end.Format(time.DateOnly),
			func(t *report.Ticket) error { bt.rec.Add(t); return nil }); err != nil {
			return nil, err
		}
	}
	for i := range cfg.Expected {
		bt.expected[cfg.Expected[i].Date] = &cfg.Expected[i]
	}
	score := func(name string) *MethodScore {
		m := newScore(name)
		bt.rep.Methods = append(bt.rep.Methods, m)
		return m
	}
	bt.naive = score(Naive)
	for _, m := range forecast.Methods {
		bt.scores[m] = score(string(m))
	}
	bt.median = score(Median)
	if len(bt.expected) > 0 {
		bt.oracle = score(Oracle)
	}
	return bt, nil
}

var noCounts forecast.Counts

// countsOf are service s's hourly counts on day d (none when d is nil or
// the service had none).
func countsOf(d *forecast.Day, s string) *forecast.Counts {
	if d == nil || d.Hours[s] == nil {
		return &noCounts
	}
	return d.Hours[s]
}

// day forecasts date from the days before it with each method, scores the
// forecasts and the naive and oracle ones against the day, plans and
// replays it (with cfg.Plan) and writes its progress line.
func (bt *backtest) day(ctx context.Context, date time.Time) error {
	bt.rep.Days++
	before := bt.hist.Before(date)
	actual := bt.hist.On(date)
	if actual != nil {
		bt.rep.OpenDays++
	}
	lastWeek := before.On(date.AddDate(0, 0, -7))
	var full *forecast.DayForecast
	for _, m := range forecast.Methods {
		f, err := bt.forecast(before, date, m)
		if err != nil {
			return err
		}
		if m == forecast.Full {
			full = f
			bt.scoreMedian(f, actual)
		}
		bt.scoreMethod(bt.scores[m], f, actual)
	}
	for _, s := range bt.rep.Services {
		bt.naive.add(s, countsOf(actual, s), countsOf(lastWeek, s), math.NaN(), nil)
		if bt.oracle != nil {
			bt.oracle.add(s, countsOf(actual, s), countsOf(bt.expected[date], s), math.NaN(), nil)
		}
	}
	if bt.cfg.Plan && actual != nil && full.Closed == "" && (bt.cfg.PlanDays <= 0 || openAfter(bt.hist, date, bt.end) < bt.cfg.PlanDays) {
		pd, err := planDay(ctx, bt.st, bt.rec, full, date, bt.cfg.PlanOptions)
		if err != nil {
			return err
		}
		bt.rep.Plans = append(bt.rep.Plans, pd)
	}
	if bt.cfg.Progress != nil {
		fmt.Fprintln(bt.cfg.Progress, bt.progress(date, actual, lastWeek, full))
	}
	return nil
}

// forecast fits method m to the days before date and forecasts date.
func (bt *backtest) forecast(before *forecast.History, date time.Time, m forecast.Method) (*forecast.DayForecast, error) {
	opt := bt.cfg.Forecast
	opt.Method = m
	model, err := forecast.Fit(before, bt.cal, date, opt)
	if err != nil {
		return nil, fmt.Errorf("simhall: forecast of %s: %w", date.Format(time.DateOnly), err)
	}
	return model.Forecast(date)
}

// scoreMedian scores the full model's medians (rather than its means).
func (bt *backtest) scoreMedian(f *forecast.DayForecast, actual *forecast.Day) {
	for _, s := range bt.rep.Services {
		var fc forecast.Counts
		var day float64
		if sf := f.Service(s); sf != nil {
			for h := range 24 {
				fc[h] = sf.Hours[h].Median
			}
			day = sf.Day.Median
		}
		bt.median.add(s, countsOf(actual, s), &fc, day, nil)
	}
}

// scoreMethod scores forecast f's means, and its bands on an open day.
func (bt *backtest) scoreMethod(score *MethodScore, f *forecast.DayForecast, actual *forecast.Day) {
	for _, s := range bt.rep.Services {
		var fc forecast.Counts
		var bands *[24]forecast.Band
		if sf := f.Service(s); sf != nil {
			for h := range 24 {
				fc[h] = sf.Hours[h].Mean
			}
			bands = &sf.Hours
			if actual != nil && f.Closed == "" {
				score.addDay(actual.Service(s), sf.Day)
			}
		}
		if actual == nil || f.Closed != "" {
			bands = nil
		}
		score.add(s, countsOf(actual, s), &fc, math.NaN(), bands)
	}
}

// progress is date's line: the day's citizens, the full forecast and the
// naive one, and the day's plan if it has one.
func (bt *backtest) progress(date time.Time, actual, lastWeek *forecast.Day, full *forecast.DayForecast) string {
	line := fmt.Sprintf("%s %s: actual %.0f, forecast %.0f (%.0f–%.0f), naive %.0f", date.Format(time.DateOnly), date.Weekday().String()[:3],
		actualTotal(actual), full.Total.Day.Mean, full.Total.Day.Low, full.Total.Day.High, actualTotal(lastWeek))
	if n := len(bt.rep.Plans); bt.cfg.Plan && n > 0 && bt.rep.Plans[n-1].Date == date.Format(time.DateOnly) {
		p := bt.rep.Plans[n-1]
		line += fmt.Sprintf("; plan %d counter-hours: %.1f %% within target (planned %.1f %%, the hall's own counters %.1f %%)",
			p.CounterHours, 100*p.Replayed, 100*p.Planned, 100*p.History)
	}
	return line
}

// openAfter counts the open days of h after date and before end.
func openAfter(h *forecast.History, date, end time.Time) int {
	n := 0
	for d := date.AddDate(0, 0, 1); d.Before(end); d = d.AddDate(0, 0, 1) {
		if h.On(d) != nil {
			n++
		}
	}
	return n
}

func actualTotal(d *forecast.Day) float64 {
	if d == nil {
		return 0
	}
	return d.Total()
}

// planDay plans date from its forecast and replays its citizens.
func planDay(ctx context.Context, st queue.State, rec *staffing.Record, f *forecast.DayForecast, date time.Time, opt staffing.Options) (PlanDay, error) {
	b := rec.Behaviour(date)
	plan, err := staffing.Make(ctx, st, f, b, opt)
	if err != nil {
		return PlanDay{}, err
	}
	vs := rec.Visitors(date, b)
	out, err := staffing.Replay(ctx, st, plan, vs)
	if err != nil {
		return PlanDay{}, err
	}
	return PlanDay{Date: date.Format(time.DateOnly), Planned: plan.Within, Replayed: out.Share(), History: rec.WithinTarget(date, st.Services),
		Citizens: out.Count, CounterHours: plan.CounterHours(), Met: plan.Met, Beyond: plan.Beyond}, nil
}

// Print writes the report as tables.
func (r *BacktestReport) Print(w io.Writer, goal float64) {
	fmt.Fprintf(w, "forecast backtest %s to %s: %d days (%d open), each forecast from the days before it, in %v\n\n",
		r.From, r.To, r.Days, r.OpenDays, r.Took.Round(time.Second))
	naive := r.Methods[0]
	for _, hourly := range []bool{false, true} {
		what := "daily"
		if hourly {
			what = "hourly"
		}
		fmt.Fprintf(w, "WAPE of %s arrivals (Σ|actual − forecast| ÷ Σ actual), and against the naive forecast:\n\n", what)
		fmt.Fprintf(w, "| forecast |")
		for _, s := range r.Services {
			fmt.Fprintf(w, " %s |", s)
		}
		fmt.Fprintf(w, " all services | vs naive |\n| --- |%s --- | --- |\n", strings.Repeat(" --- |", len(r.Services)))
		for _, m := range r.Methods {
			fmt.Fprintf(w, "| %s |", m.Name)
			for _, s := range r.Services {
				fmt.Fprintf(w, " %.1f %% |", 100*m.WAPE(s, hourly))
			}
			all, base := m.WAPE("", hourly), naive.WAPE("", hourly)
			fmt.Fprintf(w, " %.1f %% | %+.1f %% |\n", 100*all, 100*(all-base)/base)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "80 %% band holds the actual count: ")
	for _, m := range r.Methods {
		if c := m.Coverage(false); !math.IsNaN(c) {
			fmt.Fprintf(w, "%s %.1f %% of days × services, %.1f %% of hours; ", m.Name, 100*c, 100*m.Coverage(true))
		}
	}
	fmt.Fprintln(w)
	if len(r.Plans) == 0 {
		return
	}
	met, planMet, hist := 0, 0, 0
	var ch int
	var beyond float64
	var shares []float64
	for _, p := range r.Plans {
		if p.Replayed >= goal {
			met++
		}
		if p.History >= goal {
			hist++
		}
		if p.Met {
			planMet++
		}
		ch += p.CounterHours
		beyond += p.Beyond
		shares = append(shares, p.Replayed)
	}
	slices.Sort(shares)
	n := len(r.Plans)
	fmt.Fprintf(w, "\nstaffing plans replayed with each day's real citizens: %d days; %d (%.1f %%) kept ≥ %.0f %% within target "+
		"(worst day %.1f %%, median %.1f %%); the plans met the goal on their drawn days on %d "+
		"(%.1f %% of the drawn days were beyond every counter); %.1f counter-hours a day on average; "+
		"the hall's own counters (all open) kept ≥ %.0f %% on %d days\n",
		n, met, 100*float64(met)/float64(n), 100*goal, 100*shares[0], 100*shares[n/2], planMet,
		100*beyond/float64(n), float64(ch)/float64(n), 100*goal, hist)
}
