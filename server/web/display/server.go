package display

import (
	"cmp"
	"context"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/internal/webcommon"
	"github.com/hallq/hallq/server/announce"
	"github.com/hallq/hallq/server/api"
	"github.com/hallq/hallq/server/hall"
	"github.com/hallq/hallq/server/queue"
)

// Server serves a running hall's display pages, the citizen's phone page
// and the announcements.
type Server struct {
	Hall      *hall.Runtime
	API       *api.Mux
	Logger    *slog.Logger
	announcer *announce.Announcer
}

// NewServer registers the pages of hall hl on m. The announcements are an
// API route (Announcement) that the caller puts in its route table.
func NewServer(hl *hall.Runtime, m *api.Mux, logger *slog.Logger) *Server {
	s := &Server{Hall: hl, API: m, Logger: logger}
	pages, err := New(s.names)
	if err != nil {
		// The templates are embedded: this is a build defect, found by any test.
		panic(err)
	}
	s.announcer = announce.New(filepath.Join(os.TempDir(), "hallq-announce"))
	m.Handle("GET /display/hall", s.displayToken(http.HandlerFunc(pages.HallPage)))
	m.Handle("GET /display/counter/{n}", s.displayToken(http.HandlerFunc(pages.CounterPage)))
	m.HandleFunc("POST /display/session", s.keepToken)
	m.HandleFunc("DELETE /display/session", s.forgetToken)
	m.HandleFunc("GET /t/{id}", pages.TicketPage)
	m.HandleFunc("GET /book", pages.BookPage)
	m.HandleFunc("GET /book/{code}", pages.BookingPage)
	m.HandleFunc("GET /book/qr/{code}", pages.BookingQR)
	m.Handle(pages.StaticPattern(), pages.StaticHandler())
	// Browsers ask for /favicon.ico on any page that names no icon (a
	// JSON answer, an error): answer with the icon rather than a 404.
	m.Handle("GET /favicon.ico", webcommon.FaviconHandler())
	return s
}

// names is what the pages are rendered with.
func (s *Server) names() HallNames {
	var h HallNames
	s.Hall.View(func(e *queue.Engine, now time.Time) {
		st := e.Settings()
		h.Name, h.Language, h.Zone = st.Name, st.Language, st.TimeZone
		if loc, err := st.Location(); err == nil {
			h.Now = now.In(loc)
		}
		h.RetentionDays = st.BookingRetentionDays
		for _, sv := range e.Hall(s.Hall.Now()).Services {
			ps := Service{Code: sv.Code, NameVI: sv.NameVI, NameEN: sv.NameEN}
			if sv.Bookable() {
				b := sv.Booking
				ps.Bookable, ps.DaysAhead, ps.CheckInBeforeMin, ps.CheckInAfterMin = true, b.DaysAhead, b.CheckInBeforeMin, b.CheckInAfterMin
			}
			h.Services = append(h.Services, ps)
		}
	})
	return h
}

// displayToken lets a TV that cannot send an Authorization header use a
// display device token: /display/hall?token=TOKEN stores it in the session
// cookie (which the API accepts for devices too) and redirects to the same
// page without it, so the token does not stay in the address bar. Needed
// only where the hall's public_display is off.
func (s *Server) displayToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		tok := q.Get("token")
		if tok == "" {
			next.ServeHTTP(w, r)
			return
		}
		if err := s.setDisplayCookie(w, r, tok); err != nil {
			http.Error(w, "display: "+hallq.ErrorMessage(err), http.StatusUnauthorized)
			return
		}
		q.Del("token")
		u := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
		http.Redirect(w, r, u.String(), http.StatusSeeOther)
	})
}

// setDisplayCookie puts display token tok in the session cookie, which
// the API, the stream and the announcements accept for devices too (a
// browser sends no Authorization header on a websocket or an <audio>). A
// token that is unknown, revoked or not a display's is refused.
func (s *Server) setDisplayCookie(w http.ResponseWriter, r *http.Request, tok string) error {
	d, err := s.API.Accounts.DeviceByToken(r.Context(), api.HashToken(tok))
	if err != nil || d.Kind != hallq.DeviceDisplay {
		return hallq.Errorf(hallq.EUNAUTHORIZED, "the token is unknown, revoked or not a display's")
	}
	http.SetCookie(w, &http.Cookie{
		Name: api.SessionCookie, Value: tok, Path: "/", MaxAge: 10 * 365 * 24 * 3600,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.API.Secure(r),
	})
	return nil
}

// sessionRequest is the body of POST /display/session.
type sessionRequest struct {
	Token string `json:"token"`
}

// keepToken serves POST /display/session {"token": "…"}: a display page
// that enrolled itself (or kept its token in the browser's storage) hands
// its display token over to be kept in the session cookie. 204, or 401
// for a token that is not a live display's.
func (s *Server) keepToken(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	var req sessionRequest
	var err error
	// Only a script of the page's own origin may send JSON here: a form on
	// another site (text/plain, no preflight) could otherwise swap a staff
	// member's session cookie for some display's token.
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		err = hallq.Errorf(hallq.EINVALID, "send the token as JSON (Content-Type: application/json)")
	} else {
		err = api.Decode(r, &req)
	}
	if err == nil && req.Token == "" {
		err = hallq.Errorf(hallq.EINVALID, "token: want the display token the enrolment gave")
	}
	if err == nil {
		err = s.setDisplayCookie(w, r, req.Token)
	}
	if err != nil {
		s.API.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// forgetToken serves DELETE /display/session: a display page whose token
// was revoked drops the cookie that holds it (the page cannot: the cookie
// is HttpOnly), so it reads the hall as anyone may, or enrols again.
func (s *Server) forgetToken(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: api.SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.API.Secure(r)})
	w.WriteHeader(http.StatusNoContent)
}

// announceConfig reads the hall's announcement settings.
func announceConfig(st hallq.Settings) announce.Config {
	return announce.Config{
		Engine:   cmp.Or(st.AnnounceEngine, hallq.AnnounceEspeak),
		Voice:    cmp.Or(st.AnnounceVoice, "vi"),
		VoiceEN:  "en",
		Clips:    st.AnnounceClips,
		Phrase:   cmp.Or(st.AnnouncePhrase, hallq.DefaultAnnouncePhrase),
		PhraseEN: cmp.Or(st.AnnouncePhraseEN, hallq.DefaultAnnouncePhraseEN),
		English:  st.AnnounceEnglish,
		Digits:   st.AnnounceDigits,
	}
}

// announcementWait bounds making one announcement (espeak-ng takes well
// under a second; clips are read from disk).
const announcementWait = 15 * time.Second

// Announcement serves GET /api/v1/announcements/{seq}.wav: the audio of
// the call (or recall) logged as event seq — a chime, then the call in
// Vietnamese, then in English if the hall says so.
func (s *Server) Announcement(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	seq, err := strconv.ParseInt(strings.TrimSuffix(r.PathValue("id"), ".wav"), 10, 64)
	if err != nil || seq <= 0 {
		return hallq.Errorf(hallq.EINVALID, "announcement %q: want a call event's seq, e.g. /api/v1/announcements/42.wav", r.PathValue("id"))
	}
	ev, err := s.callEvent(r.Context(), seq)
	if err != nil {
		return err
	}
	var st hallq.Settings
	s.Hall.View(func(e *queue.Engine, _ time.Time) { st = e.Settings() })
	cfg := announceConfig(st)
	if cfg.Engine == hallq.AnnounceOff {
		return &hallq.Error{Code: hallq.EUNAVAILABLE, Reason: "announcements_off", Message: "announcements are off in this hall's settings"}
	}
	ctx, cancel := context.WithTimeout(r.Context(), announcementWait)
	defer cancel()
	wav, err := s.announcer.WAV(ctx, cfg, announce.Call{Label: ev.Ticket.Label, Counter: ev.Counter})
	if err != nil {
		s.Logger.Error("announcement", api.LogErr, err, "seq", seq)
		return &hallq.Error{Code: hallq.EUNAVAILABLE, Reason: "announcement_failed", Message: "the announcement could not be made; the server's log says why"}
	}
	w.Header().Set("Content-Type", "audio/wav")
	w.Header().Set("Cache-Control", "private, max-age=3600")
	w.Header().Set("Content-Length", strconv.Itoa(len(wav)))
	w.Write(wav)
	return nil
}

// callEvent finds call or recall event seq: among the hall's recent calls,
// else in the log.
func (s *Server) callEvent(ctx context.Context, seq int64) (hallq.Event, error) {
	var ev hallq.Event
	found := false
	s.Hall.View(func(e *queue.Engine, now time.Time) {
		for _, rc := range e.Hall(now).Recent {
			if rc.Seq == seq {
				ev, found = rc, true
				return
			}
		}
	})
	if !found {
		evs, err := s.Hall.Store.Events(ctx, seq-1, 1)
		if err != nil {
			return ev, err
		}
		if len(evs) == 1 && evs[0].Seq == seq {
			ev, found = evs[0], true
		}
	}
	if !found || ev.Ticket == nil || (ev.Type != hallq.EventTicketCalled && ev.Type != hallq.EventTicketRecalled) {
		return ev, hallq.Errorf(hallq.ENOTFOUND, "event %d is not a call", seq)
	}
	return ev, nil
}
