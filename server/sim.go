package server

import (
	"net/http"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/server/api"
	"github.com/hallq/hallq/server/hall"
)

// EnableSim puts the server in simulation mode: the hall's clock becomes
// c, and POST /api/v1/sim/clock moves it. Call it before the hall runs.
func (s *Server) EnableSim(c *hall.SimClock) {
	s.sim = c
	s.Hall.Now = c.Now
}

func (s *Server) simClock() (*hall.SimClock, error) {
	if s.sim == nil {
		return nil, hallq.Errorf(hallq.ENOTFOUND, "this server does not run in simulation mode (hallserver -sim-clock)")
	}
	return s.sim, nil
}

func (s *Server) getSimClock(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	c, err := s.simClock()
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, hallq.SimClockState{Now: c.Now().In(s.Hall.Location()), Speed: c.Speed()})
	return nil
}

// setSimClock takes {"at":"RFC 3339","speed":10}; either may be left out.
func (s *Server) setSimClock(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	c, err := s.simClock()
	if err != nil {
		return err
	}
	var req hallq.SimClockRequest
	if err := api.Decode(r, &req); err != nil {
		return err
	}
	if req.Speed < 0 {
		return hallq.Errorf(hallq.EINVALID, "speed %g: want a positive factor", req.Speed)
	}
	at, err := c.Set(req.At, req.Speed)
	if err != nil {
		return err
	}
	s.nudgeChores()
	s.Logger.Warn("simulation clock set", "now", at.Format(time.RFC3339), "speed", c.Speed(), api.LogActor, p.Actor())
	api.WriteJSON(w, http.StatusOK, hallq.SimClockState{Now: at.In(s.Hall.Location()), Speed: c.Speed()})
	return nil
}
