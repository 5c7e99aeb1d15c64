// Package reports serves the report figures of package report: the
// summary (GET /api/v1/reports/summary) and the ticket log (GET
// /api/v1/reports/tickets), as JSON or as CSV for Excel, and the manager
// dashboard's tables and charts. It reads them from a Source: a hall's own
// store and engine on the hall server, or the central store across halls
// on the city server.
package reports

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/central"
	"github.com/hallq/hallq/report"
	"github.com/hallq/hallq/server/api"
	"github.com/hallq/hallq/server/web/staff"
)

// Source is where the reports and the manager dashboard read: the hall's
// own store, or the central store across halls. Both compute with
// package report from the same ticket rows, so a hall's figures are the
// same whichever serves them.
type Source interface {
	// Scope says what a report request is computed against.
	Scope(r *http.Request) (*Scope, error)
	// Summarize computes the summary q of the scope's hall or halls.
	Summarize(ctx context.Context, sc *Scope, q report.Query) (*report.Result, error)
	// Tickets calls fn for every ticket whose day is in [from, to], with
	// its hall (nil for a hall's own) and that hall's zone.
	Tickets(ctx context.Context, sc *Scope, from, to string, fn func(hall *central.Hall, t *report.Ticket, loc *time.Location) error) error
}

// Scope is what a report request is computed against.
type Scope struct {
	Settings hallq.Settings // targets and language
	Now      time.Time
	Today    string // "": the calendar day at Now
	Loc      *time.Location
	// Services and Counters name the rows.
	Services map[string]hallq.Service
	Counters map[int]string
	// Central: the report runs across the halls of the central store (the
	// city server): Halls, chosen among All.
	Central bool
	Halls   []central.Hall
	All     []central.Hall
}

// Server serves the reports of one source.
type Server struct {
	Source Source
	Logger *slog.Logger
	// Now and Location date the dashboard's default range.
	Now      func() time.Time
	Location func() *time.Location
}

// reportRequest is a parsed report query with what labels its rows.
type reportRequest struct {
	q        report.Query
	targets  report.Targets
	waitMin  map[string]int // service → target wait in minutes
	lang     string
	services map[string]hallq.Service
	counters map[int]string
	texts    *staff.Site
	scope    *Scope
	// central: the report runs across the halls of the central store
	// (the city server), these ones.
	central bool
	halls   []central.Hall
}

// parseReport reads from, to (local days, default today) and by (default
// service) as the report routes take them; on the city server also hall
// (repeated or comma-separated: the halls to report on, default all) and
// by=hall.
func (s *Server) parseReport(r *http.Request) (*reportRequest, error) {
	sc, err := s.Source.Scope(r)
	if err != nil {
		return nil, err
	}
	rq := &reportRequest{services: sc.Services, counters: sc.Counters, waitMin: map[string]int{}, texts: staff.Embedded(),
		scope: sc, central: sc.Central, halls: sc.Halls}
	set, now, today, loc := sc.Settings, sc.Now, sc.Today, sc.Loc
	if today == "" {
		today = now.In(loc).Format(time.DateOnly)
	}
	qv := r.URL.Query()
	from, to := qv.Get("from"), qv.Get("to")
	if from == "" {
		from = today
	}
	if to == "" {
		to = from
	}
	by := report.ByService
	if v := qv.Get("by"); v != "" {
		d, ok := report.ParseDim(v)
		if rq.central && report.Dim(v) == central.ByHall {
			d, ok = central.ByHall, true
		}
		if !ok {
			return nil, hallq.Errorf(hallq.EINVALID, "by=%q: want service, counter, officer, day or hour", v)
		}
		by = d
	}
	if _, err := report.Days(from, to); err != nil {
		return nil, hallq.Errorf(hallq.EINVALID, "%v", err)
	}
	var services []hallq.Service
	for code, sv := range rq.services {
		rq.waitMin[code] = sv.TargetWaitMin
		services = append(services, sv)
	}
	rq.targets = set.Targets(services)
	rq.q = report.Query{From: from, To: to, By: by, Today: today, Now: now, Loc: loc, Default: rq.targets}
	rq.lang = staff.Lang(r, set.Language)
	return rq, nil
}

// label names a group for people.
func (rq *reportRequest) label(key string) string {
	t := func(k string) string { return rq.texts.T(rq.lang, k) }
	if rq.central {
		if l, ok := rq.centralLabel(key); ok {
			return l
		}
	}
	switch rq.q.By {
	case report.ByService:
		if sv, ok := rq.services[key]; ok {
			if rq.lang == "en" && sv.NameEN != "" {
				return sv.NameEN
			}
			return sv.NameVI
		}
	case report.ByCounter:
		id, _ := strconv.Atoi(key)
		if id == 0 {
			return t("manager.never_called")
		}
		if n, ok := rq.counters[id]; ok {
			return n
		}
		return t("by.counter") + " " + key
	case report.ByOfficer:
		if key == "" {
			return t("manager.never_called")
		}
	case report.ByDay:
		if d, err := time.Parse(time.DateOnly, key); err == nil {
			return d.Format("02/01/2006")
		}
	case report.ByHour:
		h, _ := strconv.Atoi(key)
		return fmt.Sprintf("%02d:00–%02d:00", h, h+1)
	}
	return key
}

// SummaryRow is one row of a summary answer.
type SummaryRow struct {
	report.Figures
	// TargetWaitMin is the service's target wait (rows by service).
	TargetWaitMin *int `json:"target_wait_min,omitempty"`
	// Targets, in a report across halls, are the goals of a hall's row
	// when they are not the answer's: the hall's own, which the row's
	// figures are held to.
	Targets *report.Targets `json:"targets,omitempty"`
}

// goals are the goals the row's figures are held to.
func (r *SummaryRow) goals(all report.Targets) report.Targets {
	if r.Targets != nil {
		return *r.Targets
	}
	return all
}

// SummaryResponse is GET /api/v1/reports/summary as JSON.
type SummaryResponse struct {
	From    string         `json:"from"`
	To      string         `json:"to"`
	By      report.Dim     `json:"by"`
	Targets report.Targets `json:"targets"`
	Rows    []SummaryRow   `json:"rows"`
	Total   SummaryRow     `json:"total"`
	// Halls are the halls reported on (the city server only).
	Halls []string `json:"halls,omitempty"`
}

// summarize runs a summary query.
func (s *Server) summarize(r *http.Request, rq *reportRequest) (*SummaryResponse, *report.Result, error) {
	res, err := s.Source.Summarize(r.Context(), rq.scope, rq.q)
	if err != nil {
		return nil, nil, err
	}
	rq.targets = res.Targets // the goals in force at the end of the range
	for code, m := range res.Targets.WaitMin {
		rq.waitMin[code] = m
	}
	out := &SummaryResponse{From: rq.q.From, To: rq.q.To, By: rq.q.By, Targets: rq.targets, Rows: []SummaryRow{}}
	for _, h := range rq.halls {
		out.Halls = append(out.Halls, h.ID)
	}
	for _, g := range res.Groups {
		row := SummaryRow{Targets: g.Targets}
		row.Figures = report.Row(rq.q.By, rq.ownKey(g.Key), rq.label(g.Key), &g.Acc, row.goals(rq.targets))
		row.Key = g.Key
		if rq.q.By == report.ByService {
			if m, ok := rq.waitMin[g.Key]; ok {
				row.TargetWaitMin = &m
			}
		}
		out.Rows = append(out.Rows, row)
	}
	out.Total = SummaryRow{Figures: report.Compute("", rq.texts.T(rq.lang, "manager.total"), &res.Total, rq.targets)}
	return out, res, nil
}

// Summary serves GET /api/v1/reports/summary: the figures of a range of
// days grouped one way, as JSON or CSV.
func (s *Server) Summary(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	rq, err := s.parseReport(r)
	if err != nil {
		return err
	}
	out, _, err := s.summarize(r, rq)
	if err != nil {
		return err
	}
	switch r.URL.Query().Get("format") {
	case "", "json":
		api.WriteJSON(w, http.StatusOK, out)
		return nil
	case "csv":
		return s.summaryCSV(w, rq, out)
	}
	return hallq.Errorf(hallq.EINVALID, "format must be json or csv")
}

// utf8BOM makes Excel read a CSV file as UTF-8, so Vietnamese shows right.
const utf8BOM = "\ufeff"

func csvHeaders(w http.ResponseWriter, name string) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
}

func (s *Server) summaryCSV(w http.ResponseWriter, rq *reportRequest, out *SummaryResponse) error {
	t := func(k string) string { return rq.texts.T(rq.lang, k) }
	csvHeaders(w, fmt.Sprintf("hallq-%s-%s-%s.csv", rq.q.By, rq.q.From, rq.q.To))
	bw := bufio.NewWriter(w)
	bw.WriteString(utf8BOM)
	cw := csv.NewWriter(bw)
	cols := []string{"by." + string(rq.q.By), "col.issued", "col.served", "col.no_shows", "col.no_show_pct", "col.transferred",
		"col.cancelled", "col.wait_mean", "col.wait_median", "col.wait_p90", "col.service_mean", "col.service_median",
		"col.target_wait", "col.within_target", "col.over_target", "col.over_target_goal", "col.rated_pct",
		"col.satisfied_pct", "col.satisfied_goal", "col.est_error", "col.est_bias"}
	head := make([]string, len(cols))
	for i, c := range cols {
		head[i] = t(c)
	}
	cw.Write(head)
	rows := append(append([]SummaryRow{}, out.Rows...), out.Total)
	for _, r := range rows {
		tw := ""
		if r.TargetWaitMin != nil {
			tw = strconv.Itoa(*r.TargetWaitMin)
		}
		cw.Write([]string{r.Label, strconv.Itoa(r.Issued), strconv.Itoa(r.Served), strconv.Itoa(r.NoShows), fnum(r.NoShowPct, 1),
			strconv.Itoa(r.Transferred), strconv.Itoa(r.Cancelled), fmin(r.WaitMeanS), fmin(r.WaitMedianS), fmin(r.WaitP90S),
			fmin(r.ServiceMeanS), fmin(r.ServiceMedianS), tw, fnum(r.WithinTargetPct, 1), fnum(r.OverTargetPct, 1),
			strconv.Itoa(r.goals(out.Targets).OverWaitPct), fnum(r.RatedPct, 1), fnum(r.SatisfiedPct, 1),
			strconv.Itoa(r.goals(out.Targets).SatisfiedPct),
			fmin(r.EstErrMeanAbsS), fmin(r.EstErrMeanS)})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return nil // the client went away; the status is sent
	}
	bw.Flush()
	return nil
}

// fnum formats a figure with a decimal point (Excel reads it in any locale
// that uses the point; the header names the unit), "" for none.
func fnum(v *float64, prec int) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', prec, 64)
}

// fmin formats seconds as minutes with one decimal.
func fmin(v *float64) string {
	if v == nil {
		return ""
	}
	m := *v / 60
	return strconv.FormatFloat(m, 'f', 1, 64)
}

// TicketLogRow is one row of GET /api/v1/reports/tickets as JSON.
type TicketLogRow struct {
	Day             string     `json:"day"`
	ID              string     `json:"id"`
	Label           string     `json:"label"`
	Service         string     `json:"service"`
	Priority        string     `json:"priority"`
	State           string     `json:"state"`
	IssuedAt        time.Time  `json:"issued_at"`
	CalledAt        *time.Time `json:"called_at"`
	StartedAt       *time.Time `json:"started_at"`
	FinishedAt      *time.Time `json:"finished_at"`
	WaitS           *int64     `json:"wait_s"`
	ServiceS        *int64     `json:"service_s"`
	Counter         int        `json:"counter"`
	Officer         string     `json:"officer"`
	Rating          int        `json:"rating"`
	EstimateS       int        `json:"estimate_s"`
	TransferredFrom string     `json:"transferred_from,omitempty"`
	TransferredTo   string     `json:"transferred_to,omitempty"`
	Reason          string     `json:"reason,omitempty"`
	// Hall is the ticket's hall (the city server only).
	Hall string `json:"hall,omitempty"`
}

func logRow(t *report.Ticket, loc *time.Location) TicketLogRow {
	at := func(ms int64) *time.Time {
		if ms == 0 {
			return nil
		}
		v := time.UnixMilli(ms).In(loc)
		return &v
	}
	row := TicketLogRow{Day: t.Day, ID: t.ID, Label: t.Label, Service: t.Service, Priority: t.Priority, State: string(t.State),
		IssuedAt: time.UnixMilli(t.Issued).In(loc), CalledAt: at(t.Called), StartedAt: at(t.Started), FinishedAt: at(t.Finished),
		Counter: t.Counter, Officer: t.Officer, Rating: t.Rating, EstimateS: t.EstimateS,
		TransferredFrom: t.TransferredFrom, TransferredTo: t.TransferredTo, Reason: t.Reason}
	if w := t.WaitMS(); w >= 0 && t.Original() {
		v := w / 1000
		row.WaitS = &v
	}
	if sv := t.ServiceMS(); sv >= 0 {
		v := sv / 1000
		row.ServiceS = &v
	}
	return row
}

// Tickets serves GET /api/v1/reports/tickets, the wait-time log: one row
// per ticket of the days asked for, streamed, as JSON or CSV.
func (s *Server) Tickets(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	rq, err := s.parseReport(r)
	if err != nil {
		return err
	}
	format := r.URL.Query().Get("format")
	if format != "" && format != "json" && format != "csv" {
		return hallq.Errorf(hallq.EINVALID, "format must be json or csv")
	}
	if format == "csv" {
		tr := func(k string) string { return rq.texts.T(rq.lang, k) }
		csvHeaders(w, fmt.Sprintf("hallq-tickets-%s-%s.csv", rq.q.From, rq.q.To))
		bw := bufio.NewWriterSize(w, 64<<10)
		bw.WriteString(utf8BOM)
		cw := csv.NewWriter(bw)
		var head []string
		if rq.central {
			head = append(head, tr("tcol.hall"))
		}
		for _, c := range []string{"day", "label", "service", "priority", "state", "issued_at", "called_at", "started_at", "finished_at",
			"wait_s", "service_s", "counter", "officer", "rating", "estimate_s", "transferred", "reason"} {
			head = append(head, tr("tcol."+c))
		}
		cw.Write(head)
		clock := func(t *time.Time) string {
			if t == nil {
				return ""
			}
			return t.Format("2006-01-02 15:04:05")
		}
		opt := func(v *int64) string {
			if v == nil {
				return ""
			}
			return strconv.FormatInt(*v, 10)
		}
		err := s.Source.Tickets(r.Context(), rq.scope, rq.q.From, rq.q.To, func(hall *central.Hall, t *report.Ticket, loc *time.Location) error {
			row := logRow(t, loc)
			name := t.Service
			if sv, ok := rq.services[t.Service]; ok {
				name = sv.NameVI
				if rq.lang == "en" && sv.NameEN != "" {
					name = sv.NameEN
				}
			}
			counter, rating := "", ""
			if row.Counter != 0 {
				counter = strconv.Itoa(row.Counter)
			}
			if row.Rating != 0 {
				rating = strconv.Itoa(row.Rating)
			}
			moved := row.TransferredFrom
			if row.TransferredTo != "" {
				moved = "→ " + row.TransferredTo
			}
			var first []string
			if hall != nil {
				first = []string{hall.Name()}
			}
			return cw.Write(append(first, row.Day, row.Label, name, row.Priority, tr("state."+row.State), clock(&row.IssuedAt),
				clock(row.CalledAt), clock(row.StartedAt), clock(row.FinishedAt), opt(row.WaitS), opt(row.ServiceS), counter,
				row.Officer, rating, strconv.Itoa(row.EstimateS), moved, row.Reason))
		})
		cw.Flush()
		bw.Flush()
		if err != nil {
			s.Logger.Error("ticket log", api.LogErr, err)
		}
		return nil
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	bw := bufio.NewWriterSize(w, 64<<10)
	fmt.Fprintf(bw, `{"from":%q,"to":%q,"tickets":[`, rq.q.From, rq.q.To)
	first := true
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	err = s.Source.Tickets(r.Context(), rq.scope, rq.q.From, rq.q.To, func(hall *central.Hall, t *report.Ticket, loc *time.Location) error {
		if !first {
			bw.WriteByte(',')
		}
		first = false
		row := logRow(t, loc)
		if hall != nil {
			row.Hall = hall.ID
		}
		return enc.Encode(row)
	})
	bw.WriteString("]}\n")
	bw.Flush()
	if err != nil {
		s.Logger.Error("ticket log", api.LogErr, err)
	}
	return nil
}
