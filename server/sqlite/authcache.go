package sqlite

import (
	"sync"
	"time"

	"github.com/hallq/hallq"
)

// authRecheck is how long the answer to "whose token is this?" is kept
// before the database is asked again.
const authRecheck = 5 * time.Second

// maxAuthCache bounds the answers kept; when full, all are forgotten.
const maxAuthCache = 10_000

// authCache keeps the answers of SessionUser and DeviceByToken: every API
// request asks one or both (a kiosk's token is first looked for among the
// sessions), and the answers change only when a session, a user or a
// device is written. This process's writes forget them at once; the
// hallserver command run beside the server (device revoke, user add) is
// seen within authRecheck. Unknown device tokens are not kept, so a
// guesser cannot fill the cache with them; unknown session hashes are (a
// kiosk's token is one), and only this process creates sessions.
type authCache struct {
	mu       sync.Mutex
	recheck  time.Duration // authRecheck; tests shorten it
	sessions map[string]cachedSession
	devices  map[string]cachedDevice
}

type cachedSession struct {
	found   bool
	user    hallq.User
	expires time.Time
	at      time.Time // when the database said so
}

type cachedDevice struct {
	d  hallq.Device
	at time.Time
}

func (c *authCache) fresh(at time.Time) bool {
	r := c.recheck
	if r == 0 {
		r = authRecheck
	}
	return time.Since(at) < r
}

func (c *authCache) session(hash string) (cachedSession, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.sessions[hash]
	return s, ok && c.fresh(s.at)
}

func (c *authCache) putSession(hash string, s cachedSession) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sessions == nil || len(c.sessions) >= maxAuthCache {
		c.sessions = map[string]cachedSession{}
	}
	s.at = time.Now()
	c.sessions[hash] = s
}

func (c *authCache) device(hash string) (hallq.Device, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, ok := c.devices[hash]
	return d.d, ok && c.fresh(d.at)
}

func (c *authCache) putDevice(hash string, d hallq.Device) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.devices == nil || len(c.devices) >= maxAuthCache {
		c.devices = map[string]cachedDevice{}
	}
	c.devices[hash] = cachedDevice{d, time.Now()}
}

func (c *authCache) forgetSession(hash string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.sessions, hash)
}

func (c *authCache) forgetSessions() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sessions = nil
}

func (c *authCache) forgetDevices() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.devices = nil
}
