// Package cli is the hallserver command: it serves a hall, and is the
// installer's tool for backups, staff accounts and device tokens. What the
// tool changes takes effect in a server that is already running, since both
// go through the same database.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/internal/version"
)

// Env is what a run of the command talks to; tests pass their own.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Ready, if set, is called with the listening address once serving.
	Ready func(addr string)
}

// Version is the release this binary came from. Releases set it through
// internal/version (see scripts/release.sh); it is kept here for readers of
// this package.
var Version = version.Version

// buildTime is the earliest plausible clock reading: the build time the
// release recorded (internal/version), else the project's own start.
func buildTime() time.Time {
	if t := version.Time(); !t.IsZero() {
		return t
	}
	// Not built from a checkout (go test): the project's own start.
	return time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
}

const usage = `usage:
  hallserver [-addr :8080] [-db ./hallq.db] [-config hall.toml | -demo]   serve a hall
             [-central-dsn postgres://… -hall-id ID]                       … shipping its log to the central store
  hallserver -central -db postgres://USER@HOST/DB [-addr :8080]             serve the reports across halls
  hallserver central migrate|add-hall|add-city-server|halls|new-epoch -db postgres://OWNER@HOST/DB …
                                                                            the central store's administration (docs/CENTRAL.md)
  hallserver user add -db postgres://… -username U -role manager|admin [-replace]   a staff account of the central store
  hallserver watch [-url http://localhost:8080] [-token T] [-since N]      print the event stream, a JSON message a line
  hallserver backup -db FILE -o COPY                                        consistent copy of a running hall's database
  hallserver user add -db FILE -username U -role officer|manager|admin [-replace]   password read as one line from stdin
  hallserver user list -db FILE
  hallserver device add -db FILE -kind kiosk|display|pad -name NAME [-counter N]   prints the token
  hallserver device list -db FILE
  hallserver device revoke -db FILE NAME
  hallserver -version
`

// Main runs the command with args (without the program name) and returns
// the process exit code: 0 done, 1 failed, 2 bad usage or a bad config
// (the units do not restart on 2: RestartPreventExitStatus=2).
func Main(ctx context.Context, args []string, env Env) int {
	logger := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	var err error
	switch {
	case len(args) > 0 && args[0] == "watch":
		err = watch(ctx, args[1:], env)
	case len(args) > 0 && args[0] == "backup":
		err = backup(ctx, args[1:], env)
	case len(args) > 0 && args[0] == "central":
		err = centralCmd(ctx, args[1:], env)
	case len(args) > 1 && args[0] == "user" && args[1] == "add":
		err = userAdd(ctx, args[2:], env)
	case len(args) > 1 && args[0] == "user" && args[1] == "list":
		err = userList(ctx, args[2:], env)
	case len(args) > 1 && args[0] == "device" && args[1] == "add":
		err = deviceAdd(ctx, args[2:], env)
	case len(args) > 1 && args[0] == "device" && args[1] == "list":
		err = deviceList(ctx, args[2:], env)
	case len(args) > 1 && args[0] == "device" && args[1] == "revoke":
		err = deviceRevoke(ctx, args[2:], env)
	case len(args) > 0 && (args[0] == "user" || args[0] == "device" || args[0] == "help"):
		fmt.Fprint(env.Stderr, usage)
		return 2
	default:
		err = serve(ctx, args, env, logger)
	}
	if err == nil {
		return 0
	}
	var fe flagError
	if errors.As(err, &fe) {
		return 2 // the flag package has said what is wrong, and listed the flags
	}
	var ce configError
	if errors.As(err, &ce) {
		fmt.Fprintf(env.Stderr, "hallserver: %v\n", ce.err)
		return 2 // the same config fails the same way: not worth a restart
	}
	var ue usageError
	if errors.As(err, &ue) || errors.Is(err, flag.ErrHelp) {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(env.Stderr, "hallserver: %v\n", err)
		}
		fmt.Fprint(env.Stderr, usage)
		return 2
	}
	var he *hallq.Error
	if errors.As(err, &he) {
		fmt.Fprintf(env.Stderr, "hallserver: %s\n", he.Message)
	} else {
		fmt.Fprintf(env.Stderr, "hallserver: %v\n", err)
	}
	return 1
}

// configError is a config file with a mistake: exit 2, like bad usage.
type configError struct{ err error }

func (e configError) Error() string { return e.err.Error() }
func (e configError) Unwrap() error { return e.err }

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// flagError is a flag the flag package refused; it has already reported it.
type flagError struct{ error }

// parseFlags parses args, making a bad flag a usage error (exit 2).
func parseFlags(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		return flagError{err}
	}
	return err
}

func newFlags(name string, env Env) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	return fs
}
