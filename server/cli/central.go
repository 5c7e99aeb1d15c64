package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hallq/hallq/central"
	"github.com/hallq/hallq/server/city"
)

// serveCentral serves the central store's reports (hallserver -central).
func serveCentral(ctx context.Context, addr, dsn string, web *webFlags, env Env, logger *slog.Logger) error {
	if !central.IsDSN(dsn) {
		return usagef("-central needs -db postgres://USER@HOST/DB (the central store), not %q", dsn)
	}
	db, err := central.Open(ctx, dsn, central.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.CheckSchema(ctx); err != nil {
		return err
	}
	srv := city.New(db, logger)
	srv.Version = Version
	srv.TrustProxies(web.proxies)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv.Handler(), ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	serveErr := make(chan error, 1)
	go func() {
		if err := web.serve(hs, ln, logger); !errors.Is(err, http.ErrServerClosed) {
			serveErr <- err
		}
		close(serveErr)
	}()
	logger.Info("serving the central store", "addr", ln.Addr().String(), "version", Version)
	if env.Ready != nil {
		env.Ready(ln.Addr().String())
	}
	var runErr error
	select {
	case <-ctx.Done():
		logger.Info("shutting down")
	case runErr = <-serveErr:
	}
	srv.Close()
	sctx, cancel := context.WithTimeout(context.Background(), shutdownWait)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		logger.Warn("shutdown", "err", err)
	}
	<-serveErr
	return runErr
}

// openCentral opens the central store for the owner's commands.
func openCentral(ctx context.Context, dsn string) (*central.DB, error) {
	if dsn == "" {
		return nil, usagef("-db postgres://OWNER@HOST/DB is required (the central store, as the role that owns it)")
	}
	if !central.IsDSN(dsn) {
		return nil, usagef("-db must be the central store's postgres:// URL, not %q", dsn)
	}
	db, err := central.Open(ctx, dsn, central.Options{MaxConns: 2})
	if err != nil {
		return nil, err
	}
	if err := db.CheckSchema(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

const centralUsage = `usage (as the role that owns the central store; its password from ~/.pgpass, PGPASSFILE or PGPASSWORD):
  hallserver central migrate -db postgres://OWNER@HOST/DB                  make or upgrade the schema
  hallserver central add-hall -db … -hall-id ID [-role NAME] [-rotate]      a hall's own role: prints its password once
  hallserver central add-city-server -db … [-role NAME] [-rotate]           the city server's role: prints its password once
  hallserver central halls -db …                                            the halls, their last event and any divergence
  hallserver central new-epoch -db … -hall-id ID -after SEQ [-reason TEXT]  set aside the store's events of ID after SEQ
`

// centralCmd is hallserver central …: the city administrator's commands.
func centralCmd(ctx context.Context, args []string, env Env) error {
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, centralUsage)
		return usageError{"central: which command?"}
	}
	switch args[0] {
	case "migrate":
		return centralMigrate(ctx, args[1:], env)
	case "add-hall":
		return centralAddRole(ctx, args[1:], env, true)
	case "add-city-server":
		return centralAddRole(ctx, args[1:], env, false)
	case "halls":
		return centralHalls(ctx, args[1:], env)
	case "new-epoch":
		return centralNewEpoch(ctx, args[1:], env)
	}
	fmt.Fprint(env.Stderr, centralUsage)
	return usageError{fmt.Sprintf("central: no command %q", args[0])}
}

func centralMigrate(ctx context.Context, args []string, env Env) error {
	fs := newFlags("central migrate", env)
	dsn := fs.String("db", "", "the central store's postgres:// URL, as the role that owns the database")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if !central.IsDSN(*dsn) {
		return usagef("-db postgres://OWNER@HOST/DB is required (the central store, as the role that owns it)")
	}
	v, err := central.Migrate(ctx, *dsn)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "the central store's schema is at version %d\n", v)
	return nil
}

func centralAddRole(ctx context.Context, args []string, env Env, hall bool) error {
	name := "central add-city-server"
	if hall {
		name = "central add-hall"
	}
	fs := newFlags(name, env)
	dsn := fs.String("db", "", "the central store's postgres:// URL, as the role that owns the database")
	hallID := fs.String("hall-id", "", "the hall's id, e.g. nhatrang-loc-tho")
	role := fs.String("role", "", "the role's name (default: DB.hall.ID, or DB.city)")
	rotate := fs.Bool("rotate", false, "give the existing role a new password (the old one stops working at once)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if hall && *hallID == "" {
		return usagef("-hall-id is required")
	}
	if !hall && *hallID != "" {
		return usagef("-hall-id is for add-hall")
	}
	if *rotate && *role != "" {
		return usagef("-rotate gives the role the store knows a new password: leave -role out")
	}
	db, err := openCentral(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	var c central.Credential
	if hall {
		c, err = db.AddHall(ctx, *hallID, *role, *rotate)
	} else {
		c, err = db.AddCityServer(ctx, *role, *rotate)
	}
	if err != nil {
		return err
	}
	u, err := url.Parse(*dsn)
	if err != nil {
		return err
	}
	u.User = url.User(c.Role)
	database := strings.TrimPrefix(u.Path, "/")
	w := env.Stdout
	if hall {
		fmt.Fprintf(w, "Hall %s ships to the central store as role %s", c.Hall, c.Role)
	} else {
		fmt.Fprintf(w, "The city server reads the central store as role %s", c.Role)
	}
	if *rotate {
		fmt.Fprint(w, ", whose old password no longer works")
	}
	fmt.Fprintf(w, ".\nIts password is shown only this once. Put this line in the password file of the ")
	if hall {
		fmt.Fprint(w, "hall's server")
	} else {
		fmt.Fprint(w, "city server")
	}
	fmt.Fprintf(w, "\n(e.g. /etc/hallq/pgpass, mode 0600, owned by user hallq, and Environment=PGPASSFILE=/etc/hallq/pgpass in its unit):\n\n  %s\n\n",
		central.PasswordFileLine(database, c))
	if hall {
		fmt.Fprintf(w, "and start the hall's server with\n\n  -central-dsn '%s' -hall-id %s\n", u, c.Hall)
	} else {
		fmt.Fprintf(w, "and start the city server with\n\n  hallserver -central -db '%s'\n", u)
	}
	if h := u.Hostname(); h == "" || h == "localhost" || h == "127.0.0.1" || h == "::1" {
		fmt.Fprintf(w, "\n(with the central store's address as the %s reaches it in place of %q)\n", map[bool]string{true: "hall", false: "city server"}[hall], u.Host)
	}
	return nil
}

func centralHalls(ctx context.Context, args []string, env Env) error {
	fs := newFlags("central halls", env)
	dsn := fs.String("db", "", "the central store's postgres:// URL (the owner's or the city server's role)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	db, err := openCentral(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	halls, err := db.Halls(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "HALL\tNAME\tLAST EVENT\tSHIPPED AT\tDIVERGED")
	for _, h := range halls {
		shipped, div := "never", ""
		if !h.Shipped.IsZero() {
			shipped = h.Shipped.In(h.Loc).Format(time.RFC3339)
		}
		if d := h.Diverged; d != nil {
			div = fmt.Sprintf("after event %d (hall at %d), reported %s", d.After, d.Head, d.At.In(h.Loc).Format(time.RFC3339))
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", h.ID, h.Name(), h.LastSeq, shipped, div)
	}
	return tw.Flush()
}

func centralNewEpoch(ctx context.Context, args []string, env Env) error {
	fs := newFlags("central new-epoch", env)
	dsn := fs.String("db", "", "the central store's postgres:// URL, as the role that owns the database")
	hallID := fs.String("hall-id", "", "the hall whose history parted from the store's")
	after := fs.Int64("after", -1, "the last event both histories share (the hall's status names it)")
	reason := fs.String("reason", "", "why, for the record (e.g. restored from the backup of 2 November)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *hallID == "" || *after < 0 {
		return usagef("-hall-id and -after are required")
	}
	db, err := openCentral(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	e, err := db.NewEpoch(ctx, *hallID, *after, *reason)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "hall %s: epoch %d begins after event %d; the store's events %d to %d (%d) are set aside in forked_events "+
		"as epoch %d and left the reports; the hall ships its own history from event %d\n",
		e.Hall, e.Epoch, e.After, e.After+1, e.Through, e.SetAside, e.Epoch-1, e.After+1)
	return nil
}
