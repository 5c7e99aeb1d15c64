package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/hallq/hallq/server"
	"github.com/hallq/hallq/server/sqlite"
	"github.com/hallq/hallq/simhall"
)

// defaultPerDay is the seeded hall's mean arrivals on a weekday: a ward's
// one-stop desk that its six counters can serve within target when they
// are opened at the right hours.
const defaultPerDay = 120

func runSeed(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("hallsim seed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbPath := fs.String("db", "", "the hall's SQLite database (created with the demo hall if missing or empty)")
	days := fs.Int("days", 365, "days of history, up to yesterday")
	perDay := fs.Int("tickets-per-day", defaultPerDay, "mean arrivals on a weekday (Monday–Friday); with -flat, on every weekday")
	flat := fs.Bool("flat", false, "the same number every weekday, Saturdays half, Sundays none (no weekday, month, holiday effects, trend or noise)")
	seed := fs.Uint64("seed", 1, "random seed")
	quiet := fs.Bool("q", false, "no progress lines")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *dbPath == "" || fs.NArg() > 0 || *days <= 0 || *days > 3660 || *perDay < 0 || *perDay > 100_000 {
		fmt.Fprintln(stderr, "hallsim seed: want -db FILE, -days between 1 and 3660, -tickets-per-day between 0 and 100000")
		return 2
	}
	db, err := sqlite.Open(ctx, *dbPath)
	if err != nil {
		fmt.Fprintf(stderr, "hallsim seed: %v\n", err)
		return 1
	}
	defer db.Close()
	seeded, err := db.Seeded(ctx)
	if err == nil && !seeded {
		err = server.SeedDemo(ctx, db)
		if err == nil {
			fmt.Fprintf(stderr, "%s: demo hall set up\n", *dbPath)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "hallsim seed: %v\n", err)
		return 1
	}
	cfg := simhall.SeedConfig{Days: *days, TicketsPerDay: *perDay, Seed: *seed}
	if !*flat {
		d := simhall.RealisticDemand(float64(*perDay))
		cfg.Demand = &d
	}
	if !*quiet {
		cfg.Progress = stderr
	}
	rep, err := simhall.Seed(ctx, db, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "hallsim seed: %v\n", err)
		if errors.Is(err, simhall.ErrHasHistory) {
			return 2
		}
		return 1
	}
	fmt.Fprintf(stdout, "%s: %d days with tickets (%s to %s): %d tickets, %d ratings, %d events in %v\n",
		*dbPath, rep.Days, rep.From, rep.To, rep.Tickets, rep.Ratings, rep.Events, rep.Took.Round(100_000_000))
	return 0
}
