package reports

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/report"
	"github.com/hallq/hallq/report/sheet"
	"github.com/hallq/hallq/server/api"
	"github.com/hallq/hallq/server/web/staff"
)

// monthlyDims are the tables of the monthly report, in order.
var monthlyDims = []report.Dim{report.ByService, report.ByCounter, report.ByOfficer}

// MonthlySection is one table of the monthly report.
type MonthlySection struct {
	By   report.Dim   `json:"by"`
	Rows []SummaryRow `json:"rows"`
}

// MonthlyResponse is GET /api/v1/reports/monthly as JSON: a month's
// figures per service, counter and officer, and the hall's total.
type MonthlyResponse struct {
	Month string `json:"month"` // YYYY-MM
	From  string `json:"from"`
	To    string `json:"to"`
	// Through is the last day the figures hold: To, or today while the
	// month is not over (InProgress), its figures those up to now.
	Through       string           `json:"through"`
	InProgress    bool             `json:"in_progress,omitempty"`
	Targets       report.Targets   `json:"targets"`
	TargetChanges []TargetChange   `json:"target_changes"`
	Sections      []MonthlySection `json:"sections"`
	Total         SummaryRow       `json:"total"`
	// Halls are the halls reported on (the city server only).
	Halls []string `json:"halls,omitempty"`
}

// parseMonth reads month=YYYY-MM (default: the month before today's, the
// one a hall sends up) into the request's range.
func (s *Server) parseMonth(r *http.Request) (*reportRequest, string, error) {
	q := r.URL.Query()
	month := q.Get("month")
	var first time.Time
	if month == "" {
		now := s.Now().In(s.Location())
		first = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0)
	} else {
		m, err := time.Parse("2006-01", month)
		if err != nil {
			return nil, "", hallq.Errorf(hallq.EINVALID, "month=%q: want a month as YYYY-MM, e.g. 2026-09", month)
		}
		if m.Format(time.DateOnly) > s.today() {
			return nil, "", hallq.Errorf(hallq.EINVALID, "month=%q has not begun yet", month)
		}
		first = m
	}
	q.Set("from", first.Format(time.DateOnly))
	q.Set("to", first.AddDate(0, 1, -1).Format(time.DateOnly))
	q.Del("by")
	q.Del("per_day")
	r2 := r.Clone(r.Context())
	r2.URL.RawQuery = q.Encode()
	rq, err := s.parseReport(r2)
	return rq, first.Format("2006-01"), err
}

// today is the current day in the hall's zone (YYYY-MM-DD).
func (s *Server) today() string { return s.Now().In(s.Location()).Format(time.DateOnly) }

// monthly computes the monthly report.
func (s *Server) monthly(r *http.Request) (*reportRequest, *MonthlyResponse, error) {
	rq, month, err := s.parseMonth(r)
	if err != nil {
		return nil, nil, err
	}
	out := &MonthlyResponse{Month: month, From: rq.q.From, To: rq.q.To, Through: rq.q.To}
	if today := s.today(); today <= rq.q.To {
		out.Through, out.InProgress = today, true
	}
	for _, by := range monthlyDims {
		q := *rq
		q.q.By = by
		sum, err := s.compute(r, &q)
		if err != nil {
			return nil, nil, err
		}
		out.Sections = append(out.Sections, MonthlySection{By: by, Rows: sum.Rows})
		out.Targets, out.TargetChanges, out.Total, out.Halls = sum.Targets, sum.TargetChanges, sum.Total, sum.Halls
	}
	return rq, out, nil
}

// Monthly serves GET /api/v1/reports/monthly: the monthly report a hall
// sends up, as JSON or CSV.
func (s *Server) Monthly(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	format := r.URL.Query().Get("format")
	if format != "" && format != "json" && format != "csv" {
		return hallq.Errorf(hallq.EINVALID, "format must be json or csv")
	}
	rq, out, err := s.monthly(r)
	if err != nil {
		return err
	}
	if format != "csv" {
		api.WriteJSON(w, http.StatusOK, out)
		return nil
	}
	csvHeaders(w, fmt.Sprintf("hallq-monthly-%s.csv", out.Month))
	var sections []sheet.MonthlySection
	for _, sc := range out.Sections {
		sections = append(sections, sheet.MonthlySection{Title: rq.t("by." + string(sc.By)), Rows: sc.Rows})
	}
	sheet.Monthly(w, sections, out.Total, out.Targets, rq.t) // an error: the client went away
	return nil
}

// monthlyPage is what the printable monthly report shows.
type monthlyPage struct {
	*MonthlyResponse
	MonthText  string // 09/2026
	Place      string // the hall or halls reported on
	Changes    []changeNote
	CSV        string
	Prev, Next string // the months before and after, as links
	// Bookings is the month's bookings by service, when it has bookings.
	Bookings *bookingsTable
}

// MonthlyPage fills the printable monthly report (/manager/monthly).
func (s *Server) MonthlyPage(r *http.Request, p *staff.Page) error {
	rq, out, err := s.monthly(r)
	if err != nil {
		return err
	}
	first, _ := time.Parse("2006-01", out.Month)
	d := &monthlyPage{MonthlyResponse: out, MonthText: first.Format("01/2006"), Place: p.Hall}
	if rq.central && len(rq.halls) > 0 {
		var names []string
		for _, h := range rq.halls {
			names = append(names, h.Name())
		}
		d.Place = strings.Join(names, ", ")
	}
	d.Changes = changeNotes(rq, out.TargetChanges)
	d.Bookings = newBookingsTable(p, "figures monthly", report.ByService, out.Sections[0].Rows, out.Total) // monthlyDims begin with the services
	v := url.Values{"month": {out.Month}, "lang": {p.Lang}}
	if h := r.URL.Query()["hall"]; len(h) > 0 {
		v["hall"] = h
	}
	v.Set("format", "csv")
	d.CSV = "/api/v1/reports/monthly?" + v.Encode()
	v.Del("format")
	v.Set("month", first.AddDate(0, -1, 0).Format("2006-01"))
	d.Prev = "/manager/monthly?" + v.Encode()
	if next := first.AddDate(0, 1, 0); next.Format(time.DateOnly) <= s.today() { // no link to a month not begun
		v.Set("month", next.Format("2006-01"))
		d.Next = "/manager/monthly?" + v.Encode()
	}
	p.Data = d
	return nil
}
