// Package staff provides the staff web pages of the hall server — sign-in,
// the officer console, the manager dashboard and hall administration — as
// templates and static assets embedded in the binary, parsed at start-up
// (a broken template fails the start, not a request), the assets served at
// checksummed URLs with long caching, and the text of each language in one
// JSON file per language (lang/vi.json, lang/en.json). Pages puts them on
// a server: every page on the hall server, sign-in and the dashboard on the
// city server.
package staff

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/internal/webasset"
	"github.com/hallq/hallq/internal/webcommon"
)

//go:embed templates/*.html static/* lang/*.json
var files embed.FS

// Languages are the languages the pages speak; the first is the default.
var Languages = []string{"vi", "en"}

// LangCookie remembers a chosen language.
const LangCookie = "hallq_lang"

// Site holds the parsed templates, the assets and the texts.
type Site struct {
	pages  map[string]*template.Template
	assets *webasset.Assets
	texts  map[string]map[string]string
	jsText map[string]template.JS
}

// New parses every template and loads every asset and text; any problem
// is an error naming the file.
func New() (*Site, error) {
	s := &Site{pages: map[string]*template.Template{},
		texts: map[string]map[string]string{}, jsText: map[string]template.JS{}}
	for _, lang := range Languages {
		raw, err := files.ReadFile("lang/" + lang + ".json")
		if err != nil {
			return nil, fmt.Errorf("staff: %w", err)
		}
		m, err := DecodeTexts(raw)
		if err != nil {
			return nil, fmt.Errorf("staff: lang/%s.json: %w", lang, err)
		}
		s.texts[lang] = m
		s.jsText[lang] = template.JS(raw)
	}
	for k := range s.texts["vi"] {
		for _, lang := range Languages {
			if _, ok := s.texts[lang][k]; !ok {
				return nil, fmt.Errorf("staff: lang/%s.json lacks %q", lang, k)
			}
		}
	}
	assets, err := webasset.Load(files, "static", "/staff/static/")
	if err == nil {
		err = assets.Add(webcommon.Files, webcommon.Dir)
	}
	if err != nil {
		return nil, fmt.Errorf("staff: %w", err)
	}
	s.assets = assets
	funcs := template.FuncMap{"asset": s.AssetURL, "minutes": Minutes, "signedMinutes": SignedMinutes, "pct": Pct, "day": DayText}
	names, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		base := strings.TrimSuffix(path.Base(name), ".html")
		if base == "layout" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(files, "templates/layout.html", name)
		if err != nil {
			return nil, fmt.Errorf("staff: %s: %w", name, err)
		}
		s.pages[base] = t
	}
	return s, nil
}

// DecodeTexts reads a language file: one JSON object of text keys and
// their strings. It reads token by token, not into a map, because a map
// keeps only the last of a key written twice: an edit that changes the
// first copy would silently change nothing. A key written twice, a value
// that is not a string or anything after the object is an error.
func DecodeTexts(raw []byte) (map[string]string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil {
		return nil, err
	} else if t != json.Delim('{') {
		return nil, fmt.Errorf("want one object of key: text, found %v", t)
	}
	m := map[string]string{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		k, _ := t.(string)
		v, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", k, err)
		}
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("key %q (offset %d): want a string, found %v", k, dec.InputOffset(), v)
		}
		if _, dup := m[k]; dup {
			return nil, fmt.Errorf("key %q is written twice (the second ends at offset %d): keep one", k, dec.InputOffset())
		}
		m[k] = s
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("anything after the object: want the end of the file")
	}
	return m, nil
}

// AssetURL is the checksummed URL of a static file; it panics for an
// unknown name, which the start-up parse of the templates reveals.
func (s *Site) AssetURL(name string) (string, error) { return s.assets.URL(name) }

// ServeAsset serves GET /staff/static/{hash}/{name}: cached for a year,
// since a change of content changes the URL.
func (s *Site) ServeAsset(w http.ResponseWriter, r *http.Request) { s.assets.ServeHTTP(w, r) }

// T is the text of key in lang; a missing key shows as itself.
func (s *Site) T(lang, key string) string {
	if v, ok := s.texts[lang][key]; ok {
		return v
	}
	if v, ok := s.texts[Languages[0]][key]; ok {
		return v
	}
	return key
}

// Lang is the language of a request: ?lang=, else the cookie, else def
// (the hall's language), else Vietnamese.
func Lang(r *http.Request, def string) string {
	for _, v := range []string{r.URL.Query().Get("lang"), cookie(r, LangCookie), def} {
		for _, l := range Languages {
			if v == l {
				return l
			}
		}
	}
	return Languages[0]
}

func cookie(r *http.Request, name string) string {
	if c, err := r.Cookie(name); err == nil {
		return c.Value
	}
	return ""
}

// Page is what every page template gets.
type Page struct {
	Lang   string
	User   *hallq.User
	Hall   string // the hall's name
	Active string // the nav entry of the page
	// Central: the page is served by the central store (reports across
	// halls), which has no officer console and no hall administration.
	Central bool
	// Alerts are problems of the hall that someone must act on, shown at
	// the top of every page to admins and managers until they are gone
	// (shipping to the central store stopped by another history).
	Alerts []string
	Data   any
	site   *Site
	path   string
}

// T is the page language's text of key.
func (p *Page) T(key string) string { return p.site.T(p.Lang, key) }

// Texts is the page language's whole text table, for the page's script.
func (p *Page) Texts() template.JS { return p.site.jsText[p.Lang] }

// OtherLang is the language the toggle switches to.
func (p *Page) OtherLang() string {
	if p.Lang == "vi" {
		return "en"
	}
	return "vi"
}

// Is reports whether the signed-in user has role r (admins have every
// manager right).
func (p *Page) Is(role string) bool {
	r := hallq.Role(role)
	if p.User == nil {
		return false
	}
	return p.User.Role == r || (p.User.Role == hallq.RoleAdmin && r == hallq.RoleManager)
}

// Render writes page name with data. A ?lang= choice is remembered in a
// cookie.
func (s *Site) Render(w http.ResponseWriter, r *http.Request, status int, name string, p Page) error {
	t, ok := s.pages[name]
	if !ok {
		return fmt.Errorf("staff: no page %q", name)
	}
	p.site, p.path = s, r.URL.Path
	if l := r.URL.Query().Get("lang"); l != "" && l == p.Lang {
		http.SetCookie(w, &http.Cookie{Name: LangCookie, Value: l, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode,
			Expires: time.Now().Add(365 * 24 * time.Hour)})
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, &p); err != nil {
		// Nothing of the page has been written: say so, rather than
		// answer 200 with an empty page that looks like a blank screen.
		http.Error(w, s.T(p.Lang, "error.render"), http.StatusInternalServerError)
		return fmt.Errorf("staff: page %s: %w", name, err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// DayText writes a day "2026-11-27" as the hall does: "27/11/2026"
// (anything else as it is).
func DayText(iso string) string {
	d, err := time.Parse(time.DateOnly, iso)
	if err != nil {
		return iso
	}
	return d.Format("02/01/2006")
}

// Minutes shows seconds as minutes with one decimal, "–" for none.
func Minutes(sec *float64) string {
	if sec == nil {
		return "–"
	}
	return strconv.FormatFloat(*sec/60, 'f', 1, 64)
}

// SignedMinutes is Minutes with the sign always shown ("+2.5", "-1.0"),
// for a difference such as the estimate's bias.
func SignedMinutes(sec *float64) string {
	m := Minutes(sec)
	if sec != nil && *sec >= 0 {
		return "+" + m
	}
	return m
}

// Pct shows a share in percent with one decimal, "–" for none.
func Pct(v *float64) string {
	if v == nil {
		return "–"
	}
	return strconv.FormatFloat(*v, 'f', 1, 64)
}
