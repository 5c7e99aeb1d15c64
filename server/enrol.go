package server

import (
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"math"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/server/api"
	"github.com/hallq/hallq/server/queue"
	"github.com/hallq/hallq/server/sqlite"
)

// Zero-touch enrolment: a kiosk, pad or display that knows only the hall
// server's address asks for a token (POST /api/v1/enrol) and shows a short
// code; an admin who sees the same code in the list approves it; the device,
// polling with the secret it was given, then receives its token once.
const (
	// enrolIdle is how long a pending request lasts without its device
	// polling: a device that waits for the admin polls every few seconds
	// and keeps its place; requests nobody waits for (a flood, a device
	// switched off) are gone in minutes. A device whose request expired
	// asks again with the same code.
	enrolIdle = 10 * time.Minute
	// enrolAnswerTTL is how long a decided request keeps its answer for a
	// device that is off when the admin decides.
	enrolAnswerTTL = 24 * time.Hour
	// enrolBurst requests from one address may come at once; after that one
	// more every enrolEvery.
	enrolBurst = 5
	enrolEvery = 12 * time.Second
	// enrolPollAfter is the poll interval suggested to devices.
	enrolPollAfter = 5 * time.Second
)

// enrolLimits bounds the requests waiting at once: in all, and from one
// address — a kiosk asks for itself and each pad wired to it, and a Pi has
// pins for at most six or so pads.
var enrolLimits = sqlite.EnrolLimits{Pending: 100, PerAddress: 8}

var (
	// A device name becomes the device's name in logs, the admin page and
	// "hallserver device revoke": keep it shell- and URL-safe.
	enrolNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	enrolCodeRE = regexp.MustCompile(`^[A-Z0-9-]{4,12}$`)
)

// enroller serves the enrolment routes.
type enroller struct {
	s     *Server
	limit *rateLimiter
}

func newEnroller(s *Server) *enroller {
	return &enroller{s: s, limit: newRateLimiter(enrolBurst, enrolEvery)}
}

func (en *enroller) ask(w http.ResponseWriter, r *http.Request, _ hallq.Principal) error {
	s := en.s
	now := s.Hall.Now()
	ip := s.api.ClientIP(r)
	if ok, wait := en.limit.allow(ip, now); !ok {
		secs := max(1, int(math.Ceil(wait.Seconds())))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		api.WriteJSON(w, http.StatusTooManyRequests, hallq.NewErrorBody(&hallq.Error{Code: hallq.EUNAVAILABLE, Reason: "rate_limited",
			Message: fmt.Sprintf("too many enrolment requests from %s; try again in %d s", ip, secs)}))
		return nil
	}
	var req hallq.EnrolRequest
	if err := api.Decode(r, &req); err != nil {
		return err
	}
	kind := hallq.DeviceKind(req.Kind)
	switch {
	case !enrolNameRE.MatchString(req.Name):
		return hallq.Errorf(hallq.EINVALID, "name %q: want 1–64 letters, digits, '.', '_' or '-', starting with a letter or digit", req.Name)
	case !hallq.ValidDeviceKind(kind) || kind == hallq.DevicePortal:
		return hallq.Errorf(hallq.EINVALID, "kind %q: want kiosk, display or pad", req.Kind)
	case !enrolCodeRE.MatchString(req.Code):
		return hallq.Errorf(hallq.EINVALID, "code %q: want 4–12 capital letters, digits or '-'", req.Code)
	}
	secret := api.NewToken()
	e := hallq.Enrolment{ID: newEnrolID(), Name: req.Name, Kind: kind, Code: req.Code, State: hallq.EnrolPending,
		Remote: ip, CreatedAt: now, ExpiresAt: now.Add(enrolIdle)}
	if err := s.Store.AddEnrolment(r.Context(), e, api.HashToken(secret), enrolLimits); err != nil {
		return err
	}
	s.Logger.Info("enrolment requested", "id", e.ID, "name", e.Name, "kind", e.Kind, "code", e.Code, "remote", ip)
	exp := e.ExpiresAt.In(s.Hall.Location())
	api.WriteJSON(w, http.StatusAccepted, hallq.EnrolAnswer{
		ID: e.ID, State: e.State, Secret: secret, ExpiresAt: &exp,
		Poll:        "/api/v1/enrol/" + e.ID + "?secret=" + url.QueryEscape(secret),
		RetryAfterS: int(enrolPollAfter / time.Second),
	})
	return nil
}

func (en *enroller) poll(w http.ResponseWriter, r *http.Request, _ hallq.Principal) error {
	s := en.s
	secret := r.URL.Query().Get("secret")
	if secret == "" {
		return hallq.Errorf(hallq.EUNAUTHORIZED, "send the secret the enrolment request returned: ?secret=…")
	}
	token := api.NewToken()
	now := s.Hall.Now()
	e, err := s.Store.CollectEnrolment(r.Context(), sqlite.EnrolPoll{ID: r.PathValue("id"), SecretHash: api.HashToken(secret),
		TokenHash: api.HashToken(token), Remote: api.ClientIP(r), Now: now, KeepUntil: now.Add(enrolIdle)}, s.Hall.Location())
	if err != nil {
		return err
	}
	switch e.State {
	case hallq.EnrolPending:
		w.Header().Set("Retry-After", strconv.Itoa(int(enrolPollAfter/time.Second)))
		api.WriteJSON(w, http.StatusAccepted, hallq.EnrolAnswer{ID: e.ID, State: e.State, RetryAfterS: int(enrolPollAfter / time.Second)})
		return nil
	case hallq.EnrolRejected:
		s.Logger.Info("enrolment refused", "id", e.ID, "name", e.Name)
		return &hallq.Error{Code: hallq.EFORBIDDEN, Reason: "rejected",
			Message: fmt.Sprintf("an admin rejected the enrolment of %s", e.Name)}
	}
	s.Logger.Info("enrolment collected: device added", "id", e.ID, "name", e.Name, "kind", e.Kind, "counter", e.Counter)
	d := &hallq.Device{Name: e.Name, Kind: e.Kind, Counter: e.Counter, CreatedAt: s.Hall.Now().Truncate(time.Millisecond)}
	api.DeviceInZone(d, s.Hall.Location())
	api.WriteJSON(w, http.StatusOK, hallq.EnrolAnswer{ID: e.ID, State: e.State, Token: token, Device: d})
	return nil
}

func (en *enroller) list(w http.ResponseWriter, r *http.Request, _ hallq.Principal) error {
	es, err := en.s.Store.Enrolments(r.Context(), en.s.Hall.Now(), en.s.Hall.Location())
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, hallq.EnrolmentList{Enrolments: es})
	return nil
}

func (en *enroller) approve(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	s := en.s
	var req hallq.ApproveRequest
	if err := api.DecodeOptional(r, &req); err != nil {
		return err
	}
	now := s.Hall.Now()
	e, err := s.Store.Enrolment(r.Context(), r.PathValue("id"), now, s.Hall.Location())
	if err != nil {
		return err
	}
	if e.Kind == hallq.DevicePad {
		if req.Counter <= 0 {
			return hallq.Errorf(hallq.EINVALID, "%s is a pad: approve it with {\"counter\": N}, the counter it sits at", e.Name)
		}
		var cerr error
		s.Hall.View(func(eng *queue.Engine, _ time.Time) { _, cerr = eng.Counter(req.Counter) })
		if cerr != nil {
			return cerr
		}
	} else if req.Counter != 0 {
		return hallq.Errorf(hallq.EINVALID, "counter is only for pads; %s is a %s", e.Name, e.Kind)
	}
	e, err = s.Store.DecideEnrolment(r.Context(), e.ID, hallq.EnrolApproved, req.Counter, p.Actor(), now, now.Add(enrolAnswerTTL), s.Hall.Location())
	if err != nil {
		return err
	}
	s.Logger.Info("enrolment approved", "id", e.ID, "name", e.Name, "kind", e.Kind, "counter", e.Counter, api.LogActor, p.Actor())
	api.WriteJSON(w, http.StatusOK, e)
	return nil
}

func (en *enroller) reject(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	s := en.s
	now := s.Hall.Now()
	e, err := s.Store.DecideEnrolment(r.Context(), r.PathValue("id"), hallq.EnrolRejected, 0, p.Actor(), now, now.Add(enrolAnswerTTL), s.Hall.Location())
	if err != nil {
		return err
	}
	s.Logger.Info("enrolment rejected", "id", e.ID, "name", e.Name, api.LogActor, p.Actor())
	api.WriteJSON(w, http.StatusOK, e)
	return nil
}

// rejectPendingRequest is the body of POST /api/v1/enrolments/reject-pending.
type rejectPendingRequest struct {
	// Remote, if set, rejects only the requests from that address.
	Remote string `json:"remote"`
}

// rejectPending rejects every pending request at once (only those from
// one address, if the body names it): the admin's way out of a flood. The
// real devices among them ask again later.
func (en *enroller) rejectPending(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	s := en.s
	var req rejectPendingRequest
	if err := api.DecodeOptional(r, &req); err != nil {
		return err
	}
	if req.Remote != "" {
		ip, err := netip.ParseAddr(req.Remote)
		if err != nil {
			return hallq.Errorf(hallq.EINVALID, "remote %q: want an IP address as the list shows it, such as 192.168.1.31", req.Remote)
		}
		req.Remote = ip.String()
	}
	now := s.Hall.Now()
	n, err := s.Store.RejectPending(r.Context(), req.Remote, p.Actor(), now, now.Add(enrolAnswerTTL))
	if err != nil {
		return err
	}
	s.Logger.Info("enrolments rejected at once", "count", n, "remote", req.Remote, api.LogActor, p.Actor())
	api.WriteJSON(w, http.StatusOK, map[string]int{"rejected": n})
	return nil
}

// newEnrolID is a short random id, safe in a URL path.
func newEnrolID() string {
	var b [10]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:])
}

// rateLimiter is a token bucket per client address: burst requests at
// once, then one more every every.
type rateLimiter struct {
	burst int
	every time.Duration

	mu      sync.Mutex
	buckets map[string]bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// limiterMaxKeys bounds the addresses remembered; full buckets are
// forgotten first, as they hold nothing a new bucket would not.
const limiterMaxKeys = 4096

func newRateLimiter(burst int, every time.Duration) *rateLimiter {
	return &rateLimiter{burst: burst, every: every, buckets: map[string]bucket{}}
}

// allow takes a token from key's bucket; when there is none it says how
// long until there will be.
func (l *rateLimiter) allow(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= limiterMaxKeys {
			l.prune(now)
		}
		b = bucket{tokens: float64(l.burst), at: now}
	}
	if el := now.Sub(b.at); el > 0 {
		b.tokens = min(float64(l.burst), b.tokens+float64(el)/float64(l.every))
	}
	b.at = now
	if b.tokens < 1 {
		l.buckets[key] = b
		return false, time.Duration((1 - b.tokens) * float64(l.every))
	}
	b.tokens--
	l.buckets[key] = b
	return true, 0
}

// prune forgets buckets that have refilled; if none has, the stalest.
func (l *rateLimiter) prune(now time.Time) {
	full := time.Duration(l.burst) * l.every
	var oldest string
	for k, b := range l.buckets {
		if now.Sub(b.at) >= full {
			delete(l.buckets, k)
		} else if oldest == "" || b.at.Before(l.buckets[oldest].at) {
			oldest = k
		}
	}
	if len(l.buckets) >= limiterMaxKeys {
		delete(l.buckets, oldest)
	}
}
