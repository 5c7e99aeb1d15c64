// Package connlimit keeps an HTTP server answering when someone on the
// network opens more connections than it has files for: it caps the open
// connections below the process's file limit and keeps part of them for
// callers that have shown a device token or a staff session, so that a
// kiosk always gets through while thousands of idle or slow sockets hold
// the rest.
//
// Every accepted connection counts. A connection is trusted once a request
// on it has been authenticated (Trust). When the untrusted connections
// reach Max−Reserve, a new connection takes the place of an untrusted one
// that is not a websocket: the oldest of the address holding the most, so
// that one address flooding the hall evicts its own sockets first. When
// all Max are open and none can give way, the new connection is closed at
// once (shed) and the shedding is logged. A trusted connection is never
// evicted; the server's own timeouts (Timeouts) end it when it idles.
package connlimit

import (
	"container/list"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"
)

// Timeouts are the hall server's HTTP timeouts: a request's header must
// arrive in 10 s and its body in 30 s, an answer be written in 60 s (long
// exports extend their own deadline), and a keep-alive connection idle for
// 2 min is closed. A websocket stream clears them at its upgrade and keeps
// its own ping/pong deadlines.
func Timeouts(hs *http.Server) {
	hs.ReadHeaderTimeout = 10 * time.Second
	hs.ReadTimeout = 30 * time.Second
	hs.WriteTimeout = 60 * time.Second
	hs.IdleTimeout = 2 * time.Minute
}

// Guard counts a server's connections and decides who may have one.
type Guard struct {
	// Max is the most connections open at once.
	Max int
	// Reserve is the part of Max only trusted connections may use.
	Reserve int
	// Logger reports shedding and eviction, at most once per 10 s.
	Logger *slog.Logger

	mu        sync.Mutex
	open      int
	untrusted int
	// evictable holds, per remote address, its untrusted connections that
	// are not websockets, oldest first.
	evictable map[string]*list.List
	stats     Stats
	lastLog   time.Time
	logged    Stats
}

// Stats are what a Guard has done since it started.
type Stats struct {
	Open      int   // connections open now
	Untrusted int   // of them, not (yet) authenticated
	Accepted  int64 // connections admitted
	Evicted   int64 // untrusted connections closed to make room
	Shed      int64 // new connections closed at once for want of room
}

// FileReserve is how many of the process's files a Guard made by
// FromFileLimit leaves for everything else (the database, its journal,
// espeak-ng, log files, outgoing connections).
const FileReserve = 128

// FromFileLimit makes a Guard whose Max is the process's open-file limit
// less FileReserve, a quarter of it kept for trusted connections.
func FromFileLimit(logger *slog.Logger) *Guard {
	var rl syscall.Rlimit
	limit := 1024
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err == nil && rl.Cur > 0 && rl.Cur < 1<<30 {
		limit = int(rl.Cur)
	}
	return New(max(limit-FileReserve, 32), logger)
}

// New makes a Guard for max connections, a quarter of them kept for
// trusted ones.
func New(max int, logger *slog.Logger) *Guard {
	return &Guard{Max: max, Reserve: max / 4, Logger: logger}
}

// Stats reports the guard's counts.
func (g *Guard) Stats() Stats {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.stats
	s.Open, s.Untrusted = g.open, g.untrusted
	return s
}

// Serve sets hs up to be guarded by g: the connection hooks (kept
// chained with any hs already has), and serves on ln through g.
func (g *Guard) Serve(hs *http.Server, ln net.Listener) error {
	g.Hook(hs)
	return hs.Serve(g.Listener(ln))
}

// Hook installs g's ConnContext and ConnState hooks on hs, after any hs
// already has.
func (g *Guard) Hook(hs *http.Server) {
	prevCtx, prevState := hs.ConnContext, hs.ConnState
	hs.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		if prevCtx != nil {
			ctx = prevCtx(ctx, c)
		}
		if gc, ok := c.(*conn); ok {
			ctx = context.WithValue(ctx, connKey{}, gc)
		}
		return ctx
	}
	hs.ConnState = func(c net.Conn, st http.ConnState) {
		if prevState != nil {
			prevState(c, st)
		}
		if gc, ok := c.(*conn); ok && st == http.StateHijacked {
			g.hijacked(gc)
		}
	}
}

type connKey struct{}

// Trust marks the connection a request came on as trusted: its caller
// showed a valid device token or staff session. Outside a guarded server
// it does nothing.
func Trust(ctx context.Context) {
	if c, ok := ctx.Value(connKey{}).(*conn); ok {
		c.g.trust(c)
	}
}

// Listener wraps ln so that every connection it accepts is admitted by g.
func (g *Guard) Listener(ln net.Listener) net.Listener { return &listener{Listener: ln, g: g} }

type listener struct {
	net.Listener
	g *Guard
}

func (l *listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if gc := l.g.admit(c); gc != nil {
			return gc, nil
		}
	}
}

// conn is a guarded connection.
type conn struct {
	net.Conn
	g    *Guard
	addr string
	// Guarded by g.mu:
	trusted, hijacked, closed bool
	elem                      *list.Element // in g.evictable[addr], while evictable
	closeOnce                 sync.Once
}

func (c *conn) Close() error {
	c.g.release(c)
	var err error
	c.closeOnce.Do(func() { err = c.Conn.Close() })
	return err
}

// SyscallConn is the socket's, so that a websocket stream can read what
// its client sent without waiting for it (server/stream).
func (c *conn) SyscallConn() (syscall.RawConn, error) {
	if sc, ok := c.Conn.(syscall.Conn); ok {
		return sc.SyscallConn()
	}
	return nil, errors.ErrUnsupported
}

func remoteHost(c net.Conn) string {
	a := c.RemoteAddr()
	if a == nil {
		return ""
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}

// admit decides on a new connection: the guarded connection, or nil when
// it was shed (and closed).
func (g *Guard) admit(c net.Conn) *conn {
	gc := &conn{Conn: c, g: g, addr: remoteHost(c)}
	var victim *conn
	g.mu.Lock()
	if g.untrusted+1 > g.Max-g.Reserve || g.open+1 > g.Max {
		victim = g.victimLocked()
		if victim != nil {
			g.dropLocked(victim)
			g.stats.Evicted++
		}
	}
	shed := g.open+1 > g.Max
	if shed {
		g.stats.Shed++
	} else {
		g.open++
		g.untrusted++
		g.stats.Accepted++
		if g.evictable == nil {
			g.evictable = map[string]*list.List{}
		}
		l := g.evictable[gc.addr]
		if l == nil {
			l = list.New()
			g.evictable[gc.addr] = l
		}
		gc.elem = l.PushBack(gc)
	}
	g.logLocked()
	g.mu.Unlock()
	if victim != nil {
		victim.closeOnce.Do(func() { victim.Conn.Close() })
	}
	if shed {
		c.Close()
		return nil
	}
	return gc
}

// victimLocked is the untrusted connection to evict: the oldest of the
// address that holds the most evictable ones.
func (g *Guard) victimLocked() *conn {
	var best *list.List
	for _, l := range g.evictable {
		if best == nil || l.Len() > best.Len() {
			best = l
		}
	}
	if best == nil || best.Len() == 0 {
		return nil
	}
	return best.Front().Value.(*conn)
}

// dropLocked takes c out of every count, once.
func (g *Guard) dropLocked(c *conn) {
	if c.closed {
		return
	}
	c.closed = true
	g.open--
	if !c.trusted {
		g.untrusted--
	}
	g.unlistLocked(c)
}

// unlistLocked takes c out of the evictable lists.
func (g *Guard) unlistLocked(c *conn) {
	if c.elem == nil {
		return
	}
	l := g.evictable[c.addr]
	l.Remove(c.elem)
	c.elem = nil
	if l.Len() == 0 {
		delete(g.evictable, c.addr)
	}
}

func (g *Guard) release(c *conn) {
	g.mu.Lock()
	g.dropLocked(c)
	g.mu.Unlock()
}

func (g *Guard) trust(c *conn) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if c.trusted || c.closed {
		return
	}
	c.trusted = true
	g.untrusted--
	g.unlistLocked(c)
}

// hijacked takes a websocket out of the evictable ones: a display
// following the stream is not an idle socket.
func (g *Guard) hijacked(c *conn) {
	g.mu.Lock()
	defer g.mu.Unlock()
	c.hijacked = true
	g.unlistLocked(c)
}

// logLocked reports eviction and shedding, at most once per 10 s.
func (g *Guard) logLocked() {
	if g.Logger == nil || (g.stats.Evicted == g.logged.Evicted && g.stats.Shed == g.logged.Shed) {
		return
	}
	now := time.Now()
	if now.Sub(g.lastLog) < 10*time.Second {
		return
	}
	g.Logger.Warn("too many connections: closing untrusted ones to keep room for devices and staff",
		"open", g.open, "untrusted", g.untrusted, "max", g.Max, "reserve", g.Reserve,
		"evicted", g.stats.Evicted-g.logged.Evicted, "shed", g.stats.Shed-g.logged.Shed)
	g.lastLog = now
	g.logged = g.stats
}
