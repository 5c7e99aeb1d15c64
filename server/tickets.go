package server

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/server/api"
	"github.com/hallq/hallq/server/hall"
	"github.com/hallq/hallq/server/queue"
)

func actorOf(p hallq.Principal) queue.Actor {
	var a queue.Actor
	if p.User != nil {
		a.User, a.Role = p.User.Username, p.User.Role
	}
	if p.Device != nil {
		a.Device = p.Device.Name
	}
	return a
}

// withStatusURL fills in the URL a citizen's phone follows; only the
// ticket's holder (the kiosk that printed it, staff) ever sees it.
// The hall's base_url names how phones reach the server; without one, the
// address the caller used is the best guess.
func (s *Server) withStatusURL(r *http.Request, t *hallq.Ticket) *hallq.Ticket {
	t.StatusURL = s.baseURL(r) + "/t/" + url.PathEscape(t.ID) + "?k=" + url.QueryEscape(t.Secret)
	return t
}

func (s *Server) issueTicket(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	var req hallq.TicketRequest
	if err := api.Decode(r, &req); err != nil {
		return err
	}
	if req.Service == "" {
		return hallq.Errorf(hallq.EINVALID, "field \"service\" is required")
	}
	if len(req.IdempotencyKey) > 128 {
		return hallq.Errorf(hallq.EINVALID, "idempotency_key is longer than 128 characters")
	}
	if maxS := int(queue.MaxHold / time.Second); req.HoldS < 0 || req.HoldS > maxS {
		return hallq.Errorf(hallq.EINVALID, "hold_s is %d: it must be between 0 and %d seconds", req.HoldS, maxS)
	}
	device := ""
	if p.Device != nil {
		device = p.Device.Name
	} else {
		device = "user:" + p.User.Username
	}
	// A retry is answered even while the clock is wrong: the ticket exists.
	if req.IdempotencyKey != "" {
		t, err := s.Store.TicketByKey(r.Context(), device, req.IdempotencyKey, s.Hall.Location())
		if err == nil && t.Service != req.Service {
			return &hallq.Error{Code: hallq.ECONFLICT, Reason: "key_reused",
				Message: fmt.Sprintf("idempotency_key %q was already used for ticket %s of service %s", req.IdempotencyKey, t.Label, t.Service)}
		}
		if err == nil {
			s.Hall.View(func(e *queue.Engine, now time.Time) {
				if live, err := e.Ticket(now, t.ID); err == nil {
					t = live
				}
			})
			api.WriteJSON(w, http.StatusCreated, s.withStatusURL(r, t))
			return nil
		}
		if hallq.ErrorCode(err) != hallq.ENOTFOUND {
			return err
		}
	}
	if err := s.clockSane(s.Hall.Now()); err != nil {
		return err
	}
	id, secret := hall.NewTicketID()
	res, err := s.Hall.Do(r.Context(), func(e *queue.Engine, now time.Time) (any, *queue.Change, error) {
		t, ch, err := e.Issue(now, queue.IssueRequest{
			Service: req.Service, Priority: req.Priority, IdempotencyKey: req.IdempotencyKey,
			Device: device, ID: id, Secret: secret, Hold: time.Duration(req.HoldS) * time.Second,
		})
		return t, ch, err
	})
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusCreated, s.withStatusURL(r, res.(*hallq.Ticket)))
	return nil
}

// listNoShows serves GET /api/v1/noshows?service=A,B: today's no-shows,
// most recent first, for the console's re-queue list.
func (s *Server) listNoShows(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	var services []string
	if v := r.URL.Query().Get("service"); v != "" {
		services = strings.Split(v, ",")
	}
	var out []*hallq.Ticket
	s.Hall.View(func(e *queue.Engine, now time.Time) { out = e.NoShows(now, services) })
	if out == nil {
		out = []*hallq.Ticket{}
	}
	api.WriteJSON(w, http.StatusOK, map[string]any{"tickets": out})
	return nil
}

// getTicket answers whoever holds the ticket's secret, or staff.
func (s *Server) getTicket(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	id := r.PathValue("id")
	var t *hallq.Ticket
	var err error
	s.Hall.View(func(e *queue.Engine, now time.Time) { t, err = e.Ticket(now, id) })
	if hallq.ErrorCode(err) == hallq.ENOTFOUND {
		t, err = s.Store.Ticket(r.Context(), id, s.Hall.Location())
	}
	if err != nil {
		if hallq.ErrorCode(err) == hallq.ENOTFOUND {
			return hallq.Errorf(hallq.ENOTFOUND, "no ticket %q", id)
		}
		return err
	}
	k := r.URL.Query().Get("k")
	switch {
	case p.User != nil:
	case k != "" && k == t.Secret:
	case p.Device != nil && p.Device.Name == t.Device:
	case k == "" && p.Device == nil:
		return hallq.Errorf(hallq.EUNAUTHORIZED, "add the ticket's secret (?k=…) from its QR code, or sign in")
	case k == "":
		return hallq.Errorf(hallq.EFORBIDDEN, "device %s did not issue ticket %q; add its secret (?k=…)", p.Device.Name, id)
	default:
		return hallq.Errorf(hallq.EFORBIDDEN, "wrong secret for ticket %q", id)
	}
	api.WriteJSON(w, http.StatusOK, s.withStatusURL(r, t))
	return nil
}

func (s *Server) listTickets(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	var services []string
	if v := r.URL.Query().Get("service"); v != "" {
		services = strings.Split(v, ",")
	}
	var out []*hallq.Ticket
	s.Hall.View(func(e *queue.Engine, now time.Time) { out = e.Waiting(now, services) })
	if out == nil {
		out = []*hallq.Ticket{}
	}
	api.WriteJSON(w, http.StatusOK, hallq.TicketList{Tickets: out})
	return nil
}

func (s *Server) cancelTicket(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	var req hallq.CancelRequest
	if err := api.Decode(r, &req); err != nil {
		return err
	}
	if req.Reason == "" {
		return hallq.Errorf(hallq.EINVALID, "field \"reason\" is required (e.g. \"print_failed\")")
	}
	if err := hallq.CheckName("reason", req.Reason, hallq.MaxReasonLen); err != nil {
		return err
	}
	id := r.PathValue("id")
	res, err := s.Hall.Do(r.Context(), func(e *queue.Engine, now time.Time) (any, *queue.Change, error) {
		if p.Device != nil {
			t, err := e.Ticket(now, id)
			if err != nil {
				return nil, nil, err
			}
			if t.Device != p.Device.Name {
				return nil, nil, hallq.Errorf(hallq.EFORBIDDEN, "kiosk %s did not issue ticket %s", p.Device.Name, t.Label)
			}
		}
		return wrap3(e.Cancel(now, id, req.Reason, actorOf(p)))
	})
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, res)
	return nil
}

// printedTicket is the issuer's word that a held ticket came out of the
// printer: counters may call it from now on.
func (s *Server) printedTicket(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	if err := api.DecodeEmpty(r); err != nil {
		return err
	}
	id := r.PathValue("id")
	return s.doTicket(w, r, func(e *queue.Engine, now time.Time) (*hallq.Ticket, *queue.Change, error) {
		return e.Printed(now, id, actorOf(p))
	})
}

func (s *Server) requeueTicket(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	if err := api.DecodeEmpty(r); err != nil {
		return err
	}
	id := r.PathValue("id")
	return s.doTicket(w, r, func(e *queue.Engine, now time.Time) (*hallq.Ticket, *queue.Change, error) {
		return e.Requeue(now, id, actorOf(p))
	})
}

type priorityRequest struct {
	Kind string `json:"kind"`
}

func (s *Server) priorityTicket(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	var req priorityRequest
	if err := api.DecodeOptional(r, &req); err != nil {
		return err
	}
	id := r.PathValue("id")
	return s.doTicket(w, r, func(e *queue.Engine, now time.Time) (*hallq.Ticket, *queue.Change, error) {
		return e.MarkPriority(now, id, req.Kind, actorOf(p))
	})
}

// doTicket runs a ticket command and answers the ticket, or 204 when the
// command returned none.
func (s *Server) doTicket(w http.ResponseWriter, r *http.Request, fn func(e *queue.Engine, now time.Time) (*hallq.Ticket, *queue.Change, error)) error {
	res, err := s.Hall.Do(r.Context(), func(e *queue.Engine, now time.Time) (any, *queue.Change, error) {
		return wrap3(fn(e, now))
	})
	if err != nil {
		return err
	}
	t, _ := res.(*hallq.Ticket)
	if t == nil {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	api.WriteJSON(w, http.StatusOK, t)
	return nil
}

// wrap3 turns a typed command result into the untyped one Hall.Do carries,
// keeping a nil pointer nil.
func wrap3[T any](v *T, ch *queue.Change, err error) (any, *queue.Change, error) {
	if v == nil {
		return nil, ch, err
	}
	return v, ch, err
}
