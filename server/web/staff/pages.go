package staff

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/server/api"
)

// Pages serves the staff pages on a server's Mux: the assets, sign-in,
// the root that sends each user to their page, and a page per role.
// Every browser write is guarded against cross-site request forgery by
// the Mux.
type Pages struct {
	Site *Site
	API  *api.Mux
	// Settings name the hall (or the city) in the pages and give their
	// default language.
	Settings func() hallq.Settings
	// Central: the pages of the city server, which serves reports across
	// halls and has no officer console and no hall administration.
	Central bool
	// Alerts, if set, are the problems admins and managers see at the
	// top of every page until they are resolved, in lang.
	Alerts func(ctx context.Context, lang string) []string
}

// embedded parses the embedded pages once per process: they are part of
// the binary and never change.
var embedded = sync.OnceValues(New)

// Embedded is the parsed site of the pages embedded in the binary; a
// broken embedded template fails the server's start, not a request.
func Embedded() *Site {
	site, err := embedded()
	if err != nil {
		panic(err)
	}
	return site
}

// SignIn adds the pages every server has: the assets, sign-in, and the
// root that sends each user to their page.
func (ps *Pages) SignIn() {
	ps.API.HandleFunc("GET /staff/static/{hash}/{name}", ps.Site.ServeAsset)
	ps.API.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		p := ps.page(r, "")
		next := r.URL.Query().Get("next")
		if p.User != nil && next == "" {
			http.Redirect(w, r, ps.homeOf(p.User), http.StatusSeeOther)
			return
		}
		p.Data = struct {
			Next    string
			Expired bool
		}{next, r.URL.Query().Has("expired")}
		ps.render(w, r, http.StatusOK, "login", p)
	})
	ps.API.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		p := ps.page(r, "")
		if p.User == nil {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		http.Redirect(w, r, ps.homeOf(p.User), http.StatusSeeOther)
	})
}

// homeOf is where a user lands after signing in; on the city server
// there are only the reports.
func (ps *Pages) homeOf(u *hallq.User) string {
	if ps.Central {
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

// Page registers GET /name for the roles given: anonymous (or expired)
// visitors are sent to sign in, other roles see a 403 page. data, if set,
// fills the page's Data; its EINVALID error is a 400 naming the problem.
func (ps *Pages) Page(name string, roles []hallq.Role, data func(r *http.Request, p *Page) error) {
	ps.PageAt("/"+name, name, roles, data)
}

// PageAt is Page for the template name served at route ("/manager/monthly"),
// under the nav entry of the route's first segment.
func (ps *Pages) PageAt(route, name string, roles []hallq.Role, data func(r *http.Request, p *Page) error) {
	active, _, _ := strings.Cut(strings.TrimPrefix(route, "/"), "/")
	ps.API.HandleFunc("GET "+route, func(w http.ResponseWriter, r *http.Request) {
		p := ps.page(r, active)
		if p.User == nil {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		if !(api.Access{Roles: roles}).Allows(hallq.Principal{User: p.User}) {
			ps.render(w, r, http.StatusForbidden, "forbidden", p)
			return
		}
		if data != nil {
			if err := data(r, &p); err != nil {
				if hallq.ErrorCode(err) == hallq.EINVALID {
					http.Error(w, hallq.ErrorMessage(err), http.StatusBadRequest)
					return
				}
				ps.API.Logger.Error("page", api.LogRoute, name, api.LogErr, err)
				http.Error(w, "internal error", http.StatusInternalServerError)
				return
			}
		}
		ps.render(w, r, http.StatusOK, name, p)
	})
}

// page starts a page for the request's signed-in user, if any.
func (ps *Pages) page(r *http.Request, active string) Page {
	set := ps.Settings()
	p := Page{Lang: Lang(r, set.Language), Hall: set.Name, Active: active, Central: ps.Central}
	if pr, err := ps.API.Principal(r); err == nil && pr.User != nil {
		p.User = pr.User
		if ps.Alerts != nil && (p.User.Role == hallq.RoleAdmin || p.User.Role == hallq.RoleManager) {
			p.Alerts = ps.Alerts(r.Context(), p.Lang)
		}
	}
	return p
}

func (ps *Pages) render(w http.ResponseWriter, r *http.Request, status int, name string, p Page) {
	if err := ps.Site.Render(w, r, status, name, p); err != nil {
		ps.API.Logger.Error("render", api.LogRoute, name, api.LogErr, err)
	}
}
