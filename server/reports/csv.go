package reports

import (
	"net/http"
	"strconv"
	"time"

	"github.com/hallq/hallq/central"
	"github.com/hallq/hallq/internal/excelcsv"
	"github.com/hallq/hallq/report"
)

// column is one column of a CSV file: the text key of its header (in the
// reader's language) and its cell for a row.
type column[R any] struct {
	head string
	cell func(R) string
}

// csvFile streams a CSV file as an attachment through excelcsv, the one
// writer of the project's CSV files (UTF-8 with a BOM for Excel, every
// formula-looking cell neutralised): the headers, then a record per row.
type csvFile[R any] struct {
	cols []column[R]
	xw   *excelcsv.Writer
	rec  []string
}

// newCSVFile starts the file name with its headers, translated by t.
func newCSVFile[R any](w http.ResponseWriter, name string, buf int, cols []column[R], t func(string) string) *csvFile[R] {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	f := &csvFile[R]{cols: cols, xw: excelcsv.NewWriter(w), rec: make([]string, len(cols))}
	for i, c := range cols {
		f.rec[i] = t(c.head)
	}
	f.xw.Write(f.rec...)
	return f
}

// write adds the record of r.
func (f *csvFile[R]) write(r R) error {
	for i, c := range f.cols {
		f.rec[i] = c.cell(r)
	}
	return f.xw.Write(f.rec...)
}

// close sends what is buffered. An error means the client went away; the
// status is sent by then, so there is nothing to answer.
func (f *csvFile[R]) close() error {
	return f.xw.Flush()
}

// summaryColumns are the columns of the summary as CSV: the group, then
// its figures, times in minutes, shares in percent, beside the targets
// each row is held to.
func summaryColumns(by report.Dim, tg report.Targets) []column[SummaryRow] {
	itoa := strconv.Itoa
	return []column[SummaryRow]{
		{"by." + string(by), func(r SummaryRow) string { return r.Label }},
		{"col.issued", func(r SummaryRow) string { return itoa(r.Issued) }},
		{"col.served", func(r SummaryRow) string { return itoa(r.Served) }},
		{"col.no_shows", func(r SummaryRow) string { return itoa(r.NoShows) }},
		{"col.no_show_pct", func(r SummaryRow) string { return fnum(r.NoShowPct, 1) }},
		{"col.transferred", func(r SummaryRow) string { return itoa(r.Transferred) }},
		{"col.cancelled", func(r SummaryRow) string { return itoa(r.Cancelled) }},
		{"col.wait_mean", func(r SummaryRow) string { return fmin(r.WaitMeanS) }},
		{"col.wait_median", func(r SummaryRow) string { return fmin(r.WaitMedianS) }},
		{"col.wait_p90", func(r SummaryRow) string { return fmin(r.WaitP90S) }},
		{"col.service_mean", func(r SummaryRow) string { return fmin(r.ServiceMeanS) }},
		{"col.service_median", func(r SummaryRow) string { return fmin(r.ServiceMedianS) }},
		{"col.target_wait", func(r SummaryRow) string { return optInt(r.TargetWaitMin) }},
		{"col.within_target", func(r SummaryRow) string { return fnum(r.WithinTargetPct, 1) }},
		{"col.over_target", func(r SummaryRow) string { return fnum(r.OverTargetPct, 1) }},
		{"col.over_target_goal", func(r SummaryRow) string { return itoa(r.goals(tg).OverWaitPct) }},
		{"col.rated_pct", func(r SummaryRow) string { return fnum(r.RatedPct, 1) }},
		{"col.satisfied_pct", func(r SummaryRow) string { return fnum(r.SatisfiedPct, 1) }},
		{"col.satisfied_goal", func(r SummaryRow) string { return itoa(r.goals(tg).SatisfiedPct) }},
		{"col.est_error", func(r SummaryRow) string { return fmin(r.EstErrMeanAbsS) }},
		{"col.est_bias", func(r SummaryRow) string { return fmin(r.EstErrMeanS) }},
	}
}

// ticketLine is one ticket of the ticket log as CSV, with its hall on the
// city server.
type ticketLine struct {
	hall *central.HallRecord
	row  TicketLogRow
}

// ticketColumns are the columns of the ticket log as CSV: times local to
// the ticket's hall, durations in seconds, names and states in the
// reader's language; the hall first, across halls.
func (rq *reportRequest) ticketColumns() []column[ticketLine] {
	t := func(k string) string { return rq.texts.T(rq.lang, k) }
	var cols []column[ticketLine]
	if rq.central {
		cols = append(cols, column[ticketLine]{"tcol.hall", func(l ticketLine) string { return l.hall.Name() }})
	}
	return append(cols, []column[ticketLine]{
		{"tcol.day", func(l ticketLine) string { return l.row.Day }},
		{"tcol.label", func(l ticketLine) string { return l.row.Label }},
		{"tcol.service", func(l ticketLine) string { return rq.serviceName(l.row.Service) }},
		{"tcol.priority", func(l ticketLine) string { return l.row.Priority }},
		{"tcol.state", func(l ticketLine) string { return t("state." + l.row.State) }},
		{"tcol.issued_at", func(l ticketLine) string { return clock(&l.row.IssuedAt) }},
		{"tcol.called_at", func(l ticketLine) string { return clock(l.row.CalledAt) }},
		{"tcol.started_at", func(l ticketLine) string { return clock(l.row.StartedAt) }},
		{"tcol.finished_at", func(l ticketLine) string { return clock(l.row.FinishedAt) }},
		{"tcol.wait_s", func(l ticketLine) string { return optInt(l.row.WaitS) }},
		{"tcol.service_s", func(l ticketLine) string { return optInt(l.row.ServiceS) }},
		{"tcol.counter", func(l ticketLine) string { return nonZero(l.row.Counter) }},
		{"tcol.officer", func(l ticketLine) string { return l.row.Officer }},
		{"tcol.rating", func(l ticketLine) string { return nonZero(l.row.Rating) }},
		{"tcol.estimate_s", func(l ticketLine) string { return strconv.Itoa(l.row.EstimateS) }},
		{"tcol.transferred", func(l ticketLine) string {
			if l.row.TransferredTo != "" {
				return "→ " + l.row.TransferredTo
			}
			return l.row.TransferredFrom
		}},
		{"tcol.reason", func(l ticketLine) string { return l.row.Reason }},
	}...)
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

// optInt formats an optional whole number, "" for none.
func optInt[T int | int64](v *T) string {
	if v == nil {
		return ""
	}
	return strconv.FormatInt(int64(*v), 10)
}

// nonZero formats a number that 0 means is not there ("").
func nonZero(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// clock formats a local time for a spreadsheet, "" for none.
func clock(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format("2006-01-02 15:04:05")
}
