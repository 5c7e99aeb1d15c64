package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/server/queue"
	"github.com/hallq/hallq/server/web/staff"
)

// registerStaff adds the officer console, the manager dashboard, reports and
// hall administration (issue 6). API routes go into s.routes, so that the
// access sweep covers them; pages are registered on s.mux.
//
// Every browser write is guarded against cross-site request forgery by
// http.CrossOriginProtection around the whole handler (see Handler): the
// session cookie is also SameSite=Strict, but a page of another origin on
// the same site (another port of the hall server's host) would still get
// it sent.
func (s *Server) registerStaff() {
	site := mustSite()
	s.protectCSRF()
	s.routes = append(s.routes, s.staffRoutes()...)
	s.registerSignIn(site)
	s.staffPage(site, "officer", []hallq.Role{hallq.RoleOfficer, hallq.RoleAdmin}, nil)
	s.staffPage(site, "manager", managers, s.managerData)
	s.staffPage(site, "admin", adminOnly, nil)
}

// registerSignIn adds the pages every mode has: the assets, sign-in, and
// the root that sends each user to their page.
func (s *Server) registerSignIn(site *staff.Site) {
	s.mux.HandleFunc("GET /staff/static/{hash}/{name}", site.ServeAsset)
	s.mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		p := s.page(r, site, "")
		next := r.URL.Query().Get("next")
		if p.User != nil && next == "" {
			http.Redirect(w, r, s.homeOf(p.User), http.StatusSeeOther)
			return
		}
		p.Data = struct {
			Next    string
			Expired bool
		}{next, r.URL.Query().Has("expired")}
		s.render(w, r, site, http.StatusOK, "login", p)
	})
	s.mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		p := s.page(r, site, "")
		if p.User == nil {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		http.Redirect(w, r, s.homeOf(p.User), http.StatusSeeOther)
	})
}

// protectCSRF refuses cross-origin browser writes (see registerStaff).
func (s *Server) protectCSRF() {
	s.csrf = http.NewCrossOriginProtection()
	s.csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.Logger.Warn("cross-origin request refused", logRoute, r.Method+" "+r.URL.Path, "origin", r.Header.Get("Origin"), "remote", r.RemoteAddr)
		s.writeError(w, r, hallq.Errorf(hallq.EFORBIDDEN, "cross-origin request refused: use the hall server's own pages"))
	}))
}

// staffSite parses the embedded pages once per process: they are part of
// the binary and never change.
var staffSite = sync.OnceValues(staff.New)

// mustSite is the parsed staff site; a broken embedded template fails the
// server's start, not a request.
func mustSite() *staff.Site {
	site, err := staffSite()
	if err != nil {
		panic(err)
	}
	return site
}

// homeOf is where a user lands after signing in; in central mode there
// are only the reports.
func (s *Server) homeOf(u *hallq.User) string {
	if s.Hall == nil {
		return "/manager"
	}
	switch u.Role {
	case hallq.RoleManager:
		return "/manager"
	case hallq.RoleAdmin:
		return "/admin"
	}
	return "/officer"
}

// staffPage registers GET /name for the roles given: anonymous (or
// expired) visitors are sent to sign in, other roles see a 403 page.
func (s *Server) staffPage(site *staff.Site, name string, roles []hallq.Role, data func(r *http.Request, p *staff.Page) error) {
	s.mux.HandleFunc("GET /"+name, func(w http.ResponseWriter, r *http.Request) {
		p := s.page(r, site, name)
		if p.User == nil {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		if !(Access{Roles: roles}).allows(hallq.Principal{User: p.User}) {
			s.render(w, r, site, http.StatusForbidden, "forbidden", p)
			return
		}
		if data != nil {
			if err := data(r, &p); err != nil {
				if hallq.ErrorCode(err) == hallq.EINVALID {
					http.Error(w, hallq.ErrorMessage(err), http.StatusBadRequest)
					return
				}
				s.Logger.Error("page", logRoute, name, logErr, err)
				http.Error(w, "internal error", http.StatusInternalServerError)
				return
			}
		}
		s.render(w, r, site, http.StatusOK, name, p)
	})
}

// page starts a page for the request's signed-in user, if any.
func (s *Server) page(r *http.Request, site *staff.Site, active string) staff.Page {
	var set hallq.Settings
	if s.Hall == nil {
		set = s.centralSettings(r.Context())
	} else {
		s.Hall.View(func(e *queue.Engine, _ time.Time) { set = e.Settings() })
	}
	p := staff.Page{Lang: staff.Lang(r, set.Language), Hall: set.Name, Active: active, Central: s.Hall == nil}
	if pr, err := s.principal(r); err == nil && pr.User != nil {
		p.User = pr.User
		if p.User.Role == hallq.RoleAdmin || p.User.Role == hallq.RoleManager {
			p.Alerts = s.alerts(r.Context(), site, p.Lang)
		}
	}
	return p
}

// alerts are the problems admins and managers see on every page until
// they are resolved: on a hall, its shipping stopped by another history;
// on the city server, every hall that reported so.
func (s *Server) alerts(ctx context.Context, site *staff.Site, lang string) []string {
	var out []string
	if s.Shipper != nil {
		if d := s.Shipper.Status(ctx).Diverged; d != nil {
			out = append(out, fmt.Sprintf(site.T(lang, "alert.central_diverged"), d.After, d.Resolve))
		}
	}
	if s.centralDB != nil {
		halls, err := s.centralDB.Halls(ctx)
		if err != nil {
			s.Logger.Warn("alerts: central halls", logErr, err)
		}
		for _, h := range halls {
			if d := h.Diverged; d != nil {
				resolve := fmt.Sprintf("hallserver central new-epoch -db postgres://OWNER@HOST/DB -hall-id %s -after %d", h.ID, d.After)
				out = append(out, fmt.Sprintf(site.T(lang, "manager.diverged"), h.Name(), d.After, d.At.In(h.Loc).Format("02/01/2006 15:04"), resolve))
			}
		}
	}
	return out
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, site *staff.Site, status int, name string, p staff.Page) {
	if err := site.Render(w, r, status, name, p); err != nil {
		s.Logger.Error("render", logRoute, name, logErr, err)
	}
}

// staffRoutes are the API routes the staff pages use beyond the core API.
func (s *Server) staffRoutes() []route {
	return []route{
		{"GET /api/v1/noshows", Access{Roles: allStaff}, s.listNoShows},
		{"GET /api/v1/reports/summary", Access{Roles: managers}, s.reportSummary},
		{"GET /api/v1/reports/tickets", Access{Roles: managers}, s.reportTickets},
		{"GET /api/v1/reports/live", Access{Roles: managers}, s.reportLive},

		{"PUT /api/v1/services/{code}", Access{Roles: adminOnly}, s.putService},
		{"PUT /api/v1/counters/{id}", Access{Roles: adminOnly}, s.putCounter},
		{"GET /api/v1/settings", Access{Roles: adminOnly}, s.getSettings},
		{"PUT /api/v1/settings", Access{Roles: adminOnly}, s.putSettings},
		{"GET /api/v1/users", Access{Roles: adminOnly}, s.listUsers},
		{"PUT /api/v1/users/{name}", Access{Roles: adminOnly}, s.putUser},
		{"POST /api/v1/devices", Access{Roles: adminOnly}, s.createDevice},
		{"POST /api/v1/devices/{name}/revoke", Access{Roles: adminOnly}, s.revokeDevice},
		{"GET /api/v1/ticket-preview", Access{Roles: adminOnly}, s.ticketPreview},
	}
}
