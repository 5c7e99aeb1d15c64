// Package server is the hall server: the JSON API, the web pages and the
// websocket event stream over the hall runtime (package server/hall),
// which runs the queue engine, the store and the group commit. Its routes
// are one table (routes.go), each with the access rule that the access
// test sweeps.
package server

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/central"
	"github.com/hallq/hallq/forecast"
	"github.com/hallq/hallq/server/api"
	"github.com/hallq/hallq/server/hall"
	"github.com/hallq/hallq/server/queue"
	"github.com/hallq/hallq/server/reports"
	"github.com/hallq/hallq/server/sqlite"
	"github.com/hallq/hallq/server/stream"
	"github.com/hallq/hallq/server/web/display"
	"github.com/hallq/hallq/server/web/staff"
	"github.com/hallq/hallq/staffing"
)

// Server serves the hall's HTTP API, pages and stream.
type Server struct {
	Hall   *hall.Runtime
	Store  *sqlite.DB
	Logger *slog.Logger
	// BuildTime is when the binary was built: a clock reading earlier than
	// this is implausible, and tickets are refused until it is fixed.
	BuildTime time.Time
	// Version names the release, for /healthz.
	Version string
	// MinFreeBytes is the free disk space under which /healthz says the
	// store is not ok (0: not checked).
	MinFreeBytes uint64
	// Stream serves GET /api/v1/stream; its Buffer may be set before
	// the server serves.
	Stream *stream.Server
	// Shipper, if set, ships the hall's log to the central store; its
	// progress shows on /metrics and GET /api/v1/central/status.
	Shipper *central.Shipper

	api     *api.Mux
	metrics *metrics
	display *display.Server
	reports *reports.Server
	// forecast is the manager's forecast and staffing plan.
	forecast *reports.Forecast
	enrol    *enroller
	// bookLimit is the booking rate per address (bookings.go).
	bookLimit *rateLimiter
	// sim is the simulation clock, nil unless EnableSim (sim.go).
	sim *hall.SimClock
	// clockMoved wakes RunBookingChores when the simulation clock is set.
	clockMoved chan struct{}
}

// New builds a server over a running hall.
func New(hl *hall.Runtime, logger *slog.Logger) *Server {
	s := &Server{Hall: hl, Store: hl.Store, Logger: logger, clockMoved: make(chan struct{}, 1)}
	s.api = api.New(api.Config{
		Logger:   logger,
		Accounts: hl.Store,
		// The hall's clock may be replaced until it runs (EnableSim).
		Now:           func() time.Time { return hl.Now() },
		Location:      hl.Location,
		PublicDisplay: func() bool { return hl.Settings().PublicDisplay },
	})
	s.metrics = newMetrics(s)
	hl.OnCommit = s.metrics.observeEvents
	s.Stream = stream.New(hl, logger)
	s.Stream.Authenticate = s.api.Principal
	s.Stream.Open = s.metrics.streams
	s.display = display.NewServer(hl, s.api, logger)
	s.reports = &reports.Server{Source: hallReports{s}, Logger: logger, Now: s.api.Now, Location: hl.Location}
	s.forecast = &reports.Forecast{Outlooks: staffing.NewOutlooks(planSource{hl.Store}, staffing.Options{}, forecast.Options{}),
		Hall: s.planState, Logger: logger}
	s.enrol = newEnroller(s)
	s.bookLimit = newRateLimiter(bookBurst, bookEvery)
	hl.Foresee = s.foresee
	s.api.Route(s.routes()...)

	pages := &staff.Pages{Site: staff.Embedded(), API: s.api, Settings: s.settings, Alerts: s.alerts}
	pages.SignIn()
	pages.Page("officer", api.StaffWrite, nil)
	s.reports.Pages(pages)
	pages.Page("forecast", api.Managers, s.forecast.Page)
	pages.Page("admin", api.AdminOnly, nil)
	pages.Page("bookings", api.AllStaff, nil)
	s.api.HandleFunc("GET /healthz", s.healthz)
	return s
}

// Close ends every open stream; http.Server.Shutdown does not reach
// hijacked websocket connections.
func (s *Server) Close() { s.Stream.Close() }

// Handler is the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.api.Handler() }

// Routes lists the API routes with who may call them, as registered.
func (s *Server) Routes() []api.RouteInfo { return s.api.Routes() }

// settings are the hall's, as the engine holds them.
func (s *Server) settings() hallq.Settings {
	var set hallq.Settings
	s.Hall.View(func(e *queue.Engine, _ time.Time) { set = e.Settings() })
	return set
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
	if behind := s.clockBehind(now); behind != "" {
		// Not a failure — queues follow the order of issue — but a
		// clock to set right.
		body["clock"] = behind
	}
	if store := s.storeHealth(); store != "ok" {
		body["status"] = "store"
		status = http.StatusServiceUnavailable
		body["store"] = store
	} else {
		body["store"] = "ok"
	}
	if _, err := s.Store.SchemaVersion(r.Context()); err != nil {
		body["status"] = "database"
		body["database"] = "unreadable"
		status = http.StatusServiceUnavailable
		s.Logger.Error("healthz: database", api.LogErr, err)
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
	api.WriteJSON(w, status, body)
}

// clockBehind says how far the clock reads behind the last logged event,
// or "" when it does not.
func (s *Server) clockBehind(now time.Time) string {
	var last time.Time
	s.Hall.View(func(e *queue.Engine, _ time.Time) { last = e.LastEventAt() })
	if last.IsZero() || !now.Before(last.Add(-time.Second)) {
		return ""
	}
	return fmt.Sprintf("behind: the clock reads %s, %s before the last event (%s); queues keep their order of issue, but set the time (NTP or the RTC)",
		now.In(s.Hall.Location()).Format(time.RFC3339), last.Sub(now).Round(time.Second), last.In(s.Hall.Location()).Format(time.RFC3339))
}

// storeHealth is "ok", or why the database is not taking writes: a
// failed commit not yet followed by a good one, or a disk under the free
// space threshold.
func (s *Server) storeHealth() string {
	if since, err := s.Hall.StoreHealth(); err != nil {
		cause := sqlite.WriteFailure(err)
		if cause == "" {
			cause = err.Error()
		}
		return fmt.Sprintf("writes failing since %s: %s", since.In(s.Hall.Location()).Format(time.RFC3339), cause)
	}
	if s.MinFreeBytes > 0 {
		if free, err := s.Store.FreeBytes(); err == nil && free < s.MinFreeBytes {
			return fmt.Sprintf("low disk: %d MB free, under the %d MB threshold (-min-free-mb)", free>>20, s.MinFreeBytes>>20)
		}
	}
	return "ok"
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

// TrustProxies sets the reverse proxies whose X-Forwarded-Proto and
// X-Forwarded-For the server believes (api.Config.TrustedProxies).
func (s *Server) TrustProxies(ps []netip.Prefix) { s.api.TrustedProxies = ps }
