// Package api is the HTTP front that the hall server (package server) and
// the city server (package server/city) share: a route table in which
// every API route carries its access rule, authentication of staff
// sessions and device tokens, sign-in with a lockout, refusal of
// cross-origin browser writes, request metrics, and errors answered as
// JSON with the HTTP status of their code.
package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/server/connlimit"
)

// maxBody bounds every request body; the API's bodies are small.
const maxBody = 64 << 10

// Log attribute keys.
const (
	LogErr   = "err"
	LogRoute = "route"
	LogActor = "actor"
)

// The role and device sets the route tables use.
var (
	StaffWrite = []hallq.Role{hallq.RoleOfficer, hallq.RoleAdmin}
	AllStaff   = []hallq.Role{hallq.RoleOfficer, hallq.RoleManager, hallq.RoleAdmin}
	Managers   = []hallq.Role{hallq.RoleManager} // admins included
	AdminOnly  = []hallq.Role{hallq.RoleAdmin}
	AnyDevice  = []hallq.DeviceKind{hallq.DeviceKiosk, hallq.DevicePad, hallq.DeviceDisplay}
)

// Accounts is where staff sign in and devices are known: the hall's
// SQLite store, or the central store's users.
type Accounts interface {
	// SessionUser is the user of an unexpired session; ENOTFOUND otherwise.
	SessionUser(ctx context.Context, tokenHash string, now time.Time) (hallq.User, error)
	// DeviceByToken is the live device holding a token; ENOTFOUND otherwise.
	DeviceByToken(ctx context.Context, tokenHash string) (hallq.Device, error)
	// UserHash is a user and its password hash; ENOTFOUND if there is none.
	UserHash(ctx context.Context, username string) (hallq.User, string, error)
	PutSession(ctx context.Context, tokenHash, username string, expires time.Time) error
	DeleteSession(ctx context.Context, tokenHash string) error
}

// Config is what a Mux needs of its server.
type Config struct {
	Logger   *slog.Logger
	Accounts Accounts
	// Now is the server's clock: sessions expire and sign-ins lock out
	// by it.
	Now func() time.Time
	// Location is the server's zone, in which sessions expire.
	Location func() *time.Location
	// TrustedProxies are the reverse proxies (addresses or networks) whose
	// X-Forwarded-Proto and X-Forwarded-For headers are believed: a
	// request through one of them with X-Forwarded-Proto: https came over
	// HTTPS, and its cookies are Secure. Nobody else's are.
	TrustedProxies []netip.Prefix
	// PublicDisplay says whether routes marked Access.PublicDisplay are
	// open to anyone now (the hall's public_display setting); nil: never.
	PublicDisplay func() bool
}

// Mux is a server's HTTP handler: the API routes, each behind its access
// rule, and the pages. Browser writes from another origin are refused
// before they reach any route (cross-site request forgery); programs that
// send no Origin or Sec-Fetch-Site header, such as devices with bearer
// tokens, pass. The session cookie is also SameSite=Strict, but a page of
// another origin on the same site (another port of the server's host)
// would still get it sent.
type Mux struct {
	Config
	// SessionTTL is how long a staff session lasts.
	SessionTTL time.Duration
	// Metrics are the server's Prometheus metrics, served on /metrics.
	Metrics *Metrics

	mux    *http.ServeMux
	routes []Route
	logins *loginLimiter
	csrf   *http.CrossOriginProtection
	// passwordCheck replaces bcrypt's comparison in tests.
	passwordCheck func(hash, pw []byte) error
}

// New builds a Mux that answers API paths no route takes with a JSON
// error and serves /metrics.
func New(c Config) *Mux {
	m := &Mux{Config: c, SessionTTL: 12 * time.Hour, Metrics: NewMetrics(), mux: http.NewServeMux(), logins: newLoginLimiter()}
	m.csrf = http.NewCrossOriginProtection()
	m.csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.Logger.Warn("cross-origin request refused", LogRoute, r.Method+" "+r.URL.Path, "origin", r.Header.Get("Origin"), "remote", r.RemoteAddr)
		m.WriteError(w, r, hallq.Errorf(hallq.EFORBIDDEN, "cross-origin request refused: use the hall server's own pages"))
	}))
	m.mux.HandleFunc("/api/", m.notFound)
	m.mux.Handle("GET /metrics", m.Metrics.Handler())
	return m
}

// Handler is the server's HTTP handler.
func (m *Mux) Handler() http.Handler { return m.csrf.Handler(m.mux) }

// Route adds API routes: each is authenticated, authorised by its rule,
// timed and logged, and listed by Routes (which the access tests sweep).
func (m *Mux) Route(routes ...Route) {
	for _, rt := range routes {
		m.mux.Handle(rt.Pattern, m.wrap(rt))
		m.routes = append(m.routes, rt)
	}
}

// Handle adds a handler outside the API: a page, an asset, a probe.
func (m *Mux) Handle(pattern string, h http.Handler) { m.mux.Handle(pattern, h) }

// HandleFunc adds a handler function outside the API.
func (m *Mux) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	m.mux.HandleFunc(pattern, h)
}

// Routes lists the API routes with who may call them, as registered.
func (m *Mux) Routes() []RouteInfo {
	out := make([]RouteInfo, len(m.routes))
	for i, rt := range m.routes {
		out[i] = RouteInfo{Pattern: rt.Pattern, Access: rt.Access}
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

// Allows reports whether the rule lets p in by role or device kind.
func (a Access) Allows(p hallq.Principal) bool {
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

// Route is one API route: its method and path pattern, who may call it,
// and its handler. A handler that returns an error answers nothing
// itself: the error is answered as JSON with its code's status.
type Route struct {
	Pattern string
	Access  Access
	Handle  func(w http.ResponseWriter, r *http.Request, p hallq.Principal) error
}

// wrap authenticates, authorises, times and logs a route.
func (m *Mux) wrap(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		sw := &statusWriter{ResponseWriter: w}
		p, err := m.authorize(r, rt.Access)
		if err == nil {
			err = rt.Handle(sw, r, p)
		}
		if err != nil {
			m.WriteError(sw, r, err)
		}
		// A websocket stays open for a session: its duration is no latency.
		if r.Header.Get("Upgrade") == "" {
			m.Metrics.observeRequest(rt.Pattern, sw.status, time.Since(start))
		}
	})
}

// notFound answers API paths no route takes, in JSON like every API
// error: 405 with Allow when the path exists for other methods, else 404.
func (m *Mux) notFound(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, method := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
		probe := r.Clone(r.Context())
		probe.Method = method
		if _, pattern := m.mux.Handler(probe); pattern != "" && pattern != "/api/" {
			allow = append(allow, method)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		WriteJSON(w, http.StatusMethodNotAllowed, hallq.NewErrorBody(hallq.Errorf(hallq.EINVALID,
			"%s is not allowed on %s; use %s", r.Method, r.URL.Path, strings.Join(allow, " or "))))
		return
	}
	m.WriteError(w, r, hallq.Errorf(hallq.ENOTFOUND, "no API route %s %s (see docs/API.md)", r.Method, r.URL.Path))
}

// authorize resolves the caller and checks the route's access rule.
func (m *Mux) authorize(r *http.Request, a Access) (hallq.Principal, error) {
	p, err := m.Principal(r)
	if err != nil {
		return p, err
	}
	if p.User != nil || p.Device != nil {
		// A device or staff member: its connection keeps its place when
		// the server is short of connections.
		connlimit.Trust(r.Context())
	}
	if a.Public {
		return p, nil
	}
	if a.PublicDisplay && p.User == nil && p.Device == nil && m.PublicDisplay != nil && m.PublicDisplay() {
		return p, nil
	}
	if p.User == nil && p.Device == nil {
		return p, hallq.Errorf(hallq.EUNAUTHORIZED, "sign in or send a device token (Authorization: Bearer …)")
	}
	if !a.Allows(p) {
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

// writeRefused reports whether err is SQLite refusing a write for want of
// a writable disk: read-only, full, I/O error, busy, locked, cannot open,
// no permission (its primary result codes).
func writeRefused(err error) bool {
	var coded interface{ Code() int }
	if !errors.As(err, &coded) {
		return false
	}
	switch coded.Code() & 0xff {
	case 3, 5, 6, 8, 10, 13, 14:
		return true
	}
	return false
}

// WriteError answers err as JSON with the status of its code; an internal
// error is logged, and only its code is shown.
func (m *Mux) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		err = hallq.Errorf(hallq.EINVALID, "request body is larger than %d bytes", mbe.Limit)
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		err = hallq.Errorf(hallq.EUNAVAILABLE, "the hall server is busy or shutting down; try again")
	}
	code := hallq.ErrorCode(err)
	if code == hallq.EINTERNAL && writeRefused(err) {
		// The database refused a write (disk full, read-only, failing):
		// a 503 the caller can act on, not a 500.
		m.Logger.Error("database write failed", LogRoute, r.Pattern, LogErr, err)
		err, code = hallq.StoreFailed(), hallq.EUNAVAILABLE
	}
	if code == hallq.EINTERNAL {
		m.Logger.Error("request failed", LogRoute, r.Pattern, LogErr, err)
	}
	WriteJSON(w, hallq.HTTPStatus(code), hallq.NewErrorBody(err))
}
