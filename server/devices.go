package server

import (
	"net/http"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/server/api"
	"github.com/hallq/hallq/server/queue"
)

// heartbeat serves POST /api/v1/devices/heartbeat: a device says it is
// alive, with its health (any JSON object) for the admin's list; where it
// was heard from is kept too, to mark enrolment requests from there.
func (s *Server) heartbeat(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	var health map[string]any
	if err := api.DecodeOptional(r, &health); err != nil {
		return err
	}
	if err := s.Store.Heartbeat(r.Context(), p.Device.Name, health, api.ClientIP(r), s.Hall.Now()); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// listDevices serves GET /api/v1/devices: every device with its last
// heartbeat and last-seen time, including those not yet written down.
func (s *Server) listDevices(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	ds, err := s.Store.Devices(r.Context())
	if err != nil {
		return err
	}
	s.Hall.OverlaySeen(ds)
	loc := s.Hall.Location()
	for i := range ds {
		api.DeviceInZone(&ds[i], loc)
	}
	if ds == nil {
		ds = []hallq.Device{}
	}
	api.WriteJSON(w, http.StatusOK, map[string]any{"devices": ds})
	return nil
}

type deviceRequest struct {
	Name    string           `json:"name"`
	Kind    hallq.DeviceKind `json:"kind"`
	Counter int              `json:"counter"`
}

// createDevice registers a device and answers its token, the only time it
// is ever shown: the store keeps only its hash.
func (s *Server) createDevice(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	var req deviceRequest
	if err := api.Decode(r, &req); err != nil {
		return err
	}
	if err := hallq.CheckIdentifier("name", req.Name); err != nil {
		return err
	}
	if !hallq.ValidDeviceKind(req.Kind) {
		return hallq.Errorf(hallq.EINVALID, "kind must be kiosk, pad, display or portal, not %q", req.Kind)
	}
	if req.Kind == hallq.DevicePad {
		var err error
		s.Hall.View(func(e *queue.Engine, _ time.Time) { _, err = e.Counter(req.Counter) })
		if err != nil {
			return hallq.Errorf(hallq.EINVALID, "a pad is bound to a counter: no counter %d", req.Counter)
		}
	} else if req.Counter != 0 {
		return hallq.Errorf(hallq.EINVALID, "only a pad is bound to a counter")
	}
	token := api.NewToken()
	d := hallq.Device{Name: req.Name, Kind: req.Kind, Counter: req.Counter}
	if err := s.Store.AddDevice(r.Context(), d, api.HashToken(token)); err != nil {
		return err
	}
	s.Logger.Info("device created", "device", d.Name, "kind", d.Kind, api.LogActor, p.Actor())
	d.CreatedAt = s.Hall.Now().Truncate(time.Millisecond)
	api.DeviceInZone(&d, s.Hall.Location())
	api.WriteJSON(w, http.StatusCreated, map[string]any{"device": d, "token": token})
	return nil
}

func (s *Server) revokeDevice(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	if err := api.DecodeEmpty(r); err != nil {
		return err
	}
	name := r.PathValue("name")
	defer s.Stream.CloseDevice(name)
	if err := s.Store.RevokeDevice(r.Context(), name); err != nil {
		return err
	}
	s.Logger.Info("device revoked", "device", name, api.LogActor, p.Actor())
	w.WriteHeader(http.StatusNoContent)
	return nil
}
