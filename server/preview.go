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
