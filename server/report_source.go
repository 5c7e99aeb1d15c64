package server

import (
	"context"
	"net/http"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/central"
	"github.com/hallq/hallq/report"
	"github.com/hallq/hallq/server/queue"
)

// accounts is where staff sign in and devices are known: the hall's
// SQLite, or in central mode the central store's users.
type accounts interface {
	// SessionUser is the user of an unexpired session; ENOTFOUND otherwise.
	SessionUser(ctx context.Context, tokenHash string, now time.Time) (hallq.User, error)
	// DeviceByToken is the live device holding a token; ENOTFOUND otherwise.
	DeviceByToken(ctx context.Context, tokenHash string) (hallq.Device, error)
	// UserHash is a user and its password hash; ENOTFOUND if there is none.
	UserHash(ctx context.Context, username string) (hallq.User, string, error)
	PutSession(ctx context.Context, tokenHash, username string, expires time.Time) error
	DeleteSession(ctx context.Context, tokenHash string) error
}

// reportSource is where the reports and the manager dashboard read: the
// hall's own store (hallReports), or the central store across halls
// (centralReports). Both compute with package report from the same ticket
// rows, so a hall's figures are the same whichever serves them.
type reportSource interface {
	// scope says what a report request is computed against, and fills
	// rq's services and counters (the labels) and, centrally, its halls.
	scope(r *http.Request, rq *reportRequest) (reportScope, error)
	// summarize computes the summary q of rq's hall or halls.
	summarize(ctx context.Context, rq *reportRequest, q report.Query) (*report.Result, error)
	// tickets calls fn for every ticket whose day is in rq's range, with
	// its hall (nil for a hall's own) and that hall's zone.
	tickets(ctx context.Context, rq *reportRequest, fn func(hall *central.Hall, t *report.Ticket, loc *time.Location) error) error
}

// reportScope is what a report is computed against.
type reportScope struct {
	settings hallq.Settings // targets and language
	now      time.Time
	today    string // "": the calendar day at now
	loc      *time.Location
}

// hallReports are the hall's own reports: its running engine for the
// day, services and counters, its SQLite for tickets and roll-ups.
type hallReports struct{ s *Server }

func (h hallReports) scope(r *http.Request, rq *reportRequest) (reportScope, error) {
	var sc reportScope
	h.s.Hall.View(func(e *queue.Engine, n time.Time) {
		sc.settings, sc.now, sc.today = e.Settings(), n, e.Day()
		for _, sv := range e.Services() {
			rq.services[sv.Code] = sv
		}
		for _, c := range e.Hall(n).Counters {
			rq.counters[c.ID] = c.Name
		}
	})
	sc.loc = h.s.Hall.Location()
	return sc, nil
}

func (h hallReports) summarize(ctx context.Context, rq *reportRequest, q report.Query) (*report.Result, error) {
	return report.Summarize(ctx, h.s.Store.Reports(), q)
}

func (h hallReports) tickets(ctx context.Context, rq *reportRequest, fn func(*central.Hall, *report.Ticket, *time.Location) error) error {
	return h.s.Store.Reports().DayTickets(ctx, rq.q.From, rq.q.To, func(t *report.Ticket) error { return fn(nil, t, rq.q.Loc) })
}

// clock is the server's time: the hall's, or central mode's.
func (s *Server) clock() time.Time {
	switch {
	case s.Hall != nil:
		return s.Hall.Now()
	case s.Now != nil:
		return s.Now()
	}
	return time.Now()
}

// location is the hall's time zone; in central mode the default hall's
// (Asia/Ho_Chi_Minh), which only dates sessions and default ranges.
func (s *Server) location() *time.Location {
	if s.Hall != nil {
		return s.Hall.Location()
	}
	return defaultLocation()
}

func defaultLocation() *time.Location {
	set := hallq.DefaultSettings()
	loc, err := set.Location()
	if err != nil {
		return time.UTC
	}
	return loc
}
