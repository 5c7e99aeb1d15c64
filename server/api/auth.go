package api

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/hallq/hallq"
)

// SessionCookie is the name of the staff session cookie.
const SessionCookie = "hallq_session"

// PasswordCost is the bcrypt work factor of new password hashes. Tests
// lower it (servertest does); a hall never should.
var PasswordCost = defaultPasswordCost

const defaultPasswordCost = 11

// noSuchUserDefault is a bcrypt hash of cost defaultPasswordCost, made
// once when this was written, of a password no account has. A hall's
// first sign-in for an unknown username thus costs one bcrypt check like
// any other sign-in, not a hash and a check: on a busy machine the two
// took longer than the server's write timeout and the answer was lost.
const noSuchUserDefault = "$2a$11$/fnPOW3RwQbUXI4LMUB2zOGvSckRNxqG1izIfMX6RtEuQeS5jyM/u"

// noSuchUserLowered is the same for a lowered PasswordCost (tests), made
// on first use: at bcrypt's lower costs that takes no time.
var noSuchUserLowered = sync.OnceValue(func() []byte {
	h, err := bcrypt.GenerateFromPassword([]byte("no such user"), PasswordCost)
	if err != nil {
		panic(err)
	}
	return h
})

// noSuchUserHash is the hash, of the cost real accounts have, that a
// sign-in for an unknown username checks the password against.
func noSuchUserHash() []byte {
	if PasswordCost == defaultPasswordCost {
		return []byte(noSuchUserDefault)
	}
	return noSuchUserLowered()
}

// comparePassword checks a password against its bcrypt hash; tests watch
// the work it does.
func (m *Mux) comparePassword(hash, pw []byte) error {
	if m.passwordCheck != nil {
		return m.passwordCheck(hash, pw)
	}
	return bcrypt.CompareHashAndPassword(hash, pw)
}

// Login lockout: after loginMaxFailures failures within loginWindow, a
// username is refused for loginLockout.
const (
	loginMaxFailures = 5
	loginWindow      = 15 * time.Minute
	loginLockout     = 15 * time.Minute
)

// NewToken returns a fresh random bearer token.
func NewToken() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// HashToken is how tokens are stored: only their SHA-256, so a copy of the
// database gives no one a working token.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// HashPassword hashes a password with bcrypt. EINVALID for an empty or
// over-long password.
func HashPassword(pw string) (string, error) {
	if len(pw) < 8 {
		return "", hallq.Errorf(hallq.EINVALID, "password must be at least 8 characters")
	}
	if len(pw) > 72 {
		return "", hallq.Errorf(hallq.EINVALID, "password must be at most 72 bytes")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), PasswordCost)
	return string(h), err
}

// Principal resolves the caller from a bearer token or the session cookie.
// A credential that is present but unknown is EUNAUTHORIZED: a forged or
// revoked token never falls back to anonymous access.
func (m *Mux) Principal(r *http.Request) (hallq.Principal, error) {
	var p hallq.Principal
	token := ""
	if h := r.Header.Get("Authorization"); h != "" {
		t, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || strings.TrimSpace(t) == "" {
			return p, hallq.Errorf(hallq.EUNAUTHORIZED, "Authorization header must be \"Bearer TOKEN\"")
		}
		token = strings.TrimSpace(t)
	} else if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		token = c.Value
	}
	if token == "" {
		return p, nil
	}
	hash := HashToken(token)
	u, err := m.Accounts.SessionUser(r.Context(), hash, m.Now())
	if err == nil {
		p.User = &u
		return p, nil
	}
	if hallq.ErrorCode(err) != hallq.ENOTFOUND {
		return p, err
	}
	d, err := m.Accounts.DeviceByToken(r.Context(), hash)
	if err == nil {
		p.Device = &d
		return p, nil
	}
	if hallq.ErrorCode(err) != hallq.ENOTFOUND {
		return p, err
	}
	return p, hallq.Errorf(hallq.EUNAUTHORIZED, "the token is unknown, expired or revoked")
}

// Login serves POST /api/v1/login: a staff session for a username and
// password, as a cookie for browsers and a bearer token for programs.
func (m *Mux) Login(w http.ResponseWriter, r *http.Request, _ hallq.Principal) error {
	var req hallq.LoginRequest
	if err := Decode(r, &req); err != nil {
		return err
	}
	now := m.Now()
	who := req.Username + "\x00" + m.ClientIP(r)
	if m.logins.locked(who, now) {
		return &hallq.Error{Code: hallq.EUNAUTHORIZED, Reason: "locked",
			Message: "too many failed sign-ins for this user from this address; try again in 15 minutes"}
	}
	u, hash, err := m.Accounts.UserHash(r.Context(), req.Username)
	if err != nil && hallq.ErrorCode(err) != hallq.ENOTFOUND {
		return err
	}
	known := err == nil
	if !known {
		// The same bcrypt work as for a real account, so that the time of
		// the answer does not tell which usernames exist.
		hash = string(noSuchUserHash())
	}
	pwErr := m.comparePassword([]byte(hash), []byte(req.Password))
	if !known || u.Disabled || pwErr != nil {
		m.logins.fail(who, now)
		m.Logger.Warn("sign-in failed", "username", req.Username, "remote", r.RemoteAddr)
		return hallq.Errorf(hallq.EUNAUTHORIZED, "wrong username or password")
	}
	m.logins.reset(who)
	token := NewToken()
	exp := now.Add(m.SessionTTL).In(m.Location()).Truncate(time.Second)
	if err := m.Accounts.PutSession(r.Context(), HashToken(token), u.Username, exp); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{
		Name: SessionCookie, Value: token, Path: "/", Expires: exp,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: m.Secure(r),
	})
	WriteJSON(w, http.StatusOK, hallq.Session{Token: token, User: u, ExpiresAt: exp})
	return nil
}

// Logout serves POST /api/v1/logout: the session ends.
func (m *Mux) Logout(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	token := ""
	if h, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		token = strings.TrimSpace(h)
	} else if c, err := r.Cookie(SessionCookie); err == nil {
		token = c.Value
	}
	if err := m.Accounts.DeleteSession(r.Context(), HashToken(token)); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: m.Secure(r)})
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// Me serves GET /api/v1/me: the staff user or the device calling.
func (m *Mux) Me(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	if p.Device != nil {
		DeviceInZone(p.Device, m.Location())
	}
	WriteJSON(w, http.StatusOK, map[string]any{"user": p.User, "device": p.Device})
	return nil
}

// DeviceInZone shows a device's times in the server's zone.
func DeviceInZone(d *hallq.Device, loc *time.Location) {
	d.CreatedAt = d.CreatedAt.In(loc)
	for _, t := range []*time.Time{d.RevokedAt, d.LastSeen} {
		if t != nil {
			*t = t.In(loc)
		}
	}
}

// Secure reports whether the client reached the server over HTTPS: the
// server's own TLS, or a trusted proxy that says X-Forwarded-Proto: https.
// Cookies set on such a request are Secure.
func (m *Mux) Secure(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	return m.fromTrustedProxy(r) && strings.EqualFold(strings.TrimSpace(r.Header.Get("X-Forwarded-Proto")), "https")
}

// fromTrustedProxy reports whether r's connection comes from one of the
// TrustedProxies.
func (m *Mux) fromTrustedProxy(r *http.Request) bool {
	if len(m.TrustedProxies) == 0 {
		return false
	}
	ip, err := netip.ParseAddr(ClientIP(r))
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	for _, p := range m.TrustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// ClientIP is the caller's address: the connection's, or behind a trusted
// proxy the last address its X-Forwarded-For names (the one the proxy
// itself saw).
func (m *Mux) ClientIP(r *http.Request) string {
	if m.fromTrustedProxy(r) {
		fwd := r.Header.Values("X-Forwarded-For")
		if n := len(fwd); n > 0 {
			hops := strings.Split(fwd[n-1], ",")
			if ip, err := netip.ParseAddr(strings.TrimSpace(hops[len(hops)-1])); err == nil {
				return ip.String()
			}
		}
	}
	return ClientIP(r)
}

// ParseTrustedProxies reads a comma-separated list of addresses and
// networks (10.0.0.5, 10.0.0.0/24, ::1); EINVALID naming a bad entry.
func ParseTrustedProxies(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range strings.Split(list, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, hallq.Errorf(hallq.EINVALID, "trusted proxy %q: want an IP address or a network such as 10.0.0.0/24", s)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// ClientIP is the connection's remote address without its port.
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// loginLimiter counts failed sign-ins in memory, per username and address,
// so that nobody on the LAN can lock an officer out from another desk.
type loginLimiter struct {
	mu    sync.Mutex
	fails map[string][]time.Time
	until map[string]time.Time
}

func newLoginLimiter() *loginLimiter {
	return &loginLimiter{fails: map[string][]time.Time{}, until: map[string]time.Time{}}
}

func (l *loginLimiter) locked(user string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return now.Before(l.until[user])
}

func (l *loginLimiter) fail(user string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	recent := l.fails[user][:0]
	for _, t := range l.fails[user] {
		if now.Sub(t) < loginWindow {
			recent = append(recent, t)
		}
	}
	recent = append(recent, now)
	l.fails[user] = recent
	if len(recent) >= loginMaxFailures {
		l.until[user] = now.Add(loginLockout)
		delete(l.fails, user)
	}
}

func (l *loginLimiter) reset(user string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fails, user)
	delete(l.until, user)
}
