// Package reports serves the report figures of package report: the
// summary (GET /api/v1/reports/summary) and the ticket log (GET
// /api/v1/reports/tickets), as JSON or as CSV for Excel, and the manager
// dashboard's tables and charts. It reads them from a Source: a hall's own
// store and engine on the hall server, or the central store across halls
// on the city server.
package reports

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/central"
	"github.com/hallq/hallq/report"
	"github.com/hallq/hallq/report/sheet"
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
	Tickets(ctx context.Context, sc *Scope, from, to string, fn func(hall *central.HallRecord, t *report.Ticket, loc *time.Location) error) error
	// Bookings counts the bookings and offered slots of q's days, grouped
	// as q asks (report.CountBookings).
	Bookings(ctx context.Context, sc *Scope, q report.Query) (*report.BookingResult, error)
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
	Halls   []central.HallRecord
	All     []central.HallRecord
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
	halls   []central.HallRecord
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
	perDay := false
	switch v := qv.Get("per_day"); v {
	case "", "0", "false":
	case "1", "true":
		if by == report.ByDay || by == central.ByHall {
			return nil, hallq.Errorf(hallq.EINVALID, "per_day=%s with by=%s: each row is a day already or a hall's whole period; group by service, counter, officer or hour", v, by)
		}
		perDay = true
	default:
		return nil, hallq.Errorf(hallq.EINVALID, "per_day=%q: want 1 (a row per day and group) or 0", v)
	}
	var services []hallq.Service
	for code, sv := range rq.services {
		rq.waitMin[code] = sv.TargetWaitMin
		services = append(services, sv)
	}
	rq.targets = set.Targets(services)
	rq.q = report.Query{From: from, To: to, By: by, PerDay: perDay, Today: today, Now: now, Loc: loc, Default: rq.targets}
	rq.lang = staff.Lang(r, set.Language)
	return rq, nil
}

// t is the text of key in the reader's language.
func (rq *reportRequest) t(key string) string { return rq.texts.T(rq.lang, key) }

// label names a group for people.
func (rq *reportRequest) label(key string) string {
	t := rq.t
	if rq.central {
		if l, ok := rq.centralLabel(key); ok {
			return l
		}
	}
	switch rq.q.By {
	case report.ByService:
		if key == "" {
			return t("manager.no_ticket")
		}
		return rq.serviceName(key)
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

// serviceName names a service in the reader's language; its code when
// the hall no longer has it.
func (rq *reportRequest) serviceName(code string) string {
	sv, ok := rq.services[code]
	if !ok {
		return code
	}
	if rq.lang == "en" && sv.NameEN != "" {
		return sv.NameEN
	}
	return sv.NameVI
}

// SummaryRow is one row of a summary answer: a group's figures, with its
// day when grouped by day as well (per_day=1).
type SummaryRow = sheet.Row

// TargetChange is a change of the hall's targets during a report's range
// (event hall.targets): the targets before and after. Each ticket is judged
// against the target in force when it joined its queue; the goals of the
// range are those after its last change.
type TargetChange struct {
	At     time.Time      `json:"at"`
	Before report.Targets `json:"before"`
	After  report.Targets `json:"after"`
}

// SummaryResponse is GET /api/v1/reports/summary as JSON.
type SummaryResponse struct {
	From   string     `json:"from"`
	To     string     `json:"to"`
	By     report.Dim `json:"by"`
	PerDay bool       `json:"per_day,omitempty"`
	// Targets are the goals in force at the end of the range.
	Targets report.Targets `json:"targets"`
	// TargetChanges are the changes of targets during the range.
	TargetChanges []TargetChange `json:"target_changes"`
	Rows          []SummaryRow   `json:"rows"`
	Total         SummaryRow     `json:"total"`
	// Halls are the halls reported on (the city server only).
	Halls []string `json:"halls,omitempty"`
}

// summarize reads the request's report query and runs it, for the API and
// the dashboard alike.
func (s *Server) summarize(r *http.Request) (*reportRequest, *SummaryResponse, error) {
	rq, err := s.parseReport(r)
	if err != nil {
		return nil, nil, err
	}
	out, err := s.compute(r, rq)
	return rq, out, err
}

// compute runs a parsed report query.
func (s *Server) compute(r *http.Request, rq *reportRequest) (*SummaryResponse, error) {
	res, err := s.Source.Summarize(r.Context(), rq.scope, rq.q)
	if err != nil {
		return nil, err
	}
	rq.targets = res.Targets // the goals in force at the end of the range
	for code, m := range res.Targets.WaitMin {
		rq.waitMin[code] = m
	}
	out := &SummaryResponse{From: rq.q.From, To: rq.q.To, By: rq.q.By, PerDay: rq.q.PerDay, Targets: rq.targets,
		TargetChanges: []TargetChange{}, Rows: []SummaryRow{}}
	for _, c := range res.Changes {
		out.TargetChanges = append(out.TargetChanges, TargetChange{At: time.UnixMilli(c.At).In(rq.q.Loc), Before: c.Previous, After: c.Targets})
	}
	for _, h := range rq.halls {
		out.Halls = append(out.Halls, h.ID)
	}
	for _, g := range res.Groups {
		row := SummaryRow{Targets: g.Targets}
		row.Figures = report.Row(rq.q.By, rq.ownKey(g.Key), rq.label(g.Key), &g.Acc, row.Goals(rq.targets))
		row.Key = g.Key
		row.Day = g.Day
		if rq.q.By == report.ByService {
			if m, ok := rq.waitMin[g.Key]; ok {
				row.TargetWaitMin = &m
			}
		}
		out.Rows = append(out.Rows, row)
	}
	out.Total = SummaryRow{Figures: report.Compute("", rq.texts.T(rq.lang, "manager.total"), &res.Total, rq.targets)}
	bk, err := s.Source.Bookings(r.Context(), rq.scope, rq.q)
	if err != nil {
		return nil, err
	}
	rq.addBookings(out, bk)
	return out, nil
}

// addBookings puts the booking counts beside the rows of their group, a
// row of their own for a group without tickets (a service whose bookings
// were all cancelled), and their total beside the total.
func (rq *reportRequest) addBookings(out *SummaryResponse, bk *report.BookingResult) {
	if bk.Total.Any() {
		out.Total.Bookings = &bk.Total
	}
	added := false
	for i := range bk.Groups {
		g := &bk.Groups[i]
		if !g.Counts.Any() {
			continue
		}
		j := slices.IndexFunc(out.Rows, func(r SummaryRow) bool { return r.Day == g.Day && r.Key == g.Key })
		if j < 0 {
			row := SummaryRow{Figures: report.Row(rq.q.By, rq.ownKey(g.Key), rq.label(g.Key), &report.Acc{}, rq.targets)}
			row.Key, row.Day = g.Key, g.Day
			if m, ok := rq.waitMin[g.Key]; ok && rq.q.By == report.ByService {
				row.TargetWaitMin = &m
			}
			out.Rows = append(out.Rows, row)
			j, added = len(out.Rows)-1, true
		}
		out.Rows[j].Bookings = &g.Counts
	}
	if added {
		slices.SortStableFunc(out.Rows, func(a, b SummaryRow) int {
			return cmp.Or(strings.Compare(a.Day, b.Day), report.CompareKeys(rq.q.By, a.Key, b.Key))
		})
	}
}

// Summary serves GET /api/v1/reports/summary: the figures of a range of
// days grouped one way, as JSON or CSV.
func (s *Server) Summary(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	rq, out, err := s.summarize(r)
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

// summaryCSV sends the summary as CSV, the total last.
func (s *Server) summaryCSV(w http.ResponseWriter, rq *reportRequest, out *SummaryResponse) error {
	name := fmt.Sprintf("hallq-%s-%s-%s.csv", rq.q.By, rq.q.From, rq.q.To)
	if rq.q.PerDay {
		name = fmt.Sprintf("hallq-%s-day-%s-%s.csv", rq.q.By, rq.q.From, rq.q.To)
	}
	csvHeaders(w, name)
	sheet.Summary(w, rq.q.By, rq.q.PerDay, out.Rows, out.Total, out.Targets, rq.t) // an error: the client went away
	return nil
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
	// Outcome is how the row ended (docs/REPORTS.md, outcomes).
	Outcome report.Outcome `json:"outcome"`
	// QueuedAt is when it last joined its queue (issue, requeue, transfer).
	QueuedAt *time.Time `json:"queued_at,omitempty"`
	// TargetWaitS is its service's target wait when it joined the queue.
	TargetWaitS *int `json:"target_wait_s,omitempty"`
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
		TransferredFrom: t.TransferredFrom, TransferredTo: t.TransferredTo, Reason: t.Reason,
		Outcome: t.Outcome(), QueuedAt: at(t.Queued)}
	// Whole seconds, rounded as every report figure is.
	if w := t.WaitMS(); w >= 0 {
		v := int64(report.Seconds(w))
		row.WaitS = &v
	}
	if sv := t.ServiceMS(); sv >= 0 {
		v := int64(report.Seconds(sv))
		row.ServiceS = &v
	}
	if t.TargetWaitS >= 0 {
		v := t.TargetWaitS
		row.TargetWaitS = &v
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
		return s.ticketsCSV(w, r, rq)
	}
	return s.ticketsJSON(w, r, rq)
}

// ticketsJSON streams the ticket log as one JSON object.
// longExport bounds the writing of a ticket log, which may hold a year.
const longExport = 10 * time.Minute

func (s *Server) ticketsJSON(w http.ResponseWriter, r *http.Request, rq *reportRequest) error {
	http.NewResponseController(w).SetWriteDeadline(time.Now().Add(longExport))
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	bw := bufio.NewWriterSize(w, 64<<10)
	fmt.Fprintf(bw, `{"from":%q,"to":%q,"tickets":[`, rq.q.From, rq.q.To)
	first := true
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	err := s.Source.Tickets(r.Context(), rq.scope, rq.q.From, rq.q.To, func(hall *central.HallRecord, t *report.Ticket, loc *time.Location) error {
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

// ticketsCSV streams the ticket log as CSV: one row per ticket, the legs
// of its transfers beside it; with legs=1, the legs file instead, one row
// per leg with its ticket's id.
func (s *Server) ticketsCSV(w http.ResponseWriter, r *http.Request, rq *reportRequest) error {
	// A year of tickets takes longer to send than the server's write
	// timeout allows an ordinary answer.
	http.NewResponseController(w).SetWriteDeadline(time.Now().Add(longExport))
	write, name := sheet.TicketLog, "hallq-tickets-%s-%s.csv"
	switch v := r.URL.Query().Get("legs"); v {
	case "", "0", "false":
	case "1", "true":
		write, name = sheet.Legs, "hallq-legs-%s-%s.csv"
	default:
		return hallq.Errorf(hallq.EINVALID, "legs=%q: want 1 (one row per leg) or 0 (one row per ticket)", v)
	}
	csvHeaders(w, fmt.Sprintf(name, rq.q.From, rq.q.To))
	err := write(w, rq.central, rq.t, func(row func(sheet.LogVisit) error) error { return s.visits(r, rq, row) })
	if err != nil {
		s.Logger.Error("ticket log", api.LogErr, err)
	}
	return nil
}
