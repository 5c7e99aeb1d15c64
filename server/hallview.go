package server

import (
	"net/http"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/server/api"
	"github.com/hallq/hallq/server/queue"
	"github.com/hallq/hallq/server/web/staff"
)

// getHall serves GET /api/v1/hall: the hall as it is now (hallq.HallView).
func (s *Server) getHall(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	var v hallq.HallView
	s.Hall.View(func(e *queue.Engine, now time.Time) { v = e.Hall(now) })
	if p.User == nil { // devices and anonymous screens: the public part
		v = v.Public()
	}
	api.WriteJSON(w, http.StatusOK, v)
	return nil
}

// LiveService is one service in the live view of today.
type LiveService struct {
	Code         string `json:"code"`
	Name         string `json:"name"`
	Waiting      int    `json:"waiting"`
	LongestWaitS int    `json:"longest_wait_s"`
}

// reportLive serves GET /api/v1/reports/live: who waits per service now,
// the longest wait now, and the open counters.
func (s *Server) reportLive(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	var out struct {
		Now          time.Time       `json:"now"`
		Services     []LiveService   `json:"services"`
		Counters     []hallq.Counter `json:"counters"`
		Open         int             `json:"open_counters"`
		LongestWaitS int             `json:"longest_wait_s"`
	}
	lang := "vi"
	s.Hall.View(func(e *queue.Engine, now time.Time) {
		lang = staff.Lang(r, e.Settings().Language)
		v := e.Hall(now)
		out.Now = v.Hall.Now
		longest := map[string]int{}
		for _, t := range e.Waiting(now, nil) {
			longest[t.Service] = max(longest[t.Service], int(now.Sub(t.IssuedAt)/time.Second))
		}
		for _, sv := range v.Services {
			name := sv.NameVI
			if lang == "en" && sv.NameEN != "" {
				name = sv.NameEN
			}
			out.Services = append(out.Services, LiveService{Code: sv.Code, Name: name, Waiting: sv.Waiting, LongestWaitS: longest[sv.Code]})
			out.LongestWaitS = max(out.LongestWaitS, longest[sv.Code])
		}
		out.Counters = []hallq.Counter{}
		for _, c := range v.Counters {
			if c.State != hallq.CounterClosed {
				out.Counters = append(out.Counters, c)
				if c.State == hallq.CounterOpen {
					out.Open++
				}
			}
		}
	})
	api.WriteJSON(w, http.StatusOK, out)
	return nil
}
