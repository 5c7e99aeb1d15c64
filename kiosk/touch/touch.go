// Package touch serves the kiosk's touch-screen page on 127.0.0.1: the
// hall's services with their queues and estimated waits, in Vietnamese
// with an English toggle, for Chromium in kiosk mode on a Pi touchscreen.
// The page and its script are embedded; nothing is loaded from elsewhere.
// A touch asks the kiosk for a ticket exactly as a service button does;
// a citizen who booked a time types or scans the booking's code on the
// page's keypad and gets the booking's ticket.
package touch

import (
	"context"
	"embed"
	"encoding/json"
	"io/fs"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/internal/webcommon"
)

//go:embed static
var static embed.FS

// Outcome is what the page shows after a touch.
type Outcome struct {
	OK           bool   `json:"ok"`
	Label        string `json:"label,omitempty"`
	Service      string `json:"service,omitempty"` // the ticket's, or a refused check-in's booking's
	Ahead        int    `json:"ahead"`
	WaitS        int    `json:"estimated_wait_s"`
	Reason       string `json:"reason,omitempty"`        // the kiosk's: paper_out, printer, unreachable, print_failed, refused, busy, bad_code
	ServerReason string `json:"server_reason,omitempty"` // the server's: daily_cap, outside_hours, too_early, too_late, cancelled, unknown_code…
	// Message is the server's own sentence with a refusal (a too-early
	// check-in's says when to come back).
	Message string `json:"message,omitempty"`
	// Booking is the code checked in and Slot its time (HH:MM), for a
	// ticket given for a booking.
	Booking string `json:"booking,omitempty"`
	Slot    string `json:"slot,omitempty"`
}

// Status is the kiosk's state as the page shows it.
type Status struct {
	PaperOut   bool `json:"paper_out"`
	Fault      bool `json:"fault"`
	ServerDown bool `json:"server_down"`
	// EnrolCode is shown instead of the services while the kiosk waits for
	// the admin to approve it; EnrolRejected while it was rejected.
	EnrolCode     string `json:"enrol_code,omitempty"`
	EnrolRejected bool   `json:"enrol_rejected,omitempty"`
}

// Options wire the page to the kiosk.
type Options struct {
	// Hall returns the hall view, at most a few seconds old.
	Hall func(ctx context.Context) (*hallq.HallView, error)
	// Take asks for a ticket; priority is "" or a priority kind.
	Take func(ctx context.Context, service, priority string) Outcome
	// CheckIn checks a booking in by its code, as typed on the page's
	// keypad (or by a QR scanner in keyboard mode); nil hides the button.
	CheckIn func(ctx context.Context, code string) Outcome
	// Status reports the lamps.
	Status func() Status
	// Priority offers a priority choice, taking tickets of PriorityKind.
	Priority     bool
	PriorityKind string
}

// hallJSON is GET /hall.json.
type hallJSON struct {
	Name     string              `json:"name"`
	Services []hallq.ServiceView `json:"services"`
	Priority bool                `json:"priority"`
	Booking  bool                `json:"booking"` // the page offers check-in with a booking code
	// CodeKeys are the characters of a booking code (the keypad's keys)
	// and CodeLen its length.
	CodeKeys string `json:"code_keys,omitempty"`
	CodeLen  int    `json:"code_len,omitempty"`
	Status   Status `json:"status"`
	Stale    bool   `json:"stale"` // the server did not answer: figures are old
}

// Handler serves the page. It answers only requests addressed to this
// machine (a DNS-rebinding page cannot reach it), and takes tickets only
// from the page's own script (a custom header that cross-site forms cannot
// send).
func Handler(o Options) http.Handler {
	mux := http.NewServeMux()
	sub, _ := fs.Sub(static, "static")
	files := http.FileServer(http.FS(sub))
	mux.Handle("GET /", files)
	mux.Handle("GET /favicon.svg", webcommon.FaviconHandler())
	mux.HandleFunc("GET /hall.json", func(w http.ResponseWriter, r *http.Request) {
		h, err := o.Hall(r.Context())
		out := hallJSON{Priority: o.Priority, Booking: o.CheckIn != nil, Stale: err != nil, Services: []hallq.ServiceView{}}
		if out.Booking {
			out.CodeKeys, out.CodeLen = hallq.BookingCodeAlphabet, hallq.BookingCodeLen
		}
		if o.Status != nil {
			out.Status = o.Status()
		}
		if h != nil {
			out.Name, out.Services = h.Hall.Name, h.Services
		}
		writeJSON(w, out)
	})
	mux.HandleFunc("POST /ticket", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Hallq-Kiosk") != "1" {
			http.Error(w, "tickets are taken from the kiosk's page", http.StatusForbidden)
			return
		}
		var req struct {
			Service  string `json:"service"`
			Priority bool   `json:"priority"`
		}
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil || req.Service == "" {
			http.Error(w, "want {\"service\":\"A\",\"priority\":false}", http.StatusBadRequest)
			return
		}
		prio := ""
		if req.Priority && o.Priority {
			prio = o.PriorityKind
		}
		writeJSON(w, o.Take(r.Context(), req.Service, prio))
	})
	mux.HandleFunc("POST /checkin", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Hallq-Kiosk") != "1" {
			http.Error(w, "bookings are checked in from the kiosk's page", http.StatusForbidden)
			return
		}
		if o.CheckIn == nil {
			http.Error(w, "this kiosk does not check bookings in", http.StatusNotFound)
			return
		}
		var req struct {
			Code string `json:"code"`
		}
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil || req.Code == "" {
			http.Error(w, "want {\"code\":\"K7M2QX\"}", http.StatusBadRequest)
			return
		}
		writeJSON(w, o.CheckIn(r.Context(), req.Code))
	})
	return localOnly(mux)
}

func localOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		switch strings.Trim(host, "[]") {
		case "127.0.0.1", "localhost", "::1":
		default:
			http.Error(w, "this page serves only the kiosk's own screen", http.StatusForbidden)
			return
		}
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:")
		w.Header().Set("X-Frame-Options", "DENY")
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// Serve serves h on ln until ctx ends, then shuts down within 2 s.
func Serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		return err
	}
	return nil
}
