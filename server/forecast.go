package server

import (
	"context"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/forecast"
	"github.com/hallq/hallq/report"
	"github.com/hallq/hallq/server/queue"
	"github.com/hallq/hallq/server/sqlite"
	"github.com/hallq/hallq/staffing"
)

// planSource is what the forecast reads of the hall's store (a
// staffing.Source): its tickets and its counters' openings.
type planSource struct{ db *sqlite.DB }

func (p planSource) DayTickets(ctx context.Context, from, to string, fn func(*report.Ticket) error) error {
	return p.db.Reports().DayTickets(ctx, from, to, fn)
}

func (p planSource) CounterEvents(ctx context.Context, from, to time.Time) ([]hallq.Event, error) {
	return p.db.CounterEvents(ctx, from, to)
}

// planState is the hall as a staffing plan needs it — its settings,
// services and counters (with the services each calls) — and its clock.
func (s *Server) planState() (queue.State, time.Time) {
	var st queue.State
	var now time.Time
	s.Hall.View(func(e *queue.Engine, n time.Time) {
		st.Settings, st.Services, now = e.Settings(), e.Services(), n
		st.Counters = e.Hall(n).Counters
	})
	return st, now
}

// PlanWith sets how the forecast page's staffing plans are made (tests
// make them with fewer simulated days); call it before the server
// serves.
func (s *Server) PlanWith(opt staffing.Options) {
	s.forecast.Outlooks = staffing.NewOutlooks(planSource{s.Store}, opt, forecast.Options{})
}
