// Package cmdline is what the device commands (kiosk, display) share on
// their command line: the flags every one takes, what parsing them means
// for the exit code, the logger at -log-level, and the word to systemd, so
// that an installer meets the same options and exit codes on each device.
package cmdline

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/hallq/hallq/internal/sdnotify"
	"github.com/hallq/hallq/internal/version"
)

// Exit codes: 0 done, 1 failed while running, 2 bad flags or config (a
// supervisor should not restart into the same mistake).
const (
	ExitOK     = 0
	ExitFailed = 1
	ExitUsage  = 2
)

// Flags are the options every device command takes.
type Flags struct {
	Config, Server, State, LogLevel string
	CheckConfig, Version            bool
}

// Register adds the common flags to fs: the config file's default path and
// what -server and -state override differ from device to device.
func (f *Flags) Register(fs *flag.FlagSet, defaultConfig, serverHelp, stateHelp string) {
	fs.StringVar(&f.Config, "config", defaultConfig, "the "+fs.Name()+"'s config file")
	fs.BoolVar(&f.CheckConfig, "check-config", false, "check -config FILE, naming file:line: key of every problem, and exit")
	fs.BoolVar(&f.Version, "version", false, "print the release and exit")
	fs.StringVar(&f.Server, "server", "", serverHelp)
	fs.StringVar(&f.State, "state", "", stateHelp)
	fs.StringVar(&f.LogLevel, "log-level", "info", "debug, info, warn or error")
}

// Parse parses args into fs. done says the command ends here, with code:
// -help (0), a bad flag (2, fs has said why), -version (0, printed to
// stdout as "NAME RELEASE").
func (f *Flags) Parse(fs *flag.FlagSet, args []string, stdout io.Writer) (code int, done bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK, true
		}
		return ExitUsage, true
	}
	if f.Version {
		fmt.Fprintf(stdout, "%s %s\n", fs.Name(), version.Version)
		return ExitOK, true
	}
	return 0, false
}

// Override sets the config's server URL and state directory from -server
// and -state, where given.
func (f *Flags) Override(server, state *string) {
	if f.Server != "" {
		*server = f.Server
	}
	if f.State != "" {
		*state = f.State
	}
}

// Run runs the device with a text logger to stderr at -log-level, and
// returns the exit code: ExitUsage for a bad level, ExitFailed when run
// fails (logged as "NAME stopped"; ctx ending is no failure), else ExitOK.
func (f *Flags) Run(name string, stderr io.Writer, run func(*slog.Logger) error) int {
	var level slog.Level
	if err := level.UnmarshalText([]byte(f.LogLevel)); err != nil {
		fmt.Fprintf(stderr, "-log-level: %v\n", err)
		return ExitUsage
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	if err := run(logger); err != nil && !errors.Is(err, context.Canceled) {
		logger.Error(name+" stopped", "err", err)
		return ExitFailed
	}
	return ExitOK
}

// NotifySystemd tells systemd (Type=notify) the device is up and keeps
// its watchdog fed while healthy says so, until ctx ends; the func it
// returns says the device is stopping. All are no-ops outside systemd.
func NotifySystemd(ctx context.Context, healthy func(context.Context) error, logger *slog.Logger) (stopping func()) {
	sdnotify.Ready()
	go sdnotify.Watchdog(ctx, healthy, func(err error) { logger.Warn("watchdog", "err", err) })
	return func() { sdnotify.Stopping() }
}
