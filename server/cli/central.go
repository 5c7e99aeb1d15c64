package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/hallq/hallq/central"
	"github.com/hallq/hallq/server"
)

// serveCentral serves the central store's reports (hallserver -central).
func serveCentral(ctx context.Context, addr, dsn string, env Env, logger *slog.Logger) error {
	if !central.IsDSN(dsn) {
		return usagef("-central needs -db postgres://USER@HOST/DB (the central store), not %q", dsn)
	}
	db, err := central.Open(ctx, dsn, central.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	srv := server.NewCentral(db, logger)
	srv.Version = Version
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	serveErr := make(chan error, 1)
	go func() {
		if err := hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
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

// openCentral opens the central store for the user commands.
func openCentral(ctx context.Context, dsn string) (*central.DB, error) {
	db, err := central.Open(ctx, dsn, central.Options{MaxConns: 2})
	if err != nil {
		return nil, fmt.Errorf("the central store: %w", err)
	}
	return db, nil
}
