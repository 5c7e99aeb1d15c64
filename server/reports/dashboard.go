package reports

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hallq/hallq/central"
	"github.com/hallq/hallq/report"
	"github.com/hallq/hallq/server/web/staff"
)

// dashboard is what the manager page shows.
type dashboard struct {
	From, To   string
	By         report.Dim
	Dims       []report.Dim
	Rows       []dashRow
	Total      dashRow
	Targets    report.Targets
	CSV        string
	TicketsCSV string
	LegsCSV    string
	Monthly    string
	// Changes are the changes of targets during the range; by day, their
	// days' rows are marked.
	Changes []changeNote
	// Defs is where each figure is defined.
	Defs      string
	ChartHour template.HTML
	ChartWait template.HTML
	ChartSat  template.HTML
	ChartLate template.HTML
	// ChartBooked is the places used by bookings by hour of the slot,
	// drawn when the period has bookings.
	ChartBooked template.HTML
	// Bookings is the table of bookings and their slots, when the period
	// has bookings.
	Bookings *bookingsTable
	// The city server: the halls to choose from, and the one chosen ("": all).
	Central bool
	Halls   []hallOption
	Hall    string
}

// dashRow is a row of the dashboard's table.
type dashRow struct {
	Figures SummaryRow
	// Changed marks a day whose targets changed (by day), with Mark.
	Changed bool
	Mark    string
	// ClosedTitle says what the end of day closed, by state.
	ClosedTitle string
}

// bookingsTable is the table of bookings and their slots (the staff
// pages' template "bookings-table") the dashboard and the monthly report
// both show: a row per group with bookings and the total, each header
// linked to its definition.
type bookingsTable struct {
	lang  string     // the page's
	Class string     // the table's classes
	By    report.Dim // the grouping of the rows
	Defs  string
	Rows  []SummaryRow
	Total SummaryRow
}

// T is the text of key in the page's language.
func (b *bookingsTable) T(key string) string { return staff.Embedded().T(b.lang, key) }

// newBookingsTable is the table of rows' bookings, nil when total has
// none made (slots offered and none booked show in the files and the
// JSON only).
func newBookingsTable(p *staff.Page, class string, by report.Dim, rows []SummaryRow, total SummaryRow) *bookingsTable {
	if total.Bookings == nil || total.Bookings.Made == 0 {
		return nil
	}
	b := &bookingsTable{lang: p.Lang, Class: class, By: by, Defs: DefinitionsPath, Total: total}
	for _, r := range rows {
		if r.Bookings != nil {
			b.Rows = append(b.Rows, r)
		}
	}
	return b
}

// hallOption is a hall in the dashboard's choice of halls.
type hallOption struct{ ID, Name string }

// waitBuckets are the bounds, in minutes, of the waiting-time
// distribution chart; the last bar holds everything longer.
var waitBuckets = []int{5, 10, 15, 20, 30, 45, 60}

// Dashboard fills the manager page: the summary as asked (the last seven
// days by service when nothing is asked), and the charts for the range.
func (s *Server) Dashboard(r *http.Request, p *staff.Page) error {
	q := r.URL.Query()
	if q.Get("from") == "" {
		today := s.Now().In(s.Location())
		q.Set("from", today.AddDate(0, 0, -6).Format(time.DateOnly))
		if q.Get("to") == "" {
			q.Set("to", today.Format(time.DateOnly))
		}
		r.URL.RawQuery = q.Encode()
	}
	rq, out, err := s.summarize(r)
	if err != nil {
		return err
	}
	d := &dashboard{From: rq.q.From, To: rq.q.To, By: rq.q.By, Dims: report.Dims, Targets: out.Targets,
		Changes: changeNotes(rq, out.TargetChanges), Defs: DefinitionsPath}
	changed := map[string]bool{}
	for _, c := range d.Changes {
		changed[c.Day] = true
	}
	row := func(f SummaryRow) dashRow {
		r := dashRow{Figures: f, Changed: rq.q.By == report.ByDay && changed[f.Key], Mark: rq.t("manager.change_mark")}
		r.ClosedTitle = fmt.Sprintf("%s %d · %s %d · %s %d", rq.t("col.closed_waiting"), f.ClosedWaiting,
			rq.t("col.closed_called"), f.ClosedCalled, rq.t("col.closed_serving"), f.ClosedServing)
		return r
	}
	for _, f := range out.Rows {
		d.Rows = append(d.Rows, row(f))
	}
	d.Total = row(out.Total)
	d.Bookings = newBookingsTable(p, "figures", rq.q.By, out.Rows, out.Total)
	v := url.Values{"from": {d.From}, "to": {d.To}, "by": {string(d.By)}, "format": {"csv"}, "lang": {p.Lang}}
	if rq.central {
		rq.hallChoice(r, d)
		if d.Hall != "" {
			v.Set("hall", d.Hall)
		}
	}
	d.CSV = "/api/v1/reports/summary?" + v.Encode()
	v.Del("by")
	d.TicketsCSV = "/api/v1/reports/tickets?" + v.Encode()
	v.Set("legs", "1")
	d.LegsCSV = "/api/v1/reports/tickets?" + v.Encode()
	m := url.Values{"month": {rq.q.To[:7]}, "lang": {p.Lang}}
	if d.Hall != "" {
		m.Set("hall", d.Hall)
	}
	d.Monthly = "/manager/monthly?" + m.Encode()

	site := staff.Embedded()
	c := charts{s: s, ctx: r.Context(), rq: rq, t: func(k string) string { return site.T(p.Lang, k) }}
	c.none = c.t("manager.none")
	for _, draw := range []func(*dashboard) error{c.hours, c.satisfaction, c.late, c.booked} {
		if err := draw(d); err != nil {
			return err
		}
	}
	p.Data = d
	return nil
}

// charts draws the dashboard's charts of one report request, each from
// the range grouped another way, in the page's language.
type charts struct {
	s    *Server
	ctx  context.Context
	rq   *reportRequest
	t    func(key string) string
	none string // what an empty chart says
}

// by is the range again, grouped by dim.
func (c charts) by(dim report.Dim) (*reportRequest, *report.Result, error) {
	q := *c.rq
	q.q.By = dim
	res, err := c.s.Source.Summarize(c.ctx, q.scope, q.q)
	return &q, res, err
}

// hours draws the arrivals and calls per hour, and the waiting-time
// distribution: how many calls waited how long.
func (c charts) hours(d *dashboard) error {
	t := c.t
	_, hours, err := c.by(report.ByHour)
	if err != nil {
		return err
	}
	hc := staff.BarChart{ID: "chart-hour", Title: t("manager.chart_hour"), XTitle: t("manager.axis_hour"), YTitle: t("manager.axis_visits"),
		Sparse: true, Empty: c.none,
		Series: []staff.Series{{Name: t("manager.arrivals"), Color: "#1565c0"}, {Name: t("manager.calls"), Color: "#8bc34a"}}}
	for _, g := range hours.Groups {
		hc.Labels = append(hc.Labels, g.Key+"h")
		hc.Series[0].Values = append(hc.Series[0].Values, float64(g.Acc.Issued))
		hc.Series[1].Values = append(hc.Series[1].Values, float64(g.Acc.Calls))
	}
	d.ChartHour = hc.SVG()

	wc := staff.BarChart{ID: "chart-wait", Title: t("manager.chart_wait"), XTitle: t("manager.axis_wait"), YTitle: t("manager.axis_visits"),
		Empty: c.none, Series: []staff.Series{{Name: t("manager.calls"), Color: "#1565c0"}}}
	prev := 0
	hist := hours.Total.Wait
	for _, b := range waitBuckets {
		wc.Labels = append(wc.Labels, itoa(prev)+"–"+itoa(b))
		wc.Series[0].Values = append(wc.Series[0].Values, float64(hist.AtMost(b*60-1)-hist.AtMost(prev*60-1)))
		prev = b
	}
	wc.Labels = append(wc.Labels, "> "+itoa(prev))
	wc.Series[0].Values = append(wc.Series[0].Values, float64(hist.N()-hist.AtMost(prev*60-1)))
	if hist.N() == 0 {
		wc.Labels, wc.Series[0].Values = nil, nil
	}
	d.ChartWait = wc.SVG()
	return nil
}

// satisfaction draws the satisfaction per officer, against the target.
func (c charts) satisfaction(d *dashboard) error {
	t, targets := c.t, c.rq.targets
	oq, officers, err := c.by(report.ByOfficer)
	if err != nil {
		return err
	}
	sc := staff.BarChart{ID: "chart-sat", Title: t("manager.chart_sat"), XTitle: t("manager.axis_officer"), YTitle: t("manager.axis_sat"),
		Unit: "%", Max: 100, Empty: c.none,
		Targets: []staff.Target{{Value: float64(targets.SatisfiedPct), Label: pctLabel(t("manager.target_min"), targets.SatisfiedPct)}},
		Series:  []staff.Series{{Name: t("col.satisfied_pct"), Color: "#2e7d32"}}}
	for _, g := range officers.Groups {
		f := report.Compute(g.Key, g.Key, &g.Acc, targets)
		if _, who, _ := central.SplitKey(g.Key); who == "" || f.SatisfiedPct == nil {
			continue
		}
		sc.Labels = append(sc.Labels, oq.label(g.Key))
		sc.Series[0].Values = append(sc.Series[0].Values, *f.SatisfiedPct)
		sc.Series[0].Miss = append(sc.Series[0].Miss, f.SatisfiedMiss)
	}
	d.ChartSat = sc.SVG()
	return nil
}

// late draws the share of each service's visits that waited longer than
// its target, against the hall's ceiling for it.
func (c charts) late(d *dashboard) error {
	t, targets := c.t, c.rq.targets
	vq, services, err := c.by(report.ByService)
	if err != nil {
		return err
	}
	lc := staff.BarChart{ID: "chart-late", Title: t("manager.chart_late"), XTitle: t("manager.axis_service"), YTitle: t("manager.axis_late"),
		Unit: "%", Empty: c.none,
		Targets: []staff.Target{{Value: float64(targets.OverWaitPct), Label: pctLabel(t("manager.target_max"), targets.OverWaitPct)}},
		Series:  []staff.Series{{Name: t("col.over_target"), Color: "#ef6c00"}}}
	for _, g := range services.Groups {
		f := report.Compute(g.Key, g.Key, &g.Acc, targets)
		if f.OverTargetPct == nil {
			continue
		}
		lc.Labels = append(lc.Labels, vq.label(g.Key))
		lc.Series[0].Values = append(lc.Series[0].Values, *f.OverTargetPct)
		lc.Series[0].Miss = append(lc.Series[0].Miss, f.OverTargetMiss)
	}
	d.ChartLate = lc.SVG()
	return nil
}

// booked draws the places bookings used per hour of their slots: places
// booked ÷ places offered, when the period has bookings (as the table of
// bookings, which a period with slots offered and none booked does not
// show).
func (c charts) booked(d *dashboard) error {
	if b := d.Total.Figures.Bookings; b == nil || b.Made == 0 {
		return nil
	}
	t := c.t
	q := *c.rq
	q.q.By = report.ByHour
	res, err := c.s.Source.Bookings(c.ctx, q.scope, q.q)
	if err != nil {
		return err
	}
	bc := staff.BarChart{ID: "chart-booked", Title: t("manager.chart_booked"), XTitle: t("manager.axis_slot_hour"), YTitle: t("manager.axis_booked"),
		Unit: "%", Sparse: true, Empty: c.none, Series: []staff.Series{{Name: t("col.bk_utilisation"), Color: "#6a1b9a"}}}
	for _, g := range res.Groups {
		if g.Counts.UtilisationPct == nil {
			continue
		}
		bc.Labels = append(bc.Labels, g.Key+"h")
		bc.Series[0].Values = append(bc.Series[0].Values, *g.Counts.UtilisationPct)
	}
	d.ChartBooked = bc.SVG()
	return nil
}

func itoa(n int) string { return strconv.Itoa(n) }

// pctLabel fills a target's label: "Mục tiêu ≥ %d %" with 80.
func pctLabel(format string, pct int) string { return strings.Replace(format, "%d", itoa(pct), 1) }
