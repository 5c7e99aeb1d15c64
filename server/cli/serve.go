package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	pprofhttp "net/http/pprof"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hallq/hallq/central"
	"github.com/hallq/hallq/internal/sdnotify"
	"github.com/hallq/hallq/server"
	"github.com/hallq/hallq/server/config"
	"github.com/hallq/hallq/server/hall"
	"github.com/hallq/hallq/server/hub"
	"github.com/hallq/hallq/server/queue"
	"github.com/hallq/hallq/server/sqlite"
)

// startCPUProfile profiles the process into path until stop is called.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("-cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("-cpuprofile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// servePprof serves net/http/pprof's handlers on addr, apart from the
// hall's own mux, until stop.
func servePprof(addr string, logger *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("-pprof: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprofhttp.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprofhttp.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprofhttp.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprofhttp.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprofhttp.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	logger.Warn("serving Go's profiles: for measurements only", "addr", ln.Addr().String())
	return func() { srv.Close() }, nil
}

// shutdownWait bounds a graceful shutdown.
const shutdownWait = 10 * time.Second

// serveFlags are hallserver's flags.
type serveFlags struct {
	addr, dbPath, cfgPath      string
	demo, checkConfig, version bool
	central                    bool
	centralDSN, hallID         string
	simClock                   string
	simSpeed                   float64
	minFreeMB                  uint64
	web                        webFlags
	cpuProfile, pprofAddr      string
}

func parseServeFlags(args []string, env Env) (*serveFlags, error) {
	var f serveFlags
	fs := newFlags("hallserver", env)
	fs.StringVar(&f.addr, "addr", ":8080", "address to listen on")
	fs.StringVar(&f.dbPath, "db", "./hallq.db", "the hall's SQLite database (created if missing)")
	fs.StringVar(&f.cfgPath, "config", "", "hall.toml to set up a new hall from")
	fs.BoolVar(&f.demo, "demo", false, "set up the Vietnamese demo hall if the database is empty")
	fs.BoolVar(&f.checkConfig, "check-config", false, "check -config FILE and exit")
	fs.BoolVar(&f.version, "version", false, "print the release and exit")
	fs.BoolVar(&f.central, "central", false, "serve the reports across halls from the central store: -db is then a postgres:// URL")
	fs.StringVar(&f.centralDSN, "central-dsn", "", "ship the hall's event log to the central store at this postgres:// URL (needs -hall-id)")
	fs.StringVar(&f.hallID, "hall-id", "", "the hall's id in the central store, e.g. nhatrang-loc-tho")
	fs.StringVar(&f.simClock, "sim-clock", "", "simulation only (hallsim): the hall's clock starts at this RFC 3339 time, or \"now\", and an admin may move it with POST /api/v1/sim/clock; never on a real hall")
	fs.Float64Var(&f.simSpeed, "sim-speed", 1, "with -sim-clock: how many times faster than real time the clock runs")
	fs.Uint64Var(&f.minFreeMB, "min-free-mb", 100, "/healthz says the store is not ok when the database's disk has less free space than this, in MB (0: never)")
	f.web.flags(fs)
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run to FILE at shutdown (for go tool pprof; measurements only)")
	fs.StringVar(&f.pprofAddr, "pprof", "", "serve Go's profiles (/debug/pprof/) on this address, e.g. 127.0.0.1:6060 (measurements only; never a public address)")
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, usagef("unexpected argument %q", fs.Arg(0))
	}
	if err := f.web.check(); err != nil {
		return nil, err
	}
	return &f, nil
}

func serve(ctx context.Context, args []string, env Env, logger *slog.Logger) error {
	f, err := parseServeFlags(args, env)
	if err != nil {
		return err
	}
	if f.cpuProfile != "" {
		stop, err := startCPUProfile(f.cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	if f.pprofAddr != "" {
		stop, err := servePprof(f.pprofAddr, logger)
		if err != nil {
			return err
		}
		defer stop()
	}
	if f.version {
		fmt.Fprintf(env.Stdout, "hallserver %s\n", Version)
		return nil
	}
	if err := f.check(); err != nil {
		return err
	}
	if f.central {
		return serveCentral(ctx, f.addr, f.dbPath, &f.web, env, logger)
	}
	var clock *hall.SimClock
	if f.simClock != "" {
		if clock, err = newSimClock(f.simClock, f.simSpeed); err != nil {
			return err
		}
	}
	var cfg *config.Setup
	if f.cfgPath != "" {
		if cfg, err = config.Load(f.cfgPath); err != nil {
			return configError{err}
		}
	}
	if f.checkConfig {
		if cfg == nil {
			return usagef("-check-config needs -config FILE")
		}
		fmt.Fprintf(env.Stdout, "%s: ok (%d services, %d counters)\n", f.cfgPath, len(cfg.Services), len(cfg.Counters))
		return nil
	}

	db, hl, srv, shipper, err := openHall(ctx, f, cfg, clock, logger)
	if err != nil {
		return err
	}
	defer db.Close()
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return err
	}
	return runHall(ctx, ln, f, hl, srv, shipper, env, logger)
}

// check refuses flags that do not go together.
func (f *serveFlags) check() error {
	if f.cfgPath != "" && f.demo {
		return usagef("give -config or -demo, not both")
	}
	if f.central {
		if f.cfgPath != "" || f.demo || f.centralDSN != "" || f.hallID != "" {
			return usagef("-central serves the central store only: -config, -demo, -central-dsn and -hall-id are for a hall")
		}
		return nil
	}
	if (f.centralDSN == "") != (f.hallID == "") {
		return usagef("-central-dsn and -hall-id go together")
	}
	if f.centralDSN != "" && !central.IsDSN(f.centralDSN) {
		return usagef("-central-dsn must be a postgres:// URL")
	}
	return nil
}

// openHall opens (and migrates) the hall's database, sets the hall up
// from cfg or the demo, and builds its runtime and server, on the
// simulated clock if there is one, shipping to the central store if
// asked. The caller closes db.
func openHall(ctx context.Context, f *serveFlags, cfg *config.Setup, clock *hall.SimClock, logger *slog.Logger) (_ *sqlite.DB, hl *hall.Runtime, srv *server.Server, shipper *central.Shipper, err error) {
	// Opening migrates the database; the first start after an upgrade
	// may outlast the unit's start timeout on a slow SD card (chaining a
	// year's log, docs/BENCHMARKS.md), so systemd is asked for more time
	// while it runs.
	opened := make(chan struct{})
	go extendStart(opened, logger)
	hallDB, err := sqlite.Open(ctx, f.dbPath)
	close(opened)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	defer func() {
		if err != nil {
			hallDB.Close()
		}
	}()
	if err := setUpHall(ctx, hallDB, f, cfg, logger); err != nil {
		return nil, nil, nil, nil, err
	}
	hl, err = hall.New(ctx, hallDB, hub.New(), logger)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	srv = server.New(hl, logger)
	if clock != nil {
		srv.EnableSim(clock)
		logger.Warn("SIMULATION MODE: the hall's clock is simulated and may be moved by an admin; not for a real hall", "now", clock.Now().Format(time.RFC3339), "speed", f.simSpeed)
	}
	srv.Version = Version
	srv.BuildTime = buildTime()
	srv.TrustProxies(f.web.proxies)
	srv.MinFreeBytes = f.minFreeMB << 20
	if f.centralDSN != "" {
		if shipper, err = srv.ShipTo(f.hallID, f.centralDSN); err != nil {
			return nil, nil, nil, nil, err
		}
	}
	return hallDB, hl, srv, shipper, nil
}

// setUpHall sets a new hall up in an empty database, from the config or
// as the demo; a database that holds a hall keeps it.
func setUpHall(ctx context.Context, db *sqlite.DB, f *serveFlags, cfg *config.Setup, logger *slog.Logger) error {
	seeded, err := db.Seeded(ctx)
	if err != nil {
		return err
	}
	switch {
	case !seeded && cfg != nil:
		if err := db.Seed(ctx, cfg.Settings, cfg.Services, cfg.Counters); err != nil {
			return err
		}
		logger.Info("hall set up from config", "config", f.cfgPath, "db", f.dbPath)
	case !seeded && f.demo:
		if err := server.SeedDemo(ctx, db); err != nil {
			return err
		}
		logger.Info("demo hall set up", "db", f.dbPath)
	case !seeded:
		return fmt.Errorf("%s holds no hall yet: start with -config hall.toml to set one up, or -demo for the demo hall", f.dbPath)
	case cfg != nil:
		logger.Warn("the database already holds a hall; -config is checked but not applied (change the hall on /admin)", "db", f.dbPath)
	}
	return nil
}

// runHall runs the hall, its shipper and the HTTP server on ln until ctx
// ends or serving fails, then shuts them down in order: streams, HTTP,
// the hall.
func runHall(ctx context.Context, ln net.Listener, f *serveFlags, hl *hall.Runtime, srv *server.Server, shipper *central.Shipper, env Env, logger *slog.Logger) error {
	hs := &http.Server{Handler: srv.Handler(), ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	hallCtx, stopHall := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); hl.Run(hallCtx) }()
	// Missed bookings and the erasure of booking personal data.
	wg.Go(func() { srv.RunBookingChores(hallCtx) })
	if shipper != nil {
		// Shipping stops with the hall; what it has not sent, it sends
		// after the next start (the central store says where to resume).
		wg.Go(func() { shipper.Run(hallCtx) })
	}
	serveErr := make(chan error, 1)
	go func() {
		defer wg.Done()
		if err := f.web.serve(hs, ln, logger); !errors.Is(err, http.ErrServerClosed) {
			serveErr <- err
		}
	}()
	logger.Info("serving", "addr", ln.Addr().String(), "db", f.dbPath, "version", Version, "https", f.web.tlsCert != "")
	if f.demo {
		printDemo(env, ln.Addr())
	}
	if env.Ready != nil {
		env.Ready(ln.Addr().String())
	}
	notifySystemd(hallCtx, &wg, hl, hl.Store, ln.Addr().String(), logger)

	var runErr error
	select {
	case <-ctx.Done():
		logger.Info("shutting down")
	case runErr = <-serveErr:
	}
	if err := sdnotify.Stopping(); err != nil {
		logger.Warn("systemd notify", "err", err)
	}
	srv.Close()
	sctx, cancel := context.WithTimeout(context.Background(), shutdownWait)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		logger.Warn("shutdown", "err", err)
	}
	stopHall()
	wg.Wait()
	return runErr
}

// notifySystemd tells systemd (Type=notify) that the hall serves, and
// keeps its watchdog fed while the hall loop commits and the database
// answers; a hall that is stuck stops feeding it and is restarted. Outside
// systemd it does nothing.
func notifySystemd(ctx context.Context, wg *sync.WaitGroup, hl *hall.Runtime, db *sqlite.DB, addr string, logger *slog.Logger) {
	if err := sdnotify.Ready(); err != nil {
		logger.Warn("systemd notify", "err", err)
		return
	}
	sdnotify.Status("serving on " + addr)
	if sdnotify.WatchdogInterval() <= 0 {
		return
	}
	wg.Go(func() {
		sdnotify.Watchdog(ctx, func(ctx context.Context) error {
			_, err := db.SchemaVersion(ctx)
			if err != nil {
				return err
			}
			// A no-op command proves the hall loop still takes commands.
			_, err = hl.Do(ctx, func(*queue.Engine, time.Time) (any, *queue.Change, error) { return nil, nil, nil })
			return err
		}, func(err error) { logger.Warn("systemd watchdog", "err", err) })
	})
}

// printDemo prints where the demo hall's pages are, at the address the
// server really listens on — and, when it listens on every interface, the
// machine's LAN addresses too (a kiosk, a TV or a phone on the LAN uses
// those) — with the staff logins and device tokens.
func printDemo(env Env, addr net.Addr) { printDemoTo(env.Stdout, demoBases(addr, lanAddrs())) }

func printDemoTo(w io.Writer, bases []string) {
	base := bases[0]
	fmt.Fprintf(w, "\nhallq demo hall: %s\n", config.Demo().Settings.Name)
	for _, p := range []struct{ what, path, who string }{
		{"hall TV", "/display/hall", ""},
		{"counter TV", "/display/counter/1", "(counters 1–6)"},
		{"officer", "/officer", "(canbo1…canbo6 / demo-canbo)"},
		{"manager", "/manager", "(quanly / demo-quanly)"},
		{"admin", "/admin", "(admin / demo-admin)"},
		{"API", "/api/v1/hall", ""},
		{"health", "/healthz", "(metrics: /metrics)"},
	} {
		fmt.Fprintf(w, "  %-12s %s%s %s\n", p.what, base, p.path, p.who)
	}
	fmt.Fprintf(w, "  %-12s %s/api/v1/stream\n", "event stream", "ws"+strings.TrimPrefix(base, "http"))
	if len(bases) > 1 {
		fmt.Fprintf(w, "  on the LAN:  %s (phones follow the address the kiosk used)\n", strings.Join(bases[1:], ", "))
	}
	fmt.Fprintln(w, "staff logins (POST /api/v1/login):")
	for _, a := range config.DemoAccounts() {
		fmt.Fprintf(w, "  %-8s %-12s %s\n", a.Username, a.Password, a.Role)
	}
	fmt.Fprintln(w, "device tokens (Authorization: Bearer TOKEN):")
	for _, d := range config.DemoDevices() {
		extra := ""
		if d.Device.Counter > 0 {
			extra = fmt.Sprintf(" (counter %d)", d.Device.Counter)
		}
		fmt.Fprintf(w, "  %-13s %-8s %s%s\n", d.Device.Name, d.Device.Kind, d.Token, extra)
	}
	fmt.Fprintln(w)
}

// demoBases are the server's base URLs: the address it listens on (for
// every interface: localhost), then the LAN addresses when it listens on
// every interface.
func demoBases(addr net.Addr, lan []net.IP) []string {
	ta, ok := addr.(*net.TCPAddr)
	if !ok {
		return []string{"http://" + addr.String()}
	}
	port := strconv.Itoa(ta.Port)
	if !ta.IP.IsUnspecified() {
		return []string{"http://" + net.JoinHostPort(ta.IP.String(), port)}
	}
	out := []string{"http://localhost:" + port}
	for _, ip := range lan {
		out = append(out, "http://"+net.JoinHostPort(ip.String(), port))
	}
	return out
}

// lanAddrs are this machine's IPv4 addresses other than loopback.
func lanAddrs() []net.IP {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	var out []net.IP
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil && !n.IP.IsLinkLocalUnicast() {
			out = append(out, n.IP)
		}
	}
	return out
}

// newSimClock reads -sim-clock and -sim-speed.
func newSimClock(start string, speed float64) (*hall.SimClock, error) {
	if speed <= 0 || speed > 1000 {
		return nil, usagef("-sim-speed %g: want a factor above 0 and at most 1000", speed)
	}
	at := time.Now()
	if start != "now" {
		var err error
		if at, err = time.Parse(time.RFC3339, start); err != nil {
			return nil, usagef("-sim-clock %q: want an RFC 3339 time or \"now\"", start)
		}
	}
	return hall.NewSimClock(at, speed), nil
}

// openSlow is how long opening the database may take before the server
// asks systemd for more time, and how often it asks again.
var openSlow = 15 * time.Second

// extendStart asks systemd for more time to start every openSlow until
// done is closed.
func extendStart(done <-chan struct{}, logger *slog.Logger) {
	t := time.NewTicker(openSlow)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			logger.Info("opening the database: a migration is under way, it may take minutes")
			sdnotify.Status("opening the database: migrating")
			if err := sdnotify.ExtendTimeout(4 * openSlow); err != nil {
				logger.Warn("systemd", "err", err)
			}
		}
	}
}
