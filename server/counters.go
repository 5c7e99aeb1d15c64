package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/server/api"
	"github.com/hallq/hallq/server/queue"
)

func (s *Server) getCounter(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	id, err := counterID(r)
	if err != nil {
		return err
	}
	var c *hallq.Counter
	s.Hall.View(func(e *queue.Engine, now time.Time) { c, err = e.Counter(id) })
	if err != nil {
		return err
	}
	if p.User == nil { // devices and anonymous screens: the public part
		c.Officer = ""
		if c.Current != nil {
			c.Current = c.Current.Public()
		}
	}
	api.WriteJSON(w, http.StatusOK, c)
	return nil
}

// counterState runs a command that changes a counter's state.
func (s *Server) counterState(w http.ResponseWriter, r *http.Request, p hallq.Principal,
	fn func(e *queue.Engine, now time.Time, id int, a queue.Actor) (*hallq.Counter, *queue.Change, error)) error {
	id, err := counterID(r)
	if err != nil {
		return err
	}
	if err := api.DecodeEmpty(r); err != nil {
		return err
	}
	res, err := s.Hall.Do(r.Context(), func(e *queue.Engine, now time.Time) (any, *queue.Change, error) {
		return wrap3(fn(e, now, id, actorOf(p)))
	})
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) counterOpen(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	return s.counterState(w, r, p, (*queue.Engine).Open)
}

func (s *Server) counterPause(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	return s.counterState(w, r, p, (*queue.Engine).Pause)
}

func (s *Server) counterClose(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	return s.counterState(w, r, p, (*queue.Engine).Close)
}

// counterAct runs a command on a counter's current (or next) ticket.
func (s *Server) counterAct(w http.ResponseWriter, r *http.Request, p hallq.Principal,
	fn func(e *queue.Engine, now time.Time, id int, a queue.Actor) (*hallq.Ticket, *queue.Change, error)) error {
	id, err := counterID(r)
	if err != nil {
		return err
	}
	if err := api.DecodeEmpty(r); err != nil {
		return err
	}
	return s.doTicket(w, r, func(e *queue.Engine, now time.Time) (*hallq.Ticket, *queue.Change, error) {
		return fn(e, now, id, actorOf(p))
	})
}

func (s *Server) counterNext(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	return s.counterAct(w, r, p, (*queue.Engine).Next)
}

func (s *Server) counterRecall(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	return s.counterAct(w, r, p, (*queue.Engine).Recall)
}

func (s *Server) counterStart(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	return s.counterAct(w, r, p, (*queue.Engine).Start)
}

func (s *Server) counterFinish(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	return s.counterAct(w, r, p, (*queue.Engine).Finish)
}

func (s *Server) counterNoShow(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	return s.counterAct(w, r, p, (*queue.Engine).NoShow)
}

func (s *Server) counterCall(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	id, err := counterID(r)
	if err != nil {
		return err
	}
	var req hallq.CallRequest
	if err := api.Decode(r, &req); err != nil {
		return err
	}
	if req.Ticket == "" {
		return hallq.Errorf(hallq.EINVALID, "field \"ticket\" is required: the id of a waiting ticket")
	}
	return s.doTicket(w, r, func(e *queue.Engine, now time.Time) (*hallq.Ticket, *queue.Change, error) {
		return e.Call(now, id, req.Ticket, actorOf(p))
	})
}

func (s *Server) counterTransfer(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	id, err := counterID(r)
	if err != nil {
		return err
	}
	var req hallq.TransferRequest
	if err := api.Decode(r, &req); err != nil {
		return err
	}
	if req.Service == "" {
		return hallq.Errorf(hallq.EINVALID, "field \"service\" is required: the code of the target service")
	}
	return s.doTicket(w, r, func(e *queue.Engine, now time.Time) (*hallq.Ticket, *queue.Change, error) {
		return e.Transfer(now, id, req.Service, actorOf(p))
	})
}

// counterID parses the {id} path value.
func counterID(r *http.Request) (int, error) {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil || id <= 0 {
		return 0, hallq.Errorf(hallq.EINVALID, "counter %q: want its hall number, a positive integer", r.PathValue("id"))
	}
	return id, nil
}
