package server

import (
	"fmt"
	"net/http"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/server/api"
	"github.com/hallq/hallq/server/queue"
)

// maxRatingAge bounds age_ms: a press older than a day cannot be placed.
const maxRatingAge = 24 * time.Hour

// postRating serves POST /api/v1/ratings: a pad's press, placed on the
// ticket at its counter when it was pressed; a retried press is answered
// with the rating it made.
func (s *Server) postRating(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	var req hallq.RatingPress
	if err := api.Decode(r, &req); err != nil {
		return err
	}
	if req.Counter == 0 {
		return hallq.Errorf(hallq.EINVALID, "field \"counter\" is required: the counter the pad is at")
	}
	if req.Counter != p.Device.Counter {
		return hallq.Errorf(hallq.EFORBIDDEN, "pad %s is bound to counter %d, not %d", p.Device.Name, p.Device.Counter, req.Counter)
	}
	if req.DeviceSeq <= 0 {
		return hallq.Errorf(hallq.EINVALID, "device_seq must be a positive integer that the pad increases with each press")
	}
	if req.AgeMS < 0 || req.AgeMS > maxRatingAge.Milliseconds() {
		return hallq.Errorf(hallq.EINVALID, "age_ms must be between 0 and %d", maxRatingAge.Milliseconds())
	}
	// A retry of a press from an earlier day is no longer in memory.
	if old, err := s.Store.RatingBySeq(r.Context(), p.Device.Name, req.DeviceSeq, s.Hall.Location()); err == nil {
		if err := sameRating(old, req); err != nil {
			return err
		}
		api.WriteJSON(w, http.StatusCreated, old)
		return nil
	} else if hallq.ErrorCode(err) != hallq.ENOTFOUND {
		return err
	}
	res, err := s.Hall.Do(r.Context(), func(e *queue.Engine, now time.Time) (any, *queue.Change, error) {
		return wrap3(e.Rate(now, queue.RateRequest{
			Counter: req.Counter, Score: req.Score, Device: p.Device.Name,
			DeviceSeq: req.DeviceSeq, AgeMS: req.AgeMS, AgeCapped: req.AgeCapped,
		}))
	})
	if err != nil {
		return err
	}
	// The store numbered the rating as it committed it; answer with that.
	if r, err := s.Store.RatingBySeq(r.Context(), p.Device.Name, req.DeviceSeq, s.Hall.Location()); err == nil {
		res = r
	}
	if rt, ok := res.(*hallq.Rating); ok {
		if err := sameRating(rt, req); err != nil {
			return err
		}
	}
	api.WriteJSON(w, http.StatusCreated, res)
	return nil
}

// sameRating refuses a device_seq reused for a different press: a pad that
// lost its sequence would otherwise have new presses silently swallowed.
func sameRating(old *hallq.Rating, req hallq.RatingPress) error {
	if old.Score != req.Score || old.Counter != req.Counter {
		return &hallq.Error{Code: hallq.ECONFLICT, Reason: "seq_reused",
			Message: fmt.Sprintf("device_seq %d was already used for a press of score %d at counter %d; a pad must never reuse a sequence number", req.DeviceSeq, old.Score, old.Counter)}
	}
	return nil
}
