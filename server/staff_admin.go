package server

import (
	"bytes"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/printer"
	escposdecode "github.com/hallq/hallq/printer/decode"
	"github.com/hallq/hallq/printer/raster"
	"github.com/hallq/hallq/server/queue"
)

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
	writeJSON(w, http.StatusOK, map[string]any{"tickets": out})
	return nil
}

func (s *Server) putService(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	var svc hallq.Service
	if err := decode(r, &svc); err != nil {
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
	writeJSON(w, http.StatusOK, res)
	return nil
}

type counterDefRequest struct {
	Name     string   `json:"name"`
	Services []string `json:"services"`
}

func (s *Server) putCounter(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	id, err := counterID(r)
	if err != nil {
		return err
	}
	var req counterDefRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	res, err := s.Hall.Do(r.Context(), func(e *queue.Engine, now time.Time) (any, *queue.Change, error) {
		return wrap3(e.PutCounter(now, queue.CounterDef{ID: id, Name: req.Name, Services: req.Services}, actorOf(p)))
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) getSettings(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	var set hallq.Settings
	s.Hall.View(func(e *queue.Engine, _ time.Time) { set = e.Settings() })
	writeJSON(w, http.StatusOK, set)
	return nil
}

func (s *Server) putSettings(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	var set hallq.Settings
	if err := decode(r, &set); err != nil {
		return err
	}
	res, err := s.Hall.Do(r.Context(), func(e *queue.Engine, now time.Time) (any, *queue.Change, error) {
		return wrap3(e.PutSettings(now, set, actorOf(p)))
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	us, err := s.Store.Users(r.Context())
	if err != nil {
		return err
	}
	if us == nil {
		us = []hallq.User{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": us})
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
	if err := decode(r, &req); err != nil {
		return err
	}
	if name == "" || len(name) > 64 || strings.ContainsAny(name, " /\t\n") {
		return hallq.Errorf(hallq.EINVALID, "username %q: want 1 to 64 characters without spaces or slashes", name)
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
		if hash, err = HashPassword(req.Password); err != nil {
			return err
		}
	}
	u := hallq.User{Username: name, Role: req.Role, Disabled: req.Disabled}
	if err := s.Store.PutUser(r.Context(), u, hash); err != nil {
		return err
	}
	s.Logger.Info("staff account saved", "username", name, "role", req.Role, "disabled", req.Disabled, logActor, p.Actor())
	writeJSON(w, http.StatusOK, u)
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
	if err := decode(r, &req); err != nil {
		return err
	}
	if req.Name == "" || len(req.Name) > 64 || strings.ContainsAny(req.Name, " /\t\n") {
		return hallq.Errorf(hallq.EINVALID, "device name %q: want 1 to 64 characters without spaces or slashes", req.Name)
	}
	if !hallq.ValidDeviceKind(req.Kind) {
		return hallq.Errorf(hallq.EINVALID, "kind must be kiosk, pad or display, not %q", req.Kind)
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
	token := NewToken()
	d := hallq.Device{Name: req.Name, Kind: req.Kind, Counter: req.Counter}
	if err := s.Store.AddDevice(r.Context(), d, HashToken(token)); err != nil {
		return err
	}
	s.Logger.Info("device created", "device", d.Name, "kind", d.Kind, logActor, p.Actor())
	d.CreatedAt = s.Hall.Now().Truncate(time.Millisecond)
	devicesInZone(&d, s.Hall.Location())
	writeJSON(w, http.StatusCreated, map[string]any{"device": d, "token": token})
	return nil
}

func (s *Server) revokeDevice(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	if err := decodeEmpty(r); err != nil {
		return err
	}
	name := r.PathValue("name")
	if err := s.Store.RevokeDevice(r.Context(), name); err != nil {
		return err
	}
	s.Logger.Info("device revoked", "device", name, logActor, p.Actor())
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// previewFonts are loaded once: the preview needs DejaVu Sans (Debian's
// fonts-dejavu-core), as the kiosk does.
var previewFonts = sync.OnceValues(raster.LoadDefault)

// ticketPreview serves GET /api/v1/ticket-preview?service=A&lang=vi: a PNG
// of the ticket the kiosk would print for the service now, made by the
// printer package's layout and decoded back from its ESC/POS bytes.
func (s *Server) ticketPreview(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	q := r.URL.Query()
	lang := printer.Language(q.Get("lang"))
	if lang == "" {
		lang = printer.Bilingual
	}
	if lang != printer.Vietnamese && lang != printer.English && lang != printer.Bilingual {
		return hallq.Errorf(hallq.EINVALID, "lang must be vi, en or vi+en")
	}
	fonts, err := previewFonts()
	if err != nil {
		return hallq.Errorf(hallq.EUNAVAILABLE, "the ticket preview needs the DejaVu fonts (apt-get install fonts-dejavu-core)")
	}
	var t printer.Ticket
	var found bool
	s.Hall.View(func(e *queue.Engine, now time.Time) {
		v := e.Hall(now)
		set := e.Settings()
		for _, sv := range v.Services {
			if sv.Code == q.Get("service") || (q.Get("service") == "" && !found) {
				t = printer.Ticket{
					Hall: set.Name, ServiceVI: sv.NameVI, ServiceEN: sv.NameEN,
					Label: sv.Label(sv.FirstNumber()), Number: sv.FirstNumber(), IssuedAt: now.In(s.Hall.Location()),
					Ahead: sv.Waiting, EstimatedWaitSeconds: sv.EstimatedWaitS,
					StatusURL: strings.TrimRight(set.BaseURL, "/") + "/t/preview", Language: lang,
				}
				found = true
			}
		}
	})
	if !found {
		return hallq.Errorf(hallq.ENOTFOUND, "no service %q", q.Get("service"))
	}
	l, err := printer.NewLayout(printer.Profile{Width: printer.Width80}, fonts, t.Hall, t.ServiceVI, t.ServiceEN)
	if err != nil {
		return hallq.Errorf(hallq.EINVALID, "the ticket cannot be printed: %v", err)
	}
	job, err := l.Ticket(t)
	if err != nil {
		return err
	}
	res, err := escposdecode.Render(job, escposdecode.Options{Width: printer.Width80, Fonts: fonts})
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := res.WritePNG(&buf); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
	return nil
}
