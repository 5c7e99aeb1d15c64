// Package cli is the kiosk command: flags, config, and the wiring of real
// or simulated hardware to package kiosk. cmd/kiosk is a thin main around
// Main, so the whole command runs in-process in tests.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/hallq/hallq/internal/cmdline"
	"github.com/hallq/hallq/internal/gpioinit"
	"github.com/hallq/hallq/internal/version"
	"github.com/hallq/hallq/kiosk"
	"github.com/hallq/hallq/kiosk/config"
	"github.com/hallq/hallq/kiosk/outbox"
	"github.com/hallq/hallq/kiosk/sim"
	"github.com/hallq/hallq/printer/transport"
)

// Version is the release; the release script sets internal/version.Version.
var Version = version.Version

// Env is the command's outside world.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Ready, if set, is called with the sim control address once the kiosk runs.
	Ready func(simAddr string)
}

type flags struct {
	cmdline.Flags
	sim, simKeys      bool
	simListen, simOut string
}

// Main runs the kiosk command with args (without the program name) until
// ctx ends, and returns the exit code.
func Main(ctx context.Context, args []string, env Env) int {
	fs := flag.NewFlagSet("kiosk", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	var f flags
	f.Register(fs, "/etc/hallq/kiosk.toml", "the hall server's URL, overriding [server] url",
		"directory of the outbox, overriding [kiosk] state_dir")
	fs.BoolVar(&f.sim, "sim", false, "simulate the hardware: fake GPIO pins pressed from the keyboard or -sim-listen, a QR scanner (#CODE on the keyboard, POST /scan/CODE), tickets saved as PNG in -sim-out")
	fs.BoolVar(&f.simKeys, "sim-keys", true, "with -sim, press buttons with keys typed on stdin (a key then Enter)")
	fs.StringVar(&f.simListen, "sim-listen", "127.0.0.1:8090", "with -sim, the control endpoint: POST /press/NAME, POST /paper/out|in, POST /scan/CODE, GET /state")
	fs.StringVar(&f.simOut, "sim-out", "kiosk-tickets", "with -sim, where tickets are saved as PNG")
	if code, done := f.Parse(fs, args, env.Stdout); done {
		return code
	}
	cfg, err := config.Load(f.Config)
	if err != nil {
		fmt.Fprintln(env.Stderr, err)
		return cmdline.ExitUsage
	}
	f.Override(&cfg.ServerURL, &cfg.StateDir)
	if f.CheckConfig {
		fmt.Fprintf(env.Stdout, "%s: OK\n", f.Config)
		if len(cfg.Buttons) > 0 || cfg.Touch.Enabled {
			// What the printer will be sent, overrides included.
			fmt.Fprintf(env.Stdout, "printer: %s (%s)\n", cfg.Printer.Profile, cfg.Printer.Device)
		}
		return cmdline.ExitOK
	}
	return f.Run("kiosk", env.Stderr, func(logger *slog.Logger) error { return run(ctx, cfg, f, env, logger) })
}

func run(ctx context.Context, cfg *config.Config, f flags, env Env, logger *slog.Logger) error {
	layout, fonts, err := kiosk.NewLayout(cfg.Printer, cfg.Footer)
	if err != nil {
		return err
	}
	opt := transport.Options{WriteTimeout: cfg.Printer.WriteTimeout, ReadTimeout: cfg.Printer.ReadTimeout}
	var dial func() (transport.Conn, error)
	var gpio *gpioinit.Report
	var board *sim.Board
	var simPrinter *sim.Printer
	var simScanner *sim.Scanner
	var scan func() (io.ReadCloser, error)
	if f.sim {
		if board, err = sim.NewBoard(cfg); err != nil {
			return err
		}
		defer board.Close()
		if simPrinter, err = sim.NewPrinter(f.simOut, cfg.Printer.Profile.Width, fonts, logger); err != nil {
			return err
		}
		defer simPrinter.Close()
		simPrinter.Pages = layout.Profile().Pages()
		dial = func() (transport.Conn, error) { return simPrinter.Conn(opt), nil }
		if len(cfg.Buttons) > 0 || cfg.Touch.Enabled {
			// A kiosk that prints tickets gets a QR scanner, [scanner] or not.
			simScanner = &sim.Scanner{}
			scan = simScanner.Open
		}
	} else {
		if gpio, err = gpioinit.Init(); err != nil {
			return fmt.Errorf("GPIO: %w", err)
		}
		logger.Info("GPIO drivers", "drivers", gpio.Summary())
		dial = func() (transport.Conn, error) { return transport.Open(cfg.Printer.Device, opt) }
	}
	if err := os.MkdirAll(cfg.StateDir, 0o750); err != nil {
		return fmt.Errorf("state directory: %w", err)
	}
	ob, err := outbox.Open(ctx, filepath.Join(cfg.StateDir, "outbox.db"))
	if err != nil {
		return err
	}
	defer ob.Close()
	k, err := kiosk.New(cfg, kiosk.Deps{Dial: dial, Layout: layout, Outbox: ob, Logger: logger, Version: Version, Console: env.Stdout, Scanner: scan})
	var pe *kiosk.PinError
	if errors.As(err, &pe) && gpio != nil {
		return fmt.Errorf("%w; likely cause: %s", err, gpio.Cause(pe.Name))
	}
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- k.Run(ctx) }()
	select {
	case <-k.Ready():
	case err := <-done:
		return err
	}
	logger.Info("kiosk running", "server", cfg.ServerURL, "version", Version, "sim", f.sim, "touch", k.TouchURL())
	// The watchdog is fed only while the kiosk's workers make progress.
	defer cmdline.NotifySystemd(ctx, k.Healthy, logger)()
	if f.sim {
		addr, stop, err := serveSim(ctx, f.simListen, board, simPrinter, simScanner, k)
		if err != nil {
			cancel()
			<-done
			return err
		}
		defer stop()
		fmt.Fprintf(env.Stdout, "simulated kiosk: tickets go to %s; control on http://%s/\n", f.simOut, addr)
		board.WriteHelp(env.Stdout)
		if env.Ready != nil {
			env.Ready(addr)
		}
		if f.simKeys && env.Stdin != nil {
			go func() {
				sim.Keyboard(ctx, env.Stdin, env.Stdout, board, simScanner)
				if ctx.Err() == nil {
					logger.Info("keyboard closed; the control endpoint keeps running")
				}
			}()
		}
	}
	return <-done
}

// serveSim serves the simulator's control endpoint.
func serveSim(ctx context.Context, listen string, b *sim.Board, p *sim.Printer, sc *sim.Scanner, k *kiosk.Kiosk) (string, func(), error) {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return "", nil, fmt.Errorf("sim control: %w", err)
	}
	srv := &http.Server{Handler: sim.Handler(b, p, sc, func() any { return k.State() }), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	stop := func() {
		sctx, c := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer c()
		srv.Shutdown(sctx)
	}
	return ln.Addr().String(), stop, nil
}
