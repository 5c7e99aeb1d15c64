package server

import (
	"net/http"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/server/api"
	"github.com/hallq/hallq/server/queue"
)

// putService serves PUT /api/v1/services/{code}: a service added or
// changed (names, numbering, target wait, cap, hours).
func (s *Server) putService(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	var svc hallq.Service
	if err := api.Decode(r, &svc); err != nil {
		return err
	}
	code := r.PathValue("code")
	if svc.Code == "" {
		svc.Code = code
	}
	if svc.Code != code {
		return hallq.Errorf(hallq.EINVALID, "service code %q in the body differs from %q in the path", svc.Code, code)
	}
	res, err := s.Hall.Do(r.Context(), func(e *queue.Engine, now time.Time) (any, *queue.Change, error) {
		return wrap3(e.PutService(now, svc, actorOf(p)))
	})
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, res)
	return nil
}

type counterDefRequest struct {
	Name     string   `json:"name"`
	Services []string `json:"services"`
}

// putCounter serves PUT /api/v1/counters/{id}: a counter's name and the
// services it serves, in order of preference.
func (s *Server) putCounter(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	id, err := counterID(r)
	if err != nil {
		return err
	}
	var req counterDefRequest
	if err := api.Decode(r, &req); err != nil {
		return err
	}
	res, err := s.Hall.Do(r.Context(), func(e *queue.Engine, now time.Time) (any, *queue.Change, error) {
		return wrap3(e.PutCounter(now, queue.CounterDef{ID: id, Name: req.Name, Services: req.Services}, actorOf(p)))
	})
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, res)
	return nil
}

// getSettings serves GET /api/v1/settings: the hall's settings.
func (s *Server) getSettings(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	var set hallq.Settings
	s.Hall.View(func(e *queue.Engine, _ time.Time) { set = e.Settings() })
	api.WriteJSON(w, http.StatusOK, set)
	return nil
}

// putSettings serves PUT /api/v1/settings: the hall's settings replaced,
// checked by the engine.
func (s *Server) putSettings(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	var set hallq.Settings
	if err := api.Decode(r, &set); err != nil {
		return err
	}
	res, err := s.Hall.Do(r.Context(), func(e *queue.Engine, now time.Time) (any, *queue.Change, error) {
		return wrap3(e.PutSettings(now, set, actorOf(p)))
	})
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, res)
	return nil
}

// listUsers serves GET /api/v1/users: the staff accounts.
func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	us, err := s.Store.Users(r.Context())
	if err != nil {
		return err
	}
	if us == nil {
		us = []hallq.User{}
	}
	api.WriteJSON(w, http.StatusOK, map[string]any{"users": us})
	return nil
}

type userRequest struct {
	Role     hallq.Role `json:"role"`
	Password string     `json:"password"` // "" keeps the current one
	Disabled bool       `json:"disabled"`
}

// putUser creates a staff account or changes its role, password or
// disabled flag. The password is hashed at once and never logged.
func (s *Server) putUser(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	name := r.PathValue("name")
	var req userRequest
	if err := api.Decode(r, &req); err != nil {
		return err
	}
	if err := hallq.CheckIdentifier("username", name); err != nil {
		return err
	}
	if !hallq.ValidRole(req.Role) {
		return hallq.Errorf(hallq.EINVALID, "role must be officer, manager or admin, not %q", req.Role)
	}
	if name == p.User.Username && (req.Role != hallq.RoleAdmin || req.Disabled) {
		return hallq.Errorf(hallq.ECONFLICT, "you cannot take away your own admin rights")
	}
	_, hash, err := s.Store.UserHash(r.Context(), name)
	exists := err == nil
	if err != nil && hallq.ErrorCode(err) != hallq.ENOTFOUND {
		return err
	}
	if req.Password != "" || !exists {
		if hash, err = api.HashPassword(req.Password); err != nil {
			return err
		}
	}
	u := hallq.User{Username: name, Role: req.Role, Disabled: req.Disabled}
	if err := s.Store.PutUser(r.Context(), u, hash); err != nil {
		return err
	}
	if exists {
		// Disabled, or another role: its open streams end, and the pages
		// connect again with what the account may now see.
		s.Stream.CloseUser(name)
	}
	s.Logger.Info("staff account saved", "username", name, "role", req.Role, "disabled", req.Disabled, api.LogActor, p.Actor())
	api.WriteJSON(w, http.StatusOK, u)
	return nil
}
