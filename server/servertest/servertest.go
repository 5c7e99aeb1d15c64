// Package servertest starts a real hall server for tests: a SQLite file in
// a temporary directory, the demo hall, and an httptest server, all torn
// down when the test ends.
package servertest

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/hallclient"
	"github.com/hallq/hallq/internal/eventually"
	"github.com/hallq/hallq/server"
	"github.com/hallq/hallq/server/api"
	"github.com/hallq/hallq/server/connlimit"
	"github.com/hallq/hallq/server/hall"
	"github.com/hallq/hallq/server/hub"
	"github.com/hallq/hallq/server/sqlite"
	"github.com/hallq/hallq/staffing"
)

// Demo device tokens (see config.DemoDevices).
const (
	KioskToken   = "demo-kiosk-1"
	DisplayToken = "demo-display-hall"
)

// PadToken is the demo token of the pad bound to counter n (1–6).
func PadToken(n int) string { return "demo-pad-" + string(rune('0'+n)) }

// Hall is a running test hall.
type Hall struct {
	T      testing.TB
	URL    string
	DBPath string
	Server *server.Server
	Hall   *hall.Runtime
	Store  *sqlite.DB
	HTTP   *httptest.Server
	// Client is the hall client, on URL.
	Client *hallclient.Client

	mu     sync.Mutex
	tokens map[string]string
	opts   Options
	stop   func()
}

var lowerCost sync.Once

// Options adjust a test hall.
type Options struct {
	// Now replaces the hall's clock.
	Now func() time.Time
	// Sim, if set, puts the server in simulation mode with this clock
	// (POST /api/v1/sim/clock moves it); it overrides Now.
	Sim *hall.SimClock
	// Setup runs on the store after the demo is seeded, before the hall starts.
	Setup func(db *sqlite.DB) error
	// Logger defaults to a discarding one.
	Logger *slog.Logger
	// SendBuffer, if set, is the kernel send buffer (SO_SNDBUF) of every
	// accepted connection: a small one makes a client that stops reading
	// stall the server's writes quickly.
	SendBuffer int
	// Plan, if set, is how the forecast's staffing plans are made (fewer
	// simulated days make them quicker).
	Plan *staffing.Options
	// Guarded serves through a connection guard (server/connlimit) as the
	// hallserver command does, so that every connection is its wrapper
	// rather than the bare socket.
	Guarded bool
	// TLS serves HTTPS with the test server's own certificate; Client
	// trusts it (a websocket dialer needs Hall.TLSConfig).
	TLS bool
}

// sendBufferListener sets SO_SNDBUF on accepted connections.
type sendBufferListener struct {
	net.Listener
	size int
}

func (l sendBufferListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetWriteBuffer(l.size)
	}
	return c, err
}

// Start starts the demo hall. It lowers api.PasswordCost to bcrypt's
// minimum: the demo's hashes would otherwise dominate test time (several
// seconds under -race) without testing anything more.
func Start(t testing.TB, opts Options) *Hall {
	t.Helper()
	lowerCost.Do(func() { api.PasswordCost = bcrypt.MinCost })
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hall.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := server.SeedDemo(ctx, db); err != nil {
		t.Fatal(err)
	}
	if opts.Setup != nil {
		if err := opts.Setup(db); err != nil {
			t.Fatal(err)
		}
	}
	return start(t, opts, path, db)
}

// Restart stops the hall (server, runtime, database) as a clean shutdown
// does and starts a new one on the same database file, as after a restart
// of the service. The old Hall must not be used again.
func (h *Hall) Restart() *Hall {
	h.T.Helper()
	h.stop()
	db, err := sqlite.Open(context.Background(), h.DBPath)
	if err != nil {
		h.T.Fatal(err)
	}
	opts := h.opts
	opts.Setup = nil
	return start(h.T, opts, h.DBPath, db)
}

func start(t testing.TB, opts Options, path string, db *sqlite.DB) *Hall {
	t.Helper()
	ctx := context.Background()
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	hl, err := hall.New(ctx, db, hub.New(), logger)
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	if opts.Now != nil {
		hl.Now = opts.Now
	}
	srv := server.New(hl, logger)
	if opts.Sim != nil {
		srv.EnableSim(opts.Sim)
	}
	if opts.Plan != nil {
		srv.PlanWith(*opts.Plan)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); hl.Run(runCtx) }()
	hs := httptest.NewUnstartedServer(srv.Handler())
	if opts.SendBuffer > 0 {
		hs.Listener = sendBufferListener{hs.Listener, opts.SendBuffer}
	}
	if opts.Guarded {
		g := connlimit.New(1000, logger)
		g.Hook(hs.Config)
		hs.Listener = g.Listener(hs.Listener)
	}
	if opts.TLS {
		hs.StartTLS()
	} else {
		hs.Start()
	}
	client := hallclient.New(hs.URL, time.Minute)
	if opts.TLS {
		client.HTTP = hs.Client()
		client.HTTP.Timeout = time.Minute
	}
	h := &Hall{T: t, URL: hs.URL, DBPath: path, Server: srv, Hall: hl, Store: db, HTTP: hs,
		Client: client, tokens: map[string]string{}, opts: opts}
	h.stop = sync.OnceFunc(func() {
		srv.Close()
		hs.Close()
		cancel()
		<-done
		db.Close()
	})
	t.Cleanup(h.stop)
	return h
}

// Login signs a demo user in and returns the bearer token (cached).
func (h *Hall) Login(username string) string {
	h.T.Helper()
	h.mu.Lock()
	tok, ok := h.tokens[username]
	h.mu.Unlock()
	if ok {
		return tok
	}
	pw := "demo-canbo"
	switch username {
	case "admin":
		pw = "demo-admin"
	case "quanly":
		pw = "demo-quanly"
	}
	s, err := h.Client.Login(context.Background(), username, pw)
	if err != nil {
		h.T.Fatal(err)
	}
	h.mu.Lock()
	h.tokens[username] = s.Token
	h.mu.Unlock()
	return s.Token
}

// PendingEnrolment waits (up to a minute: a busy machine is slow, the
// deadline only bounds a hang) for the admin's list to hold a pending
// request from the device name other than the one with id not ("" for
// any), and returns it.
func (h *Hall) PendingEnrolment(admin, name, not string) hallq.Enrolment {
	h.T.Helper()
	var found hallq.Enrolment
	eventually.True(h.T, time.Minute, "an enrolment request from "+name, func() bool {
		es, err := h.Client.Enrolments(context.Background(), admin)
		if err != nil {
			h.T.Fatal(err)
		}
		for _, e := range es {
			if e.Name == name && e.State == hallq.EnrolPending && e.ID != not {
				found = e
				return true
			}
		}
		return false
	})
	return found
}

// Do sends a request with an optional bearer token and JSON body (a string
// or []byte is sent as is), decodes a JSON answer into out if non-nil, and
// returns the status code.
func (h *Hall) Do(method, path, token string, body any, out any) int {
	h.T.Helper()
	code, data := h.Raw(method, path, token, body)
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			h.T.Fatalf("%s %s: decode %q: %v", method, path, data, err)
		}
	}
	return code
}

// Raw is Do returning the raw body.
func (h *Hall) Raw(method, path, token string, body any) (int, []byte) {
	h.T.Helper()
	var data []byte
	switch b := body.(type) {
	case nil:
	case string:
		data = []byte(b)
	case []byte:
		data = b
	default:
		var err error
		if data, err = json.Marshal(b); err != nil {
			h.T.Fatal(err)
		}
	}
	a, err := h.Client.Raw(context.Background(), method, path, token, data)
	if err != nil {
		h.T.Fatalf("%s %s: %v", method, path, err)
	}
	return a.Status, a.Body
}

// Clock is a hall clock a test sets (Options.Now: clock.Now).
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock is a clock reading now.
func NewClock(now time.Time) *Clock { return &Clock{now: now} }

// Now is the time the clock reads.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}
