package reports

import (
	"net/http"
	"time"

	"github.com/hallq/hallq/central"
	"github.com/hallq/hallq/report"
	"github.com/hallq/hallq/report/sheet"
)

// csvHeaders make a response a CSV file to download as name. Every file
// is written by package report/sheet through internal/excelcsv: UTF-8
// with a byte-order mark, CRLF line ends, formula-looking cells
// neutralised.
func csvHeaders(w http.ResponseWriter, name string) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
}

// visits streams the tickets of rq's range as visits (a ticket with the
// legs of its transfers), each with its hall and what names its cells.
func (s *Server) visits(r *http.Request, rq *reportRequest, fn func(sheet.LogVisit) error) error {
	var hall *central.HallRecord
	var loc *time.Location
	vs := report.NewVisits(func(v *report.Visit) error {
		lv := sheet.LogVisit{Visit: v, Loc: loc, Service: rq.serviceName}
		if hall != nil {
			lv.Hall = hall.Name()
		}
		return fn(lv)
	})
	err := s.Source.Tickets(r.Context(), rq.scope, rq.q.From, rq.q.To, func(h *central.HallRecord, t *report.Ticket, l *time.Location) error {
		if h != hall {
			// A hall's tickets come together: its visits end with them.
			if err := vs.Flush(); err != nil {
				return err
			}
			hall = h
		}
		loc = l
		return vs.Add(t)
	})
	if err != nil {
		return err
	}
	return vs.Flush()
}
