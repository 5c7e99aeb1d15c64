package server

import (
	"net/http"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/server/api"
	"github.com/hallq/hallq/server/queue"
)

// setNotice serves POST /api/v1/notice: the notice the displays show.
func (s *Server) setNotice(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	var req hallq.NoticeRequest
	if err := api.Decode(r, &req); err != nil {
		return err
	}
	if err := hallq.CheckNotice(req.Text); err != nil {
		return err
	}
	_, err := s.Hall.Do(r.Context(), func(e *queue.Engine, now time.Time) (any, *queue.Change, error) {
		ch, err := e.SetNotice(now, req.Text, actorOf(p))
		return nil, ch, err
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
