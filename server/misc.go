package server

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/server/queue"
)

func (s *Server) getHall(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	var v hallq.HallView
	s.Hall.View(func(e *queue.Engine, now time.Time) { v = e.Hall(now) })
	writeJSON(w, http.StatusOK, v)
	return nil
}

// devicesInZone shows a device's times in the hall's zone.
func devicesInZone(d *hallq.Device, loc *time.Location) {
	d.CreatedAt = d.CreatedAt.In(loc)
	for _, t := range []*time.Time{d.RevokedAt, d.LastSeen} {
		if t != nil {
			*t = t.In(loc)
		}
	}
}

func (s *Server) me(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	if p.Device != nil {
		devicesInZone(p.Device, s.Hall.Location())
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": p.User, "device": p.Device})
	return nil
}

// maxRatingAge bounds age_ms: a press older than a day cannot be placed.
const maxRatingAge = 24 * time.Hour

func (s *Server) postRating(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	var req hallq.RatingPress
	if err := decode(r, &req); err != nil {
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
		writeJSON(w, http.StatusCreated, old)
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
	writeJSON(w, http.StatusCreated, res)
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

func (s *Server) heartbeat(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	var health map[string]any
	if err := decodeOptional(r, &health); err != nil {
		return err
	}
	if err := s.Store.Heartbeat(r.Context(), p.Device.Name, health, s.Hall.Now()); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listDevices(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	ds, err := s.Store.Devices(r.Context())
	if err != nil {
		return err
	}
	s.Hall.OverlaySeen(ds)
	loc := s.Hall.Location()
	for i := range ds {
		devicesInZone(&ds[i], loc)
	}
	if ds == nil {
		ds = []hallq.Device{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"devices": ds})
	return nil
}

type noticeRequest struct {
	Text string `json:"text"`
}

func (s *Server) setNotice(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	var req noticeRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	if len(req.Text) > 2000 {
		return hallq.Errorf(hallq.EINVALID, "notice is longer than 2000 bytes")
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

// maxEventsPage bounds one page of GET /api/v1/events.
const maxEventsPage = 1000

func (s *Server) listEvents(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	since, err := queryInt(r, "since", 0)
	if err != nil {
		return err
	}
	limit, err := queryInt(r, "limit", 100)
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
	writeJSON(w, http.StatusOK, hallq.EventPage{Events: evs, Next: next})
	return nil
}

func queryInt(r *http.Request, name string, def int64) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, hallq.Errorf(hallq.EINVALID, "query parameter %s=%q is not an integer", name, v)
	}
	return n, nil
}
