// Package server is the hall server: the JSON API, the web pages and the
// websocket event stream over the hall runtime (package server/hall),
// which runs the queue engine, the store and the group commit.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/central"
	"github.com/hallq/hallq/server/announce"
	"github.com/hallq/hallq/server/hall"
	"github.com/hallq/hallq/server/sqlite"
)

// maxBody bounds every request body; the API's bodies are small.
const maxBody = 64 << 10

// Log attribute keys.
const (
	logErr    = "err"
	logRoute  = "route"
	logStatus = "status"
	logActor  = "actor"
)

// Server serves the hall's HTTP API.
type Server struct {
	Hall   *hall.Runtime
	Store  *sqlite.DB
	Logger *slog.Logger
	// BuildTime is when the binary was built: a clock reading earlier than
	// this is implausible, and tickets are refused until it is fixed.
	BuildTime time.Time
	// Version names the release, for /healthz.
	Version string
	// SessionTTL is how long a staff session lasts.
	SessionTTL time.Duration
	// StreamBuffer is how many events may wait for one stream subscriber
	// before it is dropped as too slow (default 1024).
	StreamBuffer int

	mux     *http.ServeMux
	closing chan struct{}
	metrics *metrics
	routes  []route
	logins  *loginLimiter
	// csrf refuses cross-origin browser writes (staff_pages.go).
	csrf *http.CrossOriginProtection

	announcer *announce.Announcer // display_pages.go

	// Shipper, if set, ships the hall's log to the central store; its
	// progress shows on /metrics and GET /api/v1/central/status.
	Shipper *central.Shipper
	// Now is the clock of a server in central mode (a hall's is Hall.Now).
	Now func() time.Time
	// accts is where staff sign in and devices are known; reports is
	// where the reports read: the hall's SQLite, or in central mode
	// (NewCentral, central.go) the central store.
	accts     accounts
	reports   reportSource
	centralDB *central.DB
	// sim is the simulation clock, nil unless EnableSim (sim.go).
	sim *hall.SimClock
}

// New builds a server over a running hall.
func New(hl *hall.Runtime, logger *slog.Logger) *Server {
	s := &Server{
		Hall:       hl,
		Store:      hl.Store,
		Logger:     logger,
		SessionTTL: 12 * time.Hour,
		mux:        http.NewServeMux(),
		logins:     newLoginLimiter(),
		closing:    make(chan struct{}),
	}
	s.accts, s.reports = hl.Store, hallReports{s}
	s.metrics = newMetrics(s)
	hl.OnCommit = s.metrics.observeEvents
	s.routes = s.apiRoutes()
	s.registerDisplay()
	s.registerStaff()
	s.registerKiosk()
	s.registerEnrol()
	s.registerCentral()
	s.registerSim()
	for _, rt := range s.routes {
		s.mux.Handle(rt.pattern, s.wrap(rt))
	}
	s.mux.HandleFunc("/api/", s.apiNotFound)
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.Handle("GET /metrics", s.metrics.handler())
	return s
}

// Close ends every open stream; http.Server.Shutdown does not reach
// hijacked websocket connections.
func (s *Server) Close() {
	select {
	case <-s.closing:
	default:
		close(s.closing)
	}
}

// Handler is the server's HTTP handler. Browser writes from another
// origin are refused before they reach any route (cross-site request
// forgery); programs that send no Origin or Sec-Fetch-Site header, such
// as devices with bearer tokens, pass.
func (s *Server) Handler() http.Handler {
	if s.csrf == nil {
		return s.mux
	}
	return s.csrf.Handler(s.mux)
}

// Routes lists the API routes with who may call them, as registered.
func (s *Server) Routes() []RouteInfo {
	out := make([]RouteInfo, len(s.routes))
	for i, rt := range s.routes {
		out[i] = RouteInfo{Pattern: rt.pattern, Access: rt.access}
	}
	return out
}

// RouteInfo describes one registered route.
type RouteInfo struct {
	Pattern string
	Access  Access
}

// Method is the route's HTTP method.
func (ri RouteInfo) Method() string { return strings.SplitN(ri.Pattern, " ", 2)[0] }

// Path is the route's path pattern.
func (ri RouteInfo) Path() string { return strings.SplitN(ri.Pattern, " ", 2)[1] }

// Access says who may call a route.
type Access struct {
	// Public routes need no credentials at all.
	Public bool
	// PublicDisplay routes need none while the hall's public_display is on.
	PublicDisplay bool
	// Roles are the staff roles allowed (admin is always allowed where
	// manager is).
	Roles []hallq.Role
	// Devices are the device kinds allowed.
	Devices []hallq.DeviceKind
	// PadCounter: a pad is allowed only at the counter named by the {id}
	// path value.
	PadCounter bool
}

func (a Access) allows(p hallq.Principal) bool {
	if p.User != nil {
		for _, r := range a.Roles {
			if p.User.Role == r || (p.User.Role == hallq.RoleAdmin && r == hallq.RoleManager) {
				return true
			}
		}
		return false
	}
	if p.Device != nil {
		for _, k := range a.Devices {
			if p.Device.Kind == k {
				return true
			}
		}
	}
	return false
}

type route struct {
	pattern string
	access  Access
	handle  func(w http.ResponseWriter, r *http.Request, p hallq.Principal) error
}

// wrap authenticates, authorises, times and logs a route.
func (s *Server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		sw := &statusWriter{ResponseWriter: w}
		p, err := s.authorize(r, rt.access)
		if err == nil {
			err = rt.handle(sw, r, p)
		}
		if err != nil {
			s.writeError(sw, r, err)
		}
		// A websocket stays open for a session: its duration is no latency.
		if r.Header.Get("Upgrade") == "" {
			s.metrics.observeRequest(rt.pattern, sw.status, time.Since(start))
		}
	})
}

// apiNotFound answers API paths no route takes, in JSON like every API
// error: 405 with Allow when the path exists for other methods, else 404.
func (s *Server) apiNotFound(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "" && pattern != "/api/" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeJSON(w, http.StatusMethodNotAllowed, hallq.NewErrorBody(hallq.Errorf(hallq.EINVALID,
			"%s is not allowed on %s; use %s", r.Method, r.URL.Path, strings.Join(allow, " or "))))
		return
	}
	s.writeError(w, r, hallq.Errorf(hallq.ENOTFOUND, "no API route %s %s (see docs/API.md)", r.Method, r.URL.Path))
}

// authorize resolves the caller and checks the route's access rule.
func (s *Server) authorize(r *http.Request, a Access) (hallq.Principal, error) {
	p, err := s.principal(r)
	if err != nil {
		return p, err
	}
	if a.Public {
		return p, nil
	}
	if a.PublicDisplay && p.User == nil && p.Device == nil && s.Hall != nil {
		if s.Hall.Settings().PublicDisplay {
			return p, nil
		}
	}
	if p.User == nil && p.Device == nil {
		return p, hallq.Errorf(hallq.EUNAUTHORIZED, "sign in or send a device token (Authorization: Bearer …)")
	}
	if !a.allows(p) {
		return p, hallq.Errorf(hallq.EFORBIDDEN, "%s may not do this", p.Actor())
	}
	if a.PadCounter && p.Device != nil && p.Device.Kind == hallq.DevicePad {
		id, _ := strconv.Atoi(r.PathValue("id"))
		if id != p.Device.Counter {
			return p, hallq.Errorf(hallq.EFORBIDDEN, "pad %s is bound to counter %d, not %s", p.Device.Name, p.Device.Counter, r.PathValue("id"))
		}
	}
	return p, nil
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController (and the websocket upgrade) reach the
// underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		err = hallq.Errorf(hallq.EINVALID, "request body is larger than %d bytes", mbe.Limit)
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		err = hallq.Errorf(hallq.EUNAVAILABLE, "the hall server is busy or shutting down; try again")
	}
	code := hallq.ErrorCode(err)
	if code == hallq.EINTERNAL {
		s.Logger.Error("request failed", logRoute, r.Pattern, logErr, err)
	}
	writeJSON(w, hallq.HTTPStatus(code), hallq.NewErrorBody(err))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// decode reads a JSON body strictly: unknown fields, trailing data, an empty
// body and wrong types are EINVALID errors that name the problem.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &mbe):
			return err
		case errors.Is(err, io.EOF):
			return hallq.Errorf(hallq.EINVALID, "request body is empty; want a JSON object")
		case errors.As(err, &se):
			return hallq.Errorf(hallq.EINVALID, "malformed JSON at byte %d: %v", se.Offset, se)
		case errors.As(err, &te) && te.Field == "":
			return hallq.Errorf(hallq.EINVALID, "want a JSON object, not %s", te.Value)
		case errors.As(err, &te):
			return hallq.Errorf(hallq.EINVALID, "field %q must be %s, not %s", te.Field, jsonKind(te.Type.Kind().String()), te.Value)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			return hallq.Errorf(hallq.EINVALID, "unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
		}
		return hallq.Errorf(hallq.EINVALID, "malformed JSON: %v", err)
	}
	if dec.More() {
		return hallq.Errorf(hallq.EINVALID, "unexpected data after the JSON object")
	}
	return nil
}

// jsonKind names a Go kind as the JSON type a client must send.
func jsonKind(k string) string {
	switch {
	case strings.HasPrefix(k, "int"), strings.HasPrefix(k, "uint"), strings.HasPrefix(k, "float"):
		return "a number"
	case k == "string":
		return "a string"
	case k == "bool":
		return "true or false"
	case k == "slice", k == "array":
		return "an array"
	}
	return "an object"
}

// counterID parses the {id} path value.
func counterID(r *http.Request) (int, error) {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil || id <= 0 {
		return 0, hallq.Errorf(hallq.EINVALID, "counter %q: want its hall number, a positive integer", r.PathValue("id"))
	}
	return id, nil
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	now := s.Hall.Now()
	body := map[string]any{"status": "ok", "version": s.Version, "time": now.In(s.Hall.Location()).Format(time.RFC3339)}
	status := http.StatusOK
	if err := s.clockSane(now); err != nil {
		body["status"] = "clock"
		body["clock"] = hallq.ErrorMessage(err)
		status = http.StatusServiceUnavailable
	} else {
		body["clock"] = "ok"
	}
	if _, err := s.Store.SchemaVersion(r.Context()); err != nil {
		body["status"] = "database"
		body["database"] = "unreadable"
		status = http.StatusServiceUnavailable
		s.Logger.Error("healthz: database", logErr, err)
	}
	// A hall whose history the central store does not share serves its
	// citizens as ever (200), but says so until someone resolves it.
	if s.Shipper != nil {
		body["central"] = "ok"
		if st := s.Shipper.Status(r.Context()); st.Diverged != nil {
			body["central"] = "diverged"
			if status == http.StatusOK {
				body["status"] = "degraded"
			}
		}
	}
	writeJSON(w, status, body)
}

// clockSane refuses a clock that reads earlier than the build.
func (s *Server) clockSane(now time.Time) error {
	if !s.BuildTime.IsZero() && now.Before(s.BuildTime) {
		return &hallq.Error{Code: hallq.EUNAVAILABLE, Reason: "clock",
			Message: fmt.Sprintf("the server's clock reads %s, earlier than its build (%s): set the time (NTP or the RTC) before tickets can be issued",
				now.UTC().Format(time.RFC3339), s.BuildTime.UTC().Format(time.RFC3339))}
	}
	return nil
}
