package sqlite

import (
	"os"
	"strconv"
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
// device is written. This process's writes forget them at once. Another
// process's — the hallserver command run beside the server: device revoke,
// user add — rewrite the stamp file beside the database (DB-auth) after
// their commit, and every look-up checks the stamp (one stat), so those
// take effect at once too; a change made any other way is seen within
// authRecheck. Unknown device tokens are not kept, so a guesser cannot fill
// the cache with them; unknown session hashes are (a kiosk's token is
// one), and only the hall server creates sessions.
type authCache struct {
	mu       sync.Mutex
	recheck  time.Duration // authRecheck; tests shorten it
	stamp    string        // the stamp file's path
	seen     stampState    // the stamp as the kept answers knew it
	sessions map[string]cachedSession
	devices  map[string]cachedDevice
	// gen counts what was forgotten: an answer read from the database is
	// kept only if nothing was forgotten while it was being read, so a
	// look-up that raced a revocation cannot keep the revoked device.
	gen uint64
}

// stampState is what a stat says of the stamp file.
type stampState struct {
	mod  time.Time
	size int64
}

func readStamp(path string) stampState {
	fi, err := os.Stat(path)
	if err != nil {
		return stampState{}
	}
	return stampState{fi.ModTime(), fi.Size()}
}

// check forgets everything if the stamp changed; c.mu is held.
func (c *authCache) check() {
	if st := readStamp(c.stamp); st != c.seen {
		c.seen, c.sessions, c.devices = st, nil, nil
		c.gen++
	}
}

// bump rewrites the stamp after a write of sessions, users or devices, so
// that every process keeping answers forgets them. A stamp this process
// may not write (the command run as another user) is left alone: the
// answers are then rechecked within authRecheck.
func (c *authCache) bump() {
	os.WriteFile(c.stamp, []byte(strconv.FormatInt(time.Now().UnixNano(), 10)+"\n"), 0o644)
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

// session is the kept answer for hash, if fresh, and the generation to
// hand putSession with the database's answer otherwise.
func (c *authCache) session(hash string) (cachedSession, bool, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.check()
	s, ok := c.sessions[hash]
	return s, ok && c.fresh(s.at), c.gen
}

func (c *authCache) putSession(hash string, s cachedSession, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return // forgotten meanwhile: the answer may be stale
	}
	if c.sessions == nil || len(c.sessions) >= maxAuthCache {
		c.sessions = map[string]cachedSession{}
	}
	s.at = time.Now()
	c.sessions[hash] = s
}

// device is like session, for device tokens.
func (c *authCache) device(hash string) (hallq.Device, bool, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.check()
	d, ok := c.devices[hash]
	return d.d, ok && c.fresh(d.at), c.gen
}

func (c *authCache) putDevice(hash string, d hallq.Device, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.devices == nil || len(c.devices) >= maxAuthCache {
		c.devices = map[string]cachedDevice{}
	}
	c.devices[hash] = cachedDevice{d, time.Now()}
}

func (c *authCache) forgetSession(hash string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.sessions, hash)
	c.gen++
}

// forgetSessions and forgetDevices follow a write of users or devices.
func (c *authCache) forgetSessions() {
	c.bump()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sessions = nil
	c.gen++
}

func (c *authCache) forgetDevices() {
	c.bump()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.devices = nil
	c.gen++
}
