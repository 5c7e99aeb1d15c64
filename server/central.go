package server

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/central"
	"github.com/hallq/hallq/report"
	"github.com/hallq/hallq/server/queue"
)

// registerCentral adds GET /api/v1/central/status (admin): how far the
// hall's log has been shipped to the central store (see Shipper).
func (s *Server) registerCentral() {
	s.routes = append(s.routes, route{"GET /api/v1/central/status", Access{Roles: adminOnly}, s.centralStatus})
}

// CentralStatus is GET /api/v1/central/status.
type CentralStatus struct {
	// Configured: the hall ships to a central store (-central-dsn).
	Configured bool `json:"configured"`
	*central.Status
}

func (s *Server) centralStatus(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	out := CentralStatus{}
	if s.Shipper != nil {
		st := s.Shipper.Status(r.Context())
		out = CentralStatus{Configured: true, Status: &st}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// NewCentral builds a server in central mode (hallserver -central): the
// manager dashboard and the reports across the halls of the central
// store, for the staff of the store's own users table. It has no hall:
// no queue, no devices, no stream.
func NewCentral(db *central.DB, logger *slog.Logger) *Server {
	s := &Server{
		Logger:     logger,
		SessionTTL: 12 * time.Hour,
		mux:        http.NewServeMux(),
		logins:     newLoginLimiter(),
		closing:    make(chan struct{}),
		accts:      db,
		centralDB:  db,
	}
	s.reports = centralReports{s}
	s.metrics = newMetrics(s)
	s.routes = []route{
		{"POST /api/v1/login", Access{Public: true}, s.login},
		{"POST /api/v1/logout", Access{Roles: allStaff}, s.logout},
		{"GET /api/v1/me", Access{Roles: allStaff}, s.me},
		{"GET /api/v1/reports/summary", Access{Roles: managers}, s.reportSummary},
		{"GET /api/v1/reports/tickets", Access{Roles: managers}, s.reportTickets},
		{"GET /api/v1/central/halls", Access{Roles: managers}, s.centralHalls},
	}
	site := mustSite()
	s.protectCSRF()
	s.registerSignIn(site)
	s.staffPage(site, "manager", managers, s.managerData)
	for _, rt := range s.routes {
		s.mux.Handle(rt.pattern, s.wrap(rt))
	}
	s.mux.HandleFunc("/api/", s.apiNotFound)
	s.mux.HandleFunc("GET /healthz", s.centralHealthz)
	s.mux.Handle("GET /metrics", s.metrics.handler())
	return s
}

func (s *Server) centralHealthz(w http.ResponseWriter, r *http.Request) {
	body := map[string]any{"status": "ok", "mode": "central", "version": s.Version, "time": s.clock().In(s.location()).Format(time.RFC3339)}
	status := http.StatusOK
	if err := s.centralDB.Ping(r.Context()); err != nil {
		body["status"], body["database"] = "database", "unreachable"
		status = http.StatusServiceUnavailable
		s.Logger.Error("healthz: central database", logErr, err)
	}
	writeJSON(w, status, body)
}

// CentralHall is one hall in GET /api/v1/central/halls.
type CentralHall struct {
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

func (s *Server) centralHalls(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	halls, err := s.centralDB.Halls(r.Context())
	if err != nil {
		return err
	}
	out := struct {
		Halls []CentralHall `json:"halls"`
	}{Halls: []CentralHall{}}
	at := func(t time.Time, loc *time.Location) *time.Time {
		if t.IsZero() {
			return nil
		}
		return new(t.In(loc))
	}
	for _, h := range halls {
		out.Halls = append(out.Halls, CentralHall{ID: h.ID, Name: h.Name(), LastSeq: h.LastSeq,
			LastEventAt: at(h.LastAt, h.Loc), ShippedAt: at(h.Shipped, h.Loc), TimeZone: h.Loc.String()})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// centralSettings are the settings central pages show: the defaults,
// named for the city.
func (s *Server) centralSettings(ctx context.Context) hallq.Settings {
	set := hallq.DefaultSettings()
	set.Name = mustSite().T(set.Language, "central.name")
	return set
}

// centralReports are the reports across the halls of the central store.
type centralReports struct{ s *Server }

// scope selects the halls asked for (?hall=a&hall=b or ?hall=a,b; all when
// none). Labels come from the halls' profiles, the first hall's where they
// differ; the targets are the halls' when they agree, else the defaults.
func (c centralReports) scope(r *http.Request, rq *reportRequest) (reportScope, error) {
	all, err := c.s.centralDB.Halls(r.Context())
	if err != nil {
		return reportScope{}, err
	}
	var want []string
	for _, v := range r.URL.Query()["hall"] {
		for id := range strings.SplitSeq(v, ",") {
			if id = strings.TrimSpace(id); id != "" && !slices.Contains(want, id) {
				want = append(want, id)
			}
		}
	}
	rq.central = true
	if len(want) == 0 {
		rq.halls = all
	}
	for _, id := range want {
		i := slices.IndexFunc(all, func(h central.Hall) bool { return h.ID == id })
		if i < 0 {
			return reportScope{}, hallq.Errorf(hallq.EINVALID, "hall=%q: the central store has no such hall (GET /api/v1/central/halls lists them)", id)
		}
		rq.halls = append(rq.halls, all[i])
	}
	sc := reportScope{settings: hallq.DefaultSettings(), now: c.s.clock(), loc: defaultLocation()}
	for i, h := range rq.halls {
		for _, sv := range h.Profile.Services {
			if _, ok := rq.services[sv.Code]; !ok {
				rq.services[sv.Code] = sv
			}
		}
		set := h.Profile.Settings
		if i == 0 {
			sc.settings, sc.loc = set, h.Loc
			continue
		}
		if set.TargetSatisfiedPct != sc.settings.TargetSatisfiedPct || set.TargetOverWaitPct != sc.settings.TargetOverWaitPct ||
			set.SatisfiedMin != sc.settings.SatisfiedMin {
			def := hallq.DefaultSettings()
			sc.settings.TargetSatisfiedPct, sc.settings.TargetOverWaitPct, sc.settings.SatisfiedMin =
				def.TargetSatisfiedPct, def.TargetOverWaitPct, def.SatisfiedMin
		}
		if h.Loc.String() != sc.loc.String() {
			sc.loc = defaultLocation()
		}
	}
	if len(rq.halls) == 1 {
		for _, ct := range rq.halls[0].Profile.Counters {
			rq.counters[ct.ID] = ct.Name
		}
	}
	return sc, nil
}

func (c centralReports) summarize(ctx context.Context, rq *reportRequest, q report.Query) (*report.Result, error) {
	return c.s.centralDB.Summarize(ctx, rq.halls, q)
}

func (c centralReports) tickets(ctx context.Context, rq *reportRequest, fn func(*central.Hall, *report.Ticket, *time.Location) error) error {
	return c.s.centralDB.Tickets(ctx, rq.halls, rq.q.From, rq.q.To, func(h *central.Hall, t *report.Ticket) error { return fn(h, t, h.Loc) })
}

// ownKey is a group's key within its hall: across halls, a counter's or
// officer's key is qualified by its hall ("HALL/KEY"), and the group
// nobody took (counter 0, officer "") is that hall's, never flagged.
func (rq *reportRequest) ownKey(key string) string {
	if !rq.central || (rq.q.By != report.ByCounter && rq.q.By != report.ByOfficer) {
		return key
	}
	if _, k, ok := central.SplitKey(key); ok {
		return k
	}
	return key
}

// centralLabel names the groups that only central reports have: halls,
// and a hall's counters and officers ("HALL/KEY").
func (rq *reportRequest) centralLabel(key string) (string, bool) {
	hall := func(id string) *central.Hall {
		for i := range rq.halls {
			if rq.halls[i].ID == id {
				return &rq.halls[i]
			}
		}
		return nil
	}
	if rq.q.By == central.ByHall {
		if h := hall(key); h != nil {
			return h.Name(), true
		}
		return key, true
	}
	id, k, ok := central.SplitKey(key)
	h := hall(id)
	if !ok || h == nil || (rq.q.By != report.ByCounter && rq.q.By != report.ByOfficer) {
		return "", false
	}
	inner := rq.texts.T(rq.lang, "manager.never_called")
	if rq.q.By == report.ByOfficer && k != "" {
		inner = k
	}
	if n, _ := strconv.Atoi(k); rq.q.By == report.ByCounter && n != 0 {
		inner = rq.texts.T(rq.lang, "by.counter") + " " + k
		for _, ct := range h.Profile.Counters {
			if ct.ID == n {
				inner = ct.Name
			}
		}
	}
	return h.Name() + " · " + inner, true
}

// centralDashboard adds the choice of halls to the dashboard.
func (s *Server) centralDashboard(r *http.Request, d *dashboard) error {
	halls, err := s.centralDB.Halls(r.Context())
	if err != nil {
		return err
	}
	d.Central, d.Hall = true, r.URL.Query().Get("hall")
	d.Dims = append(slices.Clone(report.Dims), central.ByHall)
	for _, h := range halls {
		d.Halls = append(d.Halls, hallOption{ID: h.ID, Name: h.Name()})
	}
	return nil
}

// ShipTo sets the hall up to ship its log to the central store at dsn as
// hallID: it returns the shipper, whose Run the caller starts (before or
// after the hall's), and wakes it after every commit. Call it before the
// hall runs.
func (s *Server) ShipTo(hallID, dsn string) (*central.Shipper, error) {
	if err := central.HallID(hallID); err != nil {
		return nil, hallq.Errorf(hallq.EINVALID, "%v", err)
	}
	if !central.IsDSN(dsn) {
		return nil, hallq.Errorf(hallq.EINVALID, "the central store must be a postgres:// URL")
	}
	hl := s.Hall
	sh := &central.Shipper{Hall: hallID, DSN: dsn, Source: hl.Store, Logger: s.Logger, Now: hl.Now,
		Head: func() (seq int64) {
			hl.View(func(e *queue.Engine, _ time.Time) { seq = e.LastSeq() })
			return seq
		},
		Profile: func() (p central.Profile) {
			hl.View(func(e *queue.Engine, now time.Time) {
				p.Settings, p.Services = e.Settings(), e.Services()
				for _, c := range e.Hall(now).Counters {
					p.Counters = append(p.Counters, central.CounterName{ID: c.ID, Name: c.Name})
				}
			})
			return p
		},
	}
	prev := hl.OnCommit
	hl.OnCommit = func(evs []hallq.Event) {
		if prev != nil {
			prev(evs)
		}
		sh.Notify()
	}
	s.Shipper = sh
	return sh, nil
}
