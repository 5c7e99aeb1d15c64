package reports

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/forecast"
	"github.com/hallq/hallq/internal/excelcsv"
	"github.com/hallq/hallq/server/api"
	"github.com/hallq/hallq/server/queue"
	"github.com/hallq/hallq/server/web/staff"
	"github.com/hallq/hallq/staffing"
)

// Forecast serves a hall's forecast of arrivals and its staffing plan
// (package staffing): GET /api/v1/forecast as JSON or CSV, and the
// manager's 'Dự báo' page. Only the hall server has it: a plan is played
// on the hall's own queue engine, which the city server does not run.
type Forecast struct {
	Outlooks *staffing.Outlooks
	// Hall is the hall as a plan needs it (settings, services, counters;
	// no tickets) and its clock.
	Hall   func() (queue.State, time.Time)
	Logger *slog.Logger
	// PageWait is how long the page waits for a forecast and plan being
	// made before it shows that they are on their way (default 2 s).
	PageWait time.Duration
}

// ForecastResponse is GET /api/v1/forecast as JSON: a day's expected
// arrivals with their band, and the plan of counters to open.
type ForecastResponse struct {
	Date string `json:"date"`
	// Closed is why the hall is expected to be closed: holiday or
	// closed_weekday ("" when open).
	Closed string `json:"closed,omitempty"`
	// Notes: month_start, month_end, before_holiday, after_holiday.
	Notes   []string        `json:"notes"`
	BandPct int             `json:"band_pct"`
	History ForecastHistory `json:"history"`
	// Total is the day's arrivals; Services each service's.
	Total    forecast.Band     `json:"total"`
	Services []ForecastService `json:"services"`
	Hours    []ForecastHour    `json:"hours"`
	Plan     *ForecastPlan     `json:"plan,omitempty"`
	// Begun: the day is today or past; Actual are its arrivals so far.
	Begun  bool `json:"begun"`
	Actual *int `json:"actual,omitempty"`
}

// ForecastHistory is what the forecast learnt from: the days the hall
// was open between From and To.
type ForecastHistory struct {
	From string `json:"from"`
	To   string `json:"to"`
	Days int    `json:"days"`
}

// ForecastService is one service's expected day.
type ForecastService struct {
	Code string        `json:"code"`
	Name string        `json:"name"`
	Day  forecast.Band `json:"day"`
}

// ForecastHour is one hour of the day.
type ForecastHour struct {
	Hour     int                      `json:"hour"`
	Total    forecast.Band            `json:"total"`
	Services map[string]forecast.Band `json:"services"`
	// Counters are the plan's counters to open, by number (none outside
	// the plan's hours); Erlang is the formula's first guess of how many.
	Counters []int `json:"counters"`
	Erlang   int   `json:"erlang"`
	// WithinPct is the simulated share of the hour's citizens called
	// within their service's target under the plan.
	WithinPct *float64 `json:"within_pct,omitempty"`
	// Actual and Open, once the day has begun: the arrivals, and the
	// counters open on average over the hour (so far).
	Actual *int     `json:"actual,omitempty"`
	Open   *float64 `json:"open,omitempty"`
}

// ForecastPlan is the plan as a whole.
type ForecastPlan struct {
	// Met says the plan keeps GoalPct within target on the simulated days
	// (those the hall's counters can serve at all: BeyondPct are not).
	Met         bool    `json:"met"`
	GoalPct     int     `json:"goal_pct"`
	WithinPct   float64 `json:"within_pct"`
	DaysMetPct  float64 `json:"days_met_pct"`
	BeyondPct   float64 `json:"beyond_pct"`
	Simulations int     `json:"simulations"`
}

// date is the day asked for (?date=YYYY-MM-DD, default tomorrow).
func (f *Forecast) date(r *http.Request, now time.Time, loc *time.Location) (time.Time, error) {
	v := r.URL.Query().Get("date")
	if v == "" {
		return forecast.DateOf(now.In(loc)).AddDate(0, 0, 1), nil
	}
	d, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return time.Time{}, hallq.Errorf(hallq.EINVALID, "date=%q: want a day as YYYY-MM-DD", v)
	}
	return d, nil
}

// get is the outlook of the request's day.
func (f *Forecast) get(ctx context.Context, r *http.Request) (*staffing.Outlook, queue.State, time.Time, error) {
	st, now := f.Hall()
	loc, err := st.Settings.Location()
	if err != nil {
		return nil, st, now, err
	}
	date, err := f.date(r, now, loc)
	if err != nil {
		return nil, st, now, err
	}
	o, err := f.Outlooks.Get(ctx, st, now, date)
	return o, st, now, outlookError(err)
}

// outlookError gives the outlook's refusals their codes.
func outlookError(err error) error {
	switch {
	case errors.Is(err, staffing.ErrOutOfRange):
		return &hallq.Error{Code: hallq.EINVALID, Reason: "out_of_range", Message: strings.TrimPrefix(err.Error(), "staffing: ")}
	case errors.Is(err, forecast.ErrShortHistory):
		return &hallq.Error{Code: hallq.ECONFLICT, Reason: "short_history", Message: strings.TrimPrefix(err.Error(), "forecast: ")}
	}
	return err
}

// Get is GET /api/v1/forecast: ?date= (default tomorrow), ?format=json
// or csv. It waits while the forecast and plan are made (seconds, the
// first time each day).
func (f *Forecast) Get(w http.ResponseWriter, r *http.Request, _ hallq.Principal) error {
	format := r.URL.Query().Get("format")
	if format != "" && format != "json" && format != "csv" {
		return hallq.Errorf(hallq.EINVALID, "format must be json or csv")
	}
	o, st, now, err := f.get(r.Context(), r)
	if err != nil {
		return err
	}
	lang := staff.Lang(r, st.Settings.Language)
	resp := forecastResponse(o, st, now, lang)
	if format == "csv" {
		return forecastCSV(w, resp, staff.Embedded(), lang)
	}
	api.WriteJSON(w, http.StatusOK, resp)
	return nil
}

// forecastResponse lays an outlook out by hour: the hours from the first
// citizen expected (or come, or counter open) to the last.
func forecastResponse(o *staffing.Outlook, st queue.State, now time.Time, lang string) *ForecastResponse {
	f := o.Forecast
	out := &ForecastResponse{Date: o.Date.Format(time.DateOnly), Closed: f.Closed, Notes: f.Notes,
		BandPct: int(math.Round(f.Band * 100)), Total: round(f.Total.Day), Begun: o.Begun, Services: []ForecastService{}, Hours: []ForecastHour{}}
	if out.Notes == nil {
		out.Notes = []string{}
	}
	if o.HistoryDays > 0 {
		out.History = ForecastHistory{From: o.HistoryFrom.Format(time.DateOnly), To: o.HistoryTo.Format(time.DateOnly), Days: o.HistoryDays}
	}
	names := map[string]string{}
	for _, sv := range st.Services {
		names[sv.Code] = sv.NameVI
		if lang == "en" && sv.NameEN != "" {
			names[sv.Code] = sv.NameEN
		}
	}
	for _, sf := range f.Services {
		name := names[sf.Service]
		if name == "" {
			name = sf.Service // a service the hall no longer has
		}
		out.Services = append(out.Services, ForecastService{Code: sf.Service, Name: name, Day: round(sf.Day)})
	}
	plan := map[int]staffing.Hour{}
	if p := o.Plan; p != nil && f.Closed == "" {
		for _, h := range p.Hours {
			plan[h.Hour] = h
		}
		out.Plan = &ForecastPlan{Met: p.Met, GoalPct: 90, WithinPct: pct(p.Within), DaysMetPct: pct(p.DaysMet),
			BeyondPct: pct(p.Beyond), Simulations: p.Simulations}
	}
	used := func(h int) bool {
		_, planned := plan[h]
		return f.Total.Hours[h].Mean >= 0.05 || planned || o.Actual.Hour(h) > 0 || o.Open[h] > 0
	}
	first, last := -1, -1
	for h := range 24 {
		if used(h) {
			if first < 0 {
				first = h
			}
			last = h
		}
	}
	// Hours still to come have nothing to show yet.
	upTo := 23
	if o.Begun {
		n := int(o.Actual.Total())
		out.Actual = &n
		if loc, err := st.Settings.Location(); err == nil && forecast.DateOf(now.In(loc)).Equal(o.Date) {
			upTo = now.In(loc).Hour()
		}
	}
	for h := first; h >= 0 && h <= last; h++ {
		fh := ForecastHour{Hour: h, Total: round(f.Total.Hours[h]), Services: map[string]forecast.Band{}, Counters: []int{}}
		for _, sf := range f.Services {
			fh.Services[sf.Service] = round(sf.Hours[h])
		}
		if ph, ok := plan[h]; ok {
			fh.Counters, fh.Erlang = ph.Counters, ph.Erlang
			w := pct(ph.Within)
			fh.WithinPct = &w
		}
		if o.Begun && h <= upTo {
			n, open := int(o.Actual.Hour(h)), math.Round(o.Open[h]*10)/10
			fh.Actual, fh.Open = &n, &open
		}
		out.Hours = append(out.Hours, fh)
	}
	return out
}

func pct(share float64) float64 { return math.Round(share*1000) / 10 }

// round keeps a band's figures to a tenth: they are expected counts.
func round(b forecast.Band) forecast.Band {
	r := func(v float64) float64 { return math.Round(v*10) / 10 }
	return forecast.Band{Mean: r(b.Mean), Low: r(b.Low), High: r(b.High), Median: r(b.Median)}
}

// forecastCSV writes the day by hour for a spreadsheet: the expected
// arrivals with their band and per service, the plan, and what happened;
// the whole day last.
func forecastCSV(w http.ResponseWriter, resp *ForecastResponse, site *staff.Site, lang string) error {
	t := func(k string) string { return site.T(lang, k) }
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="forecast-`+resp.Date+`.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	cw := excelcsv.NewWriter(w)
	head := []string{t("fcol.hour"), t("fcol.expected"), t("fcol.low"), t("fcol.high")}
	for _, sv := range resp.Services {
		head = append(head, sv.Code+" — "+sv.Name)
	}
	head = append(head, t("fcol.counters_needed"), t("fcol.counters"), t("fcol.within"), t("fcol.actual"), t("fcol.open"))
	cw.Write(head...)
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	opt := func(v *float64) string {
		if v == nil {
			return ""
		}
		return num(*v)
	}
	optInt := func(v *int) string {
		if v == nil {
			return ""
		}
		return strconv.Itoa(*v)
	}
	for _, h := range resp.Hours {
		row := []string{fmt.Sprintf("%02d:00–%02d:00", h.Hour, h.Hour+1), num(h.Total.Mean), num(h.Total.Low), num(h.Total.High)}
		for _, sv := range resp.Services {
			row = append(row, num(h.Services[sv.Code].Mean))
		}
		var names []string
		for _, c := range h.Counters {
			names = append(names, strconv.Itoa(c))
		}
		row = append(row, strconv.Itoa(len(h.Counters)), strings.Join(names, " "), opt(h.WithinPct), optInt(h.Actual), opt(h.Open))
		cw.Write(row...)
	}
	row := []string{t("forecast.whole_day"), num(resp.Total.Mean), num(resp.Total.Low), num(resp.Total.High)}
	for _, sv := range resp.Services {
		row = append(row, num(sv.Day.Mean))
	}
	within := ""
	if resp.Plan != nil {
		within = num(resp.Plan.WithinPct)
	}
	row = append(row, "", "", within, optInt(resp.Actual), "")
	cw.Write(row...)
	return cw.Flush()
}

// forecastPage is what the 'Dự báo' page shows.
type forecastPage struct {
	Date    string // YYYY-MM-DD
	Weekday string
	CSV     string
	API     string
	// Pending: the forecast and plan are being made; the page's script
	// waits for them and shows the page again.
	Pending bool
	// Problem says why there is no forecast (too little history, a day
	// out of range), in the page's language.
	Problem string
	Closed  string
	Notes   []string
	*ForecastResponse
	ChartArrivals, ChartCounters template.HTML
}

// Page fills the 'Dự báo' page (?date=, default tomorrow).
func (f *Forecast) Page(r *http.Request, p *staff.Page) error {
	site := staff.Embedded()
	t := func(k string) string { return site.T(p.Lang, k) }
	wait := f.PageWait
	if wait <= 0 {
		wait = 2 * time.Second
	}
	ctx, cancel := context.WithTimeout(r.Context(), wait)
	defer cancel()
	st, now := f.Hall()
	loc, err := st.Settings.Location()
	if err != nil {
		return err
	}
	date, err := f.date(r, now, loc)
	if err != nil {
		return err
	}
	d := &forecastPage{Date: date.Format(time.DateOnly), Weekday: t(fmt.Sprintf("weekday.%d", date.Weekday()))}
	v := url.Values{"date": {d.Date}, "lang": {p.Lang}}
	d.API = "/api/v1/forecast?" + v.Encode()
	v.Set("format", "csv")
	d.CSV = "/api/v1/forecast?" + v.Encode()
	p.Data = d
	o, err := f.Outlooks.Get(ctx, st, now, date)
	switch {
	case err == nil:
	case errors.Is(err, context.DeadlineExceeded) && r.Context().Err() == nil:
		d.Pending = true
		return nil
	case errors.Is(err, forecast.ErrShortHistory):
		d.Problem = strings.Replace(t("forecast.short_history"), "%d", strconv.Itoa(forecast.MinDays), 1)
		return nil
	case errors.Is(err, staffing.ErrOutOfRange):
		today := forecast.DateOf(now.In(loc))
		d.Problem = strings.NewReplacer("{from}", staff.DayText(today.AddDate(0, 0, -staffing.LookBack).Format(time.DateOnly)),
			"{to}", staff.DayText(today.AddDate(0, 0, staffing.LookAhead).Format(time.DateOnly))).Replace(t("forecast.out_of_range"))
		return nil
	default:
		return err
	}
	d.ForecastResponse = forecastResponse(o, st, now, p.Lang)
	if d.ForecastResponse.Closed != "" {
		d.Closed = t("forecast.closed." + d.ForecastResponse.Closed)
	}
	for _, n := range d.ForecastResponse.Notes {
		d.Notes = append(d.Notes, t("forecast.note."+n))
	}
	d.ChartArrivals, d.ChartCounters = forecastCharts(d.ForecastResponse, t)
	return nil
}

// forecastCharts draws the expected arrivals per hour with their band
// (and the actual ones once the day has begun), and the counters the
// plan opens beside those that were open.
func forecastCharts(resp *ForecastResponse, t func(string) string) (arrivals, counters template.HTML) {
	band := pctLabel(t("forecast.band"), resp.BandPct)
	ac := staff.BarChart{ID: "chart-forecast", Title: t("forecast.chart_arrivals"), XTitle: t("manager.axis_hour"), YTitle: t("manager.axis_visits"),
		Sparse: true, Empty: t("manager.none"),
		Bands: []staff.Band{{Name: band, Color: "#1565c0"}},
		Lines: []staff.Line{{Name: t("forecast.expected"), Color: "#0d47a1"}}}
	cc := staff.BarChart{ID: "chart-counters", Title: t("forecast.chart_counters"), XTitle: t("manager.axis_hour"), YTitle: t("forecast.axis_counters"),
		Sparse: true, Empty: t("manager.none"),
		Lines: []staff.Line{{Name: t("forecast.counters_needed"), Color: "#ef6c00", Step: true}}}
	if resp.Begun {
		ac.Series = []staff.Series{{Name: t("forecast.actual"), Color: "#8bc34a"}}
		cc.Series = []staff.Series{{Name: t("forecast.counters_open"), Color: "#90a4ae"}}
	}
	for _, h := range resp.Hours {
		label := strconv.Itoa(h.Hour) + "h"
		ac.Labels = append(ac.Labels, label)
		cc.Labels = append(cc.Labels, label)
		ac.Bands[0].Low = append(ac.Bands[0].Low, h.Total.Low)
		ac.Bands[0].High = append(ac.Bands[0].High, h.Total.High)
		ac.Lines[0].Values = append(ac.Lines[0].Values, h.Total.Mean)
		need := math.NaN()
		if h.WithinPct != nil {
			need = float64(len(h.Counters))
		}
		cc.Lines[0].Values = append(cc.Lines[0].Values, need)
		if resp.Begun {
			actual, open := math.NaN(), math.NaN()
			if h.Actual != nil {
				actual, open = float64(*h.Actual), *h.Open
			}
			ac.Series[0].Values = append(ac.Series[0].Values, actual)
			cc.Series[0].Values = append(cc.Series[0].Values, open)
		}
	}
	if resp.Closed != "" {
		ac.Labels, cc.Labels = nil, nil
	}
	return ac.SVG(), cc.SVG()
}
