package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/hallq/hallq/forecast"
	"github.com/hallq/hallq/server"
	"github.com/hallq/hallq/server/sqlite"
	"github.com/hallq/hallq/simhall"
	"github.com/hallq/hallq/staffing"
)

func runBacktest(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("hallsim forecast-backtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbPath := fs.String("db", "", "a hall's SQLite database with its history (default: seed a temporary demo hall)")
	weeks := fs.Int("weeks", 8, "weeks forecast, each day from the days before it")
	endFlag := fs.String("end", "", "the day after the last one forecast, YYYY-MM-DD (default: the day after the history)")
	plan := fs.Bool("plan", true, "plan each day's counters and replay the day's citizens through the plan")
	reps := fs.Int("replications", 20, "days drawn from the forecast to check each plan on")
	dayShare := fs.Float64("day-share", 1, "share of the drawn days (that every counter could serve) on which a plan must keep 90 % within target")
	days := fs.Int("days", 365, "without -db: days of seeded history")
	perDay := fs.Int("tickets-per-day", defaultPerDay, "without -db: mean arrivals on a weekday")
	seed := fs.Uint64("seed", 1, "without -db: random seed of the history")
	historyEnd := fs.String("history-end", "", "without -db: the seeded history ends the day before, YYYY-MM-DD (default: today)")
	levelWeeks := fs.Float64("level-weeks", 0, "the forecast's level half-life in weeks (0: its default)")
	patternWeeks := fs.Float64("pattern-weeks", 0, "the half-life of its weekday, calendar and hour-of-day patterns in weeks (0: its default)")
	quiet := fs.Bool("q", false, "no line per day")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 || *weeks <= 0 || *weeks > 104 || *reps <= 0 || *reps > 100 || *days <= 0 || *days > 3660 || *perDay <= 0 || *perDay > 100_000 {
		fmt.Fprintln(stderr, "hallsim forecast-backtest: want -weeks between 1 and 104, -replications between 1 and 100, -days between 1 and 3660, -tickets-per-day between 1 and 100000")
		return 2
	}
	var end, hend time.Time
	for _, f := range []struct {
		name, v string
		dst     *time.Time
	}{{"-end", *endFlag, &end}, {"-history-end", *historyEnd, &hend}} {
		if f.v == "" {
			continue
		}
		d, err := forecast.ParseDate(f.v)
		if err != nil {
			fmt.Fprintf(stderr, "hallsim forecast-backtest: %s: %v\n", f.name, err)
			return 2
		}
		*f.dst = d
	}
	cfg := simhall.BacktestConfig{Weeks: *weeks, End: end, Plan: *plan, PlanOptions: staffing.Options{Replications: *reps, DayShare: *dayShare},
		Forecast: forecast.Options{LevelHalfLife: time.Duration(*levelWeeks * float64(7*24*time.Hour)),
			PatternHalfLife: time.Duration(*patternWeeks * float64(7*24*time.Hour))}}
	if !*quiet {
		cfg.Progress = stderr
	}
	if hend.IsZero() {
		hend = time.Now()
	}
	db, expected, closeDB, err := backtestHistory(ctx, *dbPath, simhall.SeedConfig{Days: *days, End: hend, Seed: *seed}, float64(*perDay), stdout)
	if err != nil {
		fmt.Fprintf(stderr, "hallsim forecast-backtest: %v\n", err)
		return 1
	}
	defer closeDB()
	cfg.Expected = expected
	rep, err := simhall.Backtest(ctx, db, cfg)
	if rep != nil && rep.Days > 0 {
		rep.Print(stdout, 0.9)
	}
	if err != nil {
		fmt.Fprintf(stderr, "hallsim forecast-backtest: %v\n", err)
		return 1
	}
	return 0
}

// backtestHistory opens the hall database at path, or without one seeds
// the demo hall in a temporary one with seed's days at perDay arrivals a
// weekday and returns what the seeding expected of each day. The caller
// calls closeDB when done.
func backtestHistory(ctx context.Context, path string, seed simhall.SeedConfig, perDay float64, stdout io.Writer) (db *sqlite.DB, expected []forecast.Day, closeDB func(), err error) {
	dir := ""
	if path != "" {
		// A backtest reads a history; it never makes an empty database.
		if _, err := os.Stat(path); err != nil {
			return nil, nil, nil, fmt.Errorf("-db: %w", err)
		}
	} else {
		if dir, err = os.MkdirTemp("", "hallsim-backtest-"); err != nil {
			return nil, nil, nil, err
		}
		path = filepath.Join(dir, "hall.db")
	}
	closeDB = func() {
		if db != nil {
			db.Close()
		}
		if dir != "" {
			os.RemoveAll(dir)
		}
	}
	if db, err = sqlite.Open(ctx, path); err != nil {
		closeDB()
		return nil, nil, nil, err
	}
	if dir == "" {
		return db, nil, closeDB, nil
	}
	rep, err := seedRealistic(ctx, db, seed, perDay, nil)
	if err != nil {
		closeDB()
		return nil, nil, nil, err
	}
	fmt.Fprintf(stdout, "seeded the demo hall: %d days with tickets (%s to %s), %d tickets, in %v\n",
		rep.Days, rep.From, rep.To, rep.Tickets, rep.Took.Round(100*time.Millisecond))
	return db, rep.Expected, closeDB, nil
}

// seedRealistic sets up the demo hall in an empty database and seeds it
// with realistic demand.
func seedRealistic(ctx context.Context, db *sqlite.DB, cfg simhall.SeedConfig, perDay float64, progress io.Writer) (*simhall.SeedReport, error) {
	seeded, err := db.Seeded(ctx)
	if err != nil {
		return nil, err
	}
	if !seeded {
		if err := server.SeedDemo(ctx, db); err != nil {
			return nil, err
		}
	}
	d := simhall.RealisticDemand(perDay)
	cfg.Demand = &d
	cfg.Progress = progress
	return simhall.Seed(ctx, db, cfg)
}
