package server

import (
	"context"
	"net/http"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/central"
	"github.com/hallq/hallq/report"
	"github.com/hallq/hallq/server/queue"
	"github.com/hallq/hallq/server/reports"
)

// hallReports are the hall's own reports (a reports.Source): its running
// engine for the day, services and counters, its SQLite for tickets and
// roll-ups.
type hallReports struct{ s *Server }

func (h hallReports) Scope(r *http.Request) (*reports.Scope, error) {
	sc := &reports.Scope{Services: map[string]hallq.Service{}, Counters: map[int]string{}}
	h.s.Hall.View(func(e *queue.Engine, n time.Time) {
		sc.Settings, sc.Now, sc.Today = e.Settings(), n, e.Day()
		for _, sv := range e.Services() {
			sc.Services[sv.Code] = sv
		}
		for _, c := range e.Hall(n).Counters {
			sc.Counters[c.ID] = c.Name
		}
	})
	sc.Loc = h.s.Hall.Location()
	return sc, nil
}

func (h hallReports) Summarize(ctx context.Context, sc *reports.Scope, q report.Query) (*report.Result, error) {
	return report.Summarize(ctx, h.s.Store.Reports(), q)
}

func (h hallReports) Tickets(ctx context.Context, sc *reports.Scope, from, to string, fn func(*central.HallRecord, *report.Ticket, *time.Location) error) error {
	return h.s.Store.Reports().DayTickets(ctx, from, to, func(t *report.Ticket) error { return fn(nil, t, sc.Loc) })
}

func (h hallReports) Bookings(ctx context.Context, sc *reports.Scope, q report.Query) (*report.BookingResult, error) {
	return report.CountBookings(ctx, h.s.Store.BookingReports(), q)
}
