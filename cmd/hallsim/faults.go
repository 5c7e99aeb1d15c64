package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/hallq/hallq/simhall"
)

func runFaults(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("hallsim faults", flag.ContinueOnError)
	fs.SetOutput(stderr)
	short := fs.Bool("short", false, "the short scenario for CI (under a minute)")
	displays := fs.Int("displays", 0, "hall screens (default 8, 4 with -short)")
	seed := fs.Uint64("seed", 1, "random seed")
	serverLog := fs.String("server-log", "", "write the server's log to FILE")
	quiet := fs.Bool("q", false, "no progress lines")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "hallsim faults: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	cfg := simhall.FaultsConfig{Command: serverCommand(), Short: *short, Displays: *displays, Seed: *seed}
	if !*quiet {
		cfg.Progress = stderr
	}
	closeLog, err := openServerLog(*serverLog, &cfg.ServerLog)
	if err != nil {
		fmt.Fprintf(stderr, "hallsim faults: %v\n", err)
		return 1
	}
	defer closeLog()
	rep, err := simhall.RunFaults(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "hallsim faults: %v\n", err)
		return 1
	}
	rep.Print(stdout)
	if !rep.OK() {
		return 1
	}
	return 0
}
