// Package display serves the hall's display pages — the hall screen, the
// counter screens and the citizen's phone page — from files embedded in the
// binary: templates are parsed when Pages is built (so a broken template
// stops the server at start-up, not in the hall), and scripts and styles are
// served at checksummed URLs with long caching. Nothing is fetched from
// outside at run time. Server puts the pages of a running hall on the hall
// server, with the announcements' audio (package server/announce).
package display

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/skip2/go-qrcode"

	"github.com/hallq/hallq/internal/webasset"
	"github.com/hallq/hallq/internal/webcommon"
)

//go:embed templates/*.html static/*
var files embed.FS

// StaticPrefix is where the pages' scripts and styles are served.
const StaticPrefix = "/display/static/"

// Service names a service for the pages, with its booking rules for the
// booking page.
type Service struct {
	Code   string `json:"code"`
	NameVI string `json:"name"`
	NameEN string `json:"name_en"`
	// Bookable: the booking page offers it, up to DaysAhead days ahead;
	// a booking is checked in from CheckInBeforeMin before its slot to
	// CheckInAfterMin after the slot's start.
	Bookable         bool `json:"bookable"`
	DaysAhead        int  `json:"days_ahead"`
	CheckInBeforeMin int  `json:"checkin_before_min"`
	CheckInAfterMin  int  `json:"checkin_after_min"`
}

// HallNames are what the pages need to know of the hall when they are
// served: its name, default language and services' names; everything live
// comes over the stream.
type HallNames struct {
	Name     string
	Language string // the hall's default: "vi" or "en"
	Services []Service
	// Now is the hall's clock, in its zone (Zone, an IANA name): the
	// booking page's days start at its date.
	Now  time.Time
	Zone string
	// RetentionDays is how long after its slot a booking keeps the
	// citizen's name and phone (the booking page says so).
	RetentionDays int
}

// Pages renders the display pages.
type Pages struct {
	// Hall reports the hall's name, default language and services.
	Hall func() HallNames

	tmpl   map[string]*template.Template
	assets *webasset.Assets
}

// New parses the embedded templates and fingerprints the static files.
func New(hall func() HallNames) (*Pages, error) {
	assets, err := webasset.Load(files, "static", StaticPrefix)
	if err == nil {
		err = assets.Add(webcommon.Files, webcommon.Dir)
	}
	if err != nil {
		return nil, fmt.Errorf("display: %w", err)
	}
	p := &Pages{Hall: hall, tmpl: map[string]*template.Template{}, assets: assets}
	funcs := template.FuncMap{"asset": assets.URL}
	for _, name := range []string{"hall", "counter", "ticket", "book", "booking"} {
		t, err := template.New(name+".html").Funcs(funcs).ParseFS(files, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("display: template %s: %w", name, err)
		}
		// Render once with sample data so an error in the template shows now.
		if err := t.ExecuteTemplate(&bytes.Buffer{}, "layout", p.data(name, "vi", nil)); err != nil {
			return nil, fmt.Errorf("display: template %s: %w", name, err)
		}
		p.tmpl[name] = t
	}
	return p, nil
}

// pageData is what every template gets.
type pageData struct {
	Page   string
	Lang   string
	Title  string
	T      map[string]string
	Config template.JS // JSON read by the page's script
}

func (p *Pages) data(page, lang string, cfg map[string]any) pageData {
	h := HallNames{Name: "hallq", Language: "vi"}
	if p.Hall != nil {
		h = p.Hall()
	}
	if cfg == nil {
		cfg = map[string]any{}
	}
	cfg["lang"] = lang
	cfg["hall"] = h.Name
	cfg["services"] = h.Services
	cfg["text"] = Text(lang)
	cfg["stream"] = "/api/v1/stream"
	cfg["audio"] = "/api/v1/announcements/"
	if page == "book" || page == "booking" {
		if h.Now.IsZero() {
			h.Now = time.Now()
		}
		cfg["now"] = h.Now.Format(time.RFC3339)
		cfg["today"] = h.Now.Format(time.DateOnly)
		cfg["zone"] = h.Zone
		cfg["retention_days"] = h.RetentionDays
	}
	js, _ := json.Marshal(cfg)
	return pageData{Page: page, Lang: lang, Title: h.Name, T: Text(lang), Config: template.JS(js)}
}

// lang picks ?lang=vi|en, else the hall's default.
func (p *Pages) lang(r *http.Request) string {
	switch l := r.URL.Query().Get("lang"); l {
	case "vi", "en":
		return l
	}
	if p.Hall != nil && p.Hall().Language == "en" {
		return "en"
	}
	return "vi"
}

func (p *Pages) render(w http.ResponseWriter, page string, d pageData) {
	var buf bytes.Buffer
	if err := p.tmpl[page].ExecuteTemplate(&buf, "layout", d); err != nil {
		http.Error(w, "display: "+err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	// Everything the pages use comes from this server.
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; media-src 'self'; connect-src 'self'; img-src 'self' data:")
	h.Set("X-Content-Type-Options", "nosniff")
	w.Write(buf.Bytes())
}

// HallPage serves GET /display/hall: the last calls, waiting per service,
// the clock and the notice. ?n= sets how many calls are listed (default 6);
// ?audio=0 silences the announcements.
func (p *Pages) HallPage(w http.ResponseWriter, r *http.Request) {
	n := 6
	if v, err := strconv.Atoi(r.URL.Query().Get("n")); err == nil && v >= 1 && v <= 10 {
		n = v
	}
	lang := p.lang(r)
	p.render(w, "hall", p.data("hall", lang, map[string]any{
		"rows": n, "sound": r.URL.Query().Get("audio") != "0",
	}))
}

// CounterPage serves GET /display/counter/{n}: that counter's current
// number, very large, and its state. ?audio=1 plays the counter's calls.
func (p *Pages) CounterPage(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n <= 0 {
		http.Error(w, "counter: want its hall number, e.g. /display/counter/3", http.StatusBadRequest)
		return
	}
	p.render(w, "counter", p.data("counter", p.lang(r), map[string]any{
		"counter": n, "sound": r.URL.Query().Get("audio") == "1",
	}))
}

// TicketPage serves GET /t/{id}?k=SECRET: the citizen's live view of a
// ticket. The page reads the ticket through the API with the same secret.
func (p *Pages) TicketPage(w http.ResponseWriter, r *http.Request) {
	id, k := r.PathValue("id"), r.URL.Query().Get("k")
	if id == "" || k == "" {
		http.Error(w, "this link needs the ticket's secret (?k=…): scan the QR code on the ticket again", http.StatusBadRequest)
		return
	}
	p.render(w, "ticket", p.data("ticket", p.lang(r), map[string]any{
		"ticket": "/api/v1/tickets/" + url.PathEscape(id) + "?k=" + url.QueryEscape(k),
	}))
}

// BookPage serves GET /book: the citizen books a time for a procedure.
func (p *Pages) BookPage(w http.ResponseWriter, r *http.Request) {
	p.render(w, "book", p.data("book", p.lang(r), nil))
}

// BookingPage serves GET /book/{code}?k=SECRET: the citizen's page of one
// booking (the link given when booking), which reads the booking through
// the API with the same secret and cancels it with it.
func (p *Pages) BookingPage(w http.ResponseWriter, r *http.Request) {
	code, k := r.PathValue("code"), r.URL.Query().Get("k")
	if code == "" || k == "" {
		http.Error(w, "this link needs the booking's secret (?k=…): open the link you were given when booking", http.StatusBadRequest)
		return
	}
	api := "/api/v1/bookings/" + url.PathEscape(code)
	p.render(w, "booking", p.data("booking", p.lang(r), map[string]any{
		"booking": api + "?k=" + url.QueryEscape(k),
		"cancel":  api + "/cancel",
		"secret":  k,
		"qr":      "/book/qr/" + url.PathEscape(code),
		// The cancel link (…&cancel=1) opens the page asking to cancel.
		"ask_cancel": r.URL.Query().Get("cancel") == "1",
	}))
}

// maxQR bounds what BookingQR encodes: a booking code is a few letters.
const maxQR = 32

// BookingQR serves GET /book/qr/{code}: a PNG of the QR code holding code,
// for the kiosk's scanner to read from the citizen's phone. It encodes the
// code only (letters and digits): a scanner in keyboard mode types it into
// the kiosk's keypad as it is.
func (p *Pages) BookingQR(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	if code == "" || len(code) > maxQR || strings.IndexFunc(code, func(c rune) bool {
		return !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9')
	}) >= 0 {
		http.Error(w, "want a booking code of capital letters and digits, e.g. /book/qr/K7M2QX", http.StatusBadRequest)
		return
	}
	png, err := qrcode.Encode(code, qrcode.Medium, 256)
	if err != nil {
		http.Error(w, "display: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.Write(png)
}

// StaticPattern is the ServeMux pattern of the pages' static files.
func (p *Pages) StaticPattern() string { return p.assets.Pattern() }

// StaticHandler serves the static files at checksummed URLs, cached for good.
func (p *Pages) StaticHandler() http.Handler { return p.assets }
