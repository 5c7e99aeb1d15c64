package server

import (
	"net/http"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/server/api"
)

// maxEventsPage bounds one page of GET /api/v1/events.
const maxEventsPage = 1000

// listEvents serves GET /api/v1/events?since=N&limit=M: a page of the log.
func (s *Server) listEvents(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	since, err := api.QueryInt(r, "since", 0)
	if err != nil {
		return err
	}
	limit, err := api.QueryInt(r, "limit", 100)
	if err != nil {
		return err
	}
	if since < 0 {
		return hallq.Errorf(hallq.EINVALID, "since must not be negative")
	}
	if limit < 1 || limit > maxEventsPage {
		return hallq.Errorf(hallq.EINVALID, "limit must be between 1 and %d, not %d", maxEventsPage, limit)
	}
	evs, err := s.Store.Events(r.Context(), since, int(limit))
	if err != nil {
		return err
	}
	next := since
	if len(evs) > 0 {
		next = evs[len(evs)-1].Seq
	}
	if evs == nil {
		evs = []hallq.Event{}
	}
	api.WriteJSON(w, http.StatusOK, hallq.EventPage{Events: evs, Next: next})
	return nil
}
