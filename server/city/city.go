// Package city is the city server (hallserver -central): the manager
// dashboard and the reports across the halls of the central store, for
// the staff of the store's own users table. It has no hall: no queue, no
// devices, no stream.
package city

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/central"
	"github.com/hallq/hallq/report"
	"github.com/hallq/hallq/server/api"
	"github.com/hallq/hallq/server/reports"
	"github.com/hallq/hallq/server/web/staff"
)

// Server serves the central store.
type Server struct {
	DB     *central.DB
	Logger *slog.Logger
	// Version names the release, for /healthz.
	Version string
	// Now is the server's clock (nil: time.Now).
	Now func() time.Time

	api *api.Mux
}

// New builds the city server over the central store db.
func New(db *central.DB, logger *slog.Logger) *Server {
	s := &Server{DB: db, Logger: logger}
	s.api = api.New(api.Config{Logger: logger, Accounts: db, Now: s.clock, Location: defaultLocation})
	rs := &reports.Server{Source: source{s}, Logger: logger, Now: s.clock, Location: defaultLocation}
	s.api.Route(
		api.Route{Pattern: "POST /api/v1/login", Access: api.Access{Public: true}, Handle: s.api.Login},
		api.Route{Pattern: "POST /api/v1/logout", Access: api.Access{Roles: api.AllStaff}, Handle: s.api.Logout},
		api.Route{Pattern: "GET /api/v1/me", Access: api.Access{Roles: api.AllStaff}, Handle: s.api.Me},
		api.Route{Pattern: "GET /api/v1/reports/summary", Access: api.Access{Roles: api.Managers}, Handle: rs.Summary},
		api.Route{Pattern: "GET /api/v1/reports/tickets", Access: api.Access{Roles: api.Managers}, Handle: rs.Tickets},
		api.Route{Pattern: "GET /api/v1/reports/monthly", Access: api.Access{Roles: api.Managers}, Handle: rs.Monthly},
		api.Route{Pattern: "GET /api/v1/central/halls", Access: api.Access{Roles: api.Managers}, Handle: s.halls},
	)
	pages := &staff.Pages{Site: staff.Embedded(), API: s.api, Settings: settings, Central: true, Alerts: s.alerts}
	pages.SignIn()
	rs.Pages(pages)
	s.api.HandleFunc("GET /healthz", s.healthz)
	return s
}

// alerts are what admins and managers see on every page until it is
// resolved: every hall that reported the store holds another history of
// it, with the command that resolves it.
func (s *Server) alerts(ctx context.Context, lang string) []string {
	halls, err := s.DB.Halls(ctx)
	if err != nil {
		s.Logger.Warn("alerts: central halls", api.LogErr, err)
	}
	var out []string
	for _, h := range halls {
		if d := h.Diverged; d != nil {
			resolve := fmt.Sprintf("hallserver central new-epoch -db postgres://OWNER@HOST/DB -hall-id %s -after %d", h.ID, d.After)
			out = append(out, fmt.Sprintf(staff.Embedded().T(lang, "manager.diverged"), h.Name(), d.After, d.At.In(h.Loc).Format("02/01/2006 15:04"), resolve))
		}
	}
	return out
}

// Handler is the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.api.Handler() }

// Routes lists the API routes with who may call them, as registered.
func (s *Server) Routes() []api.RouteInfo { return s.api.Routes() }

// Close does nothing: the city server holds no long-lived connections.
func (s *Server) Close() {}

// clock is the server's time.
func (s *Server) clock() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// defaultLocation is the default hall's zone (Asia/Ho_Chi_Minh), which
// dates sessions and the dashboard's default range.
func defaultLocation() *time.Location {
	set := hallq.DefaultSettings()
	loc, err := set.Location()
	if err != nil {
		return time.UTC
	}
	return loc
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	body := map[string]any{"status": "ok", "mode": "central", "version": s.Version, "time": s.clock().In(defaultLocation()).Format(time.RFC3339)}
	status := http.StatusOK
	if err := s.DB.Ping(r.Context()); err != nil {
		body["status"], body["database"] = "database", "unreachable"
		status = http.StatusServiceUnavailable
		s.Logger.Error("healthz: central database", api.LogErr, err)
	}
	api.WriteJSON(w, status, body)
}

// ShippedHall is one hall in GET /api/v1/central/halls: how far its log
// has arrived.
type ShippedHall struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// LastSeq is the last event of the hall's log the store holds, and
	// LastEventAt when it happened at the hall.
	LastSeq     int64      `json:"last_seq"`
	LastEventAt *time.Time `json:"last_event_at"`
	// ShippedAt is when its last batch arrived.
	ShippedAt *time.Time `json:"shipped_at"`
	TimeZone  string     `json:"time_zone"`
}

func (s *Server) halls(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	halls, err := s.DB.Halls(r.Context())
	if err != nil {
		return err
	}
	out := struct {
		Halls []ShippedHall `json:"halls"`
	}{Halls: []ShippedHall{}}
	at := func(t time.Time, loc *time.Location) *time.Time {
		if t.IsZero() {
			return nil
		}
		return new(t.In(loc))
	}
	for _, h := range halls {
		out.Halls = append(out.Halls, ShippedHall{ID: h.ID, Name: h.Name(), LastSeq: h.LastSeq,
			LastEventAt: at(h.LastAt, h.Loc), ShippedAt: at(h.Shipped, h.Loc), TimeZone: h.Loc.String()})
	}
	api.WriteJSON(w, http.StatusOK, out)
	return nil
}

// settings are the settings the city's pages show: the defaults, named
// for the city.
func settings() hallq.Settings {
	set := hallq.DefaultSettings()
	set.Name = staff.Embedded().T(set.Language, "central.name")
	return set
}

// source is the reports across the halls of the central store.
type source struct{ s *Server }

// Scope selects the halls asked for (?hall=a&hall=b or ?hall=a,b; all when
// none). Labels come from the halls' profiles, the first hall's where they
// differ; the targets are the halls' when they agree, else the defaults.
func (c source) Scope(r *http.Request) (*reports.Scope, error) {
	all, err := c.s.DB.Halls(r.Context())
	if err != nil {
		return nil, err
	}
	var want []string
	for _, v := range r.URL.Query()["hall"] {
		for id := range strings.SplitSeq(v, ",") {
			if id = strings.TrimSpace(id); id != "" && !slices.Contains(want, id) {
				want = append(want, id)
			}
		}
	}
	sc := &reports.Scope{Settings: hallq.DefaultSettings(), Now: c.s.clock(), Loc: defaultLocation(),
		Services: map[string]hallq.Service{}, Counters: map[int]string{}, Central: true, All: all}
	if len(want) == 0 {
		sc.Halls = all
	}
	for _, id := range want {
		i := slices.IndexFunc(all, func(h central.HallRecord) bool { return h.ID == id })
		if i < 0 {
			return nil, hallq.Errorf(hallq.EINVALID, "hall=%q: the central store has no such hall (GET /api/v1/central/halls lists them)", id)
		}
		sc.Halls = append(sc.Halls, all[i])
	}
	for i, h := range sc.Halls {
		for _, sv := range h.Profile.Services {
			if _, ok := sc.Services[sv.Code]; !ok {
				sc.Services[sv.Code] = sv
			}
		}
		set := h.Profile.Settings
		if i == 0 {
			sc.Settings, sc.Loc = set, h.Loc
			continue
		}
		if set.TargetSatisfiedPct != sc.Settings.TargetSatisfiedPct || set.TargetOverWaitPct != sc.Settings.TargetOverWaitPct ||
			set.SatisfiedMin != sc.Settings.SatisfiedMin {
			def := hallq.DefaultSettings()
			sc.Settings.TargetSatisfiedPct, sc.Settings.TargetOverWaitPct, sc.Settings.SatisfiedMin =
				def.TargetSatisfiedPct, def.TargetOverWaitPct, def.SatisfiedMin
		}
		if h.Loc.String() != sc.Loc.String() {
			sc.Loc = defaultLocation()
		}
	}
	if len(sc.Halls) == 1 {
		for _, ct := range sc.Halls[0].Profile.Counters {
			sc.Counters[ct.ID] = ct.Name
		}
	}
	return sc, nil
}

func (c source) Summarize(ctx context.Context, sc *reports.Scope, q report.Query) (*report.Result, error) {
	return c.s.DB.Summarize(ctx, sc.Halls, q)
}

func (c source) Bookings(ctx context.Context, sc *reports.Scope, q report.Query) (*report.BookingResult, error) {
	return c.s.DB.CountBookings(ctx, sc.Halls, q)
}

func (c source) Tickets(ctx context.Context, sc *reports.Scope, from, to string, fn func(*central.HallRecord, *report.Ticket, *time.Location) error) error {
	return c.s.DB.Tickets(ctx, sc.Halls, from, to, func(h *central.HallRecord, t *report.Ticket) error { return fn(h, t, h.Loc) })
}

// TrustProxies sets the reverse proxies whose X-Forwarded-Proto and
// X-Forwarded-For the server believes (api.Config.TrustedProxies).
func (s *Server) TrustProxies(ps []netip.Prefix) { s.api.TrustedProxies = ps }
