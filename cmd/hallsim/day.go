package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/hallq/hallq/simday"
	"github.com/hallq/hallq/simhall"
)

// profileFlags adds the day's shape to a flag set, starting from the
// standard day.
func profileFlags(fs *flag.FlagSet) func() (simday.Profile, error) {
	p := simday.StandardDay()
	fs.IntVar(&p.Arrivals, "arrivals", p.Arrivals, "visitors of the day")
	from := fs.String("from", "07:30", "first arrivals (local time)")
	to := fs.String("to", "16:30", "last arrivals (local time)")
	fs.Float64Var(&p.MorningShare, "morning", p.MorningShare, "share of the arrivals before noon")
	fs.Float64Var(&p.PriorityShare, "priority", p.PriorityShare, "share of priority visitors")
	fs.DurationVar(&p.ServiceMean, "service-mean", p.ServiceMean, "mean service time (log-normal)")
	fs.DurationVar(&p.ServiceSD, "service-sd", p.ServiceSD, "standard deviation of the service time")
	fs.Float64Var(&p.NoShowShare, "no-show", p.NoShowShare, "share of visitors gone when called")
	fs.Float64Var(&p.TransferShare, "transfer", p.TransferShare, "share of visitors sent on to another service")
	fs.Float64Var(&p.RateShare, "rate", p.RateShare, "share of served visitors who press a rating")
	ratings := fs.String("ratings", "70,25,5", "chances of each score, best first (comma-separated)")
	shares := fs.String("services", "", "service shares CODE:SHARE,... (default: the demo hall's counter plan, A twice the others)")
	fs.Uint64Var(&p.Seed, "seed", p.Seed, "random seed")
	return func() (simday.Profile, error) {
		var err error
		if p.First, err = clockFlag("-from", *from); err != nil {
			return p, err
		}
		if p.Last, err = clockFlag("-to", *to); err != nil {
			return p, err
		}
		p.Ratings = nil
		for _, f := range strings.Split(*ratings, ",") {
			v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
			if err != nil || v < 0 {
				return p, fmt.Errorf("-ratings: %q is not a share", f)
			}
			p.Ratings = append(p.Ratings, v)
		}
		if *shares != "" {
			p.Services = nil
			for _, item := range strings.Split(*shares, ",") {
				code, v, ok := strings.Cut(item, ":")
				share, err := strconv.ParseFloat(v, 64)
				if !ok || err != nil || share < 0 {
					return p, fmt.Errorf("-services: want CODE:SHARE, not %q", item)
				}
				p.Services = append(p.Services, simday.Share{Service: code, Share: share})
			}
		}
		return p, p.Validate()
	}
}

func clockFlag(name, s string) (int, error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, fmt.Errorf("%s: want HH:MM, not %q", name, s)
	}
	return t.Hour()*60 + t.Minute(), nil
}

func runDay(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("hallsim day", flag.ContinueOnError)
	fs.SetOutput(stderr)
	profile := profileFlags(fs)
	virtual := fs.Bool("virtual", false, "play the day on the queue engine in virtual time (no server; instant and reproducible)")
	booked := fs.Float64("booked", 0.2, "with -virtual: share of the arrivals who booked a slot, compared with the same day without bookings (0: none)")
	foresight := fs.Bool("foresight", true, "with -virtual: tell the engine the day's expected arrivals and each service's usual occupancy on three past days, as a hall server tells it from its history")
	seeds := fs.String("seeds", "", "with -virtual: play the day with each of these seeds (1-8 or 1,3,5) and print the estimate's figures per seed (without bookings unless -booked is given)")
	speed := fs.Float64("speed", 10, "how many times faster than real time (1 for real time)")
	hours := fs.Float64("hours", 0, "end the day this many hours after the counters open (0: when the queue is empty)")
	days := fs.Int("days", 1, "days played one after another on the same server (memory over days)")
	displays := fs.Int("displays", 10, "hall screens following the event stream")
	url := fs.String("url", "", "a running demo hall server started with -sim-clock (default: start one)")
	dir := fs.String("dir", "", "keep the started server's database in DIR")
	date := fs.String("date", "", "the day played, YYYY-MM-DD (default: tomorrow; -virtual: "+simhall.StandardDate.Format(time.DateOnly)+")")
	soak := fs.Bool("soak", false, "fail unless the server's goroutines and memory at the end are within 10 % of the first hour's")
	serverLog := fs.String("server-log", "", "write the started server's log to FILE")
	quiet := fs.Bool("q", false, "no progress lines")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	p, err := profile()
	if err != nil || fs.NArg() > 0 {
		if err == nil {
			err = fmt.Errorf("unexpected argument %q", fs.Arg(0))
		}
		fmt.Fprintf(stderr, "hallsim day: %v\n", err)
		return 2
	}
	if *booked < 0 || *booked >= 1 {
		fmt.Fprintf(stderr, "hallsim day: -booked: want a share from 0 to below 1, not %g\n", *booked)
		return 2
	}
	if !*virtual && flagSet(fs, "booked") && *booked > 0 {
		fmt.Fprintln(stderr, "hallsim day: -booked needs -virtual (the live day issues walk-in tickets only)")
		return 2
	}
	day := time.Now().AddDate(0, 0, 1)
	if *virtual {
		day = simhall.StandardDate
	}
	if *date != "" {
		if day, err = time.Parse(time.DateOnly, *date); err != nil {
			fmt.Fprintf(stderr, "hallsim day: -date: want YYYY-MM-DD, not %q\n", *date)
			return 2
		}
	}
	if *seeds != "" {
		list, err := seedList(*seeds)
		if err != nil || !*virtual {
			if err == nil {
				err = errors.New("-seeds needs -virtual")
			}
			fmt.Fprintf(stderr, "hallsim day: %v\n", err)
			return 2
		}
		if !flagSet(fs, "booked") {
			*booked = 0 // the standard day
		}
		return virtualSeeds(ctx, p, day, list, *booked, foresightOf(*foresight), stdout, stderr)
	}
	if *virtual {
		return virtualDay(ctx, p, day, *booked, foresightOf(*foresight), stdout, stderr)
	}
	cfg := simhall.LiveConfig{Profile: p, Date: day, Speed: *speed, Hours: *hours, Days: *days, Displays: *displays,
		URL: *url, Command: serverCommand(), Dir: *dir}
	if !*quiet {
		cfg.Progress = stderr
	}
	return liveDay(ctx, cfg, *serverLog, *soak, stdout, stderr)
}

// liveDay plays the day on a hall server (cfg.URL, or one it starts) and
// prints its report: exit 1 when a display missed or repeated a call, or
// with soak when the server grew.
func liveDay(ctx context.Context, cfg simhall.LiveConfig, serverLog string, soak bool, stdout, stderr io.Writer) int {
	closeLog, err := openServerLog(serverLog, &cfg.ServerLog)
	if err != nil {
		fmt.Fprintf(stderr, "hallsim day: %v\n", err)
		return 1
	}
	defer closeLog()
	rep, err := simhall.RunLive(ctx, cfg)
	if rep != nil {
		rep.Print(stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "hallsim day: %v\n", err)
		return 1
	}
	code := 0
	if rep.Missed > 0 || rep.Dupes > 0 {
		code = 1
	}
	if soak && !soakHeld(rep, stdout, stderr) {
		code = 1
	}
	return code
}

// soakHeld prints the server's goroutines and memory at the end of the
// day against the first hour's and says whether they stayed within 10 %.
func soakHeld(rep *simhall.LiveReport, stdout, stderr io.Writer) bool {
	base, last, g, m, ok := rep.Soak()
	if !ok {
		fmt.Fprintln(stderr, "hallsim day -soak: too few samples")
		return false
	}
	fmt.Fprintf(stdout, "  soak: goroutines %d at %s → %d at %s (%+.1f %%), RSS %.1f → %.1f MB (%+.1f %%)\n",
		base.Goroutines, base.At.Format("15:04"), last.Goroutines, last.At.Format("15:04"), 100*g,
		float64(base.RSS)/(1<<20), float64(last.RSS)/(1<<20), 100*m)
	if base.RSSAnon > 0 && last.RSSAnon > 0 {
		fmt.Fprintf(stdout, "  soak: of which anonymous (heap, stacks, SQLite) %.1f → %.1f MB (%+.1f %%), files (the binary's pages) %.1f → %.1f MB\n",
			float64(base.RSSAnon)/(1<<20), float64(last.RSSAnon)/(1<<20), 100*float64(last.RSSAnon-base.RSSAnon)/float64(base.RSSAnon),
			float64(base.RSSFile)/(1<<20), float64(last.RSSFile)/(1<<20))
	}
	if g > 0.10 || m > 0.10 {
		fmt.Fprintln(stdout, "  soak: FAILED (more than 10 % growth)")
		return false
	}
	return true
}

// virtualDay plays the day on the engine in virtual time; with a booked
// share, also the same day without bookings, to compare.
func virtualDay(ctx context.Context, p simday.Profile, day time.Time, booked float64, fs simhall.Foresight, stdout, stderr io.Writer) int {
	p.BookedShare = booked
	var b *simhall.Booked
	var acc simhall.Accuracy
	var res *simday.Result
	var err error
	if booked > 0 {
		b, acc, res, err = simhall.RunBooked(ctx, p, day, fs)
	} else {
		acc, res, err = simhall.RunVirtualWith(ctx, p, day, fs)
	}
	if err != nil {
		fmt.Fprintf(stderr, "hallsim day: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "hallsim day -virtual (seed %d, %s): %v\n  last event %s\n", p.Seed, day.Format(time.DateOnly), res, res.Ended.Format("15:04"))
	fmt.Fprintf(stdout, "  estimated wait, all:      %v\n  estimated wait, normal:   %v\n  estimated wait, priority: %v\n", acc, *acc.Normal, *acc.Priority)
	if b != nil {
		fmt.Fprintf(stdout, "  estimated wait, walk-ins: %v\n  estimated wait, booked:   %v\n", *acc.Walkins, *acc.Booked)
		b.Print(stdout)
	}
	return 0
}

// flagSet reports whether the command line set the named flag.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// seedList parses "1-8" or "1,3,5".
func seedList(s string) ([]uint64, error) {
	var out []uint64
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, err1 := strconv.ParseUint(lo, 10, 64)
		b, err2 := a, error(nil)
		if isRange {
			b, err2 = strconv.ParseUint(hi, 10, 64)
		}
		if err1 != nil || err2 != nil || b < a || b-a >= 1000 {
			return nil, fmt.Errorf("-seeds: want seeds like 1-8 or 1,3,5, not %q", s)
		}
		for x := a; x <= b; x++ {
			out = append(out, x)
		}
	}
	return out, nil
}

// virtualSeeds plays the day once per seed and prints, per seed, how the
// estimate printed on tickets did: MAE and bias as shares of the mean
// wait, and the priority tickets' MAE as a share of theirs; with a booked
// share, the walk-ins' figures (neither priority nor booked), and their
// mean wait against the prediction of issue 19.
func virtualSeeds(ctx context.Context, p simday.Profile, day time.Time, seeds []uint64, booked float64, fs simhall.Foresight, stdout, stderr io.Writer) int {
	p.BookedShare = booked
	what := "without bookings"
	if booked > 0 {
		what = fmt.Sprintf("%.0f %% booked; MAE, bias and mean wait are the walk-ins'", 100*booked)
	}
	fmt.Fprintf(stdout, "hallsim day -virtual, %s, %s: estimated wait printed on tickets against first call − issue\n", day.Format(time.DateOnly), what)
	fmt.Fprintf(stdout, "%6s %8s %10s %9s %9s %10s %9s %14s %9s", "seed", "tickets", "mean wait", "MAE", "MAE %", "bias", "bias %", "prio mean wait", "prio MAE %")
	if booked > 0 {
		fmt.Fprintf(stdout, " %12s %12s %9s", "walk-ins", "predicted", "over")
	}
	fmt.Fprintln(stdout)
	for _, seed := range seeds {
		p.Seed = seed
		var b *simhall.Booked
		var acc simhall.Accuracy
		var err error
		if booked > 0 {
			b, acc, _, err = simhall.RunBooked(ctx, p, day, fs)
		} else {
			acc, _, err = simhall.RunVirtualWith(ctx, p, day, fs)
		}
		if err != nil {
			fmt.Fprintf(stderr, "hallsim day: seed %d: %v\n", seed, err)
			return 1
		}
		a := acc
		if b != nil {
			a = *acc.Walkins
		}
		fmt.Fprintf(stdout, "%6d %8d %10v %9v %8.1f%% %10v %+8.1f%% %14v %8.1f%%", seed, a.N, a.MeanWait, a.MAE,
			100*a.Ratio(), a.Bias, 100*a.BiasRatio(), acc.Priority.MeanWait, 100*acc.Priority.Ratio())
		if b != nil {
			fmt.Fprintf(stdout, " %12v %12v %+8.1f%%", b.Walkins.Mean, b.Predicted(), 100*(b.Walkins.Mean.Seconds()/b.Predicted().Seconds()-1))
		}
		fmt.Fprintln(stdout)
	}
	return 0
}

// foresightOf is what -foresight tells a virtual hall's engine.
func foresightOf(on bool) simhall.Foresight {
	if on {
		return simhall.DefaultForesight
	}
	return simhall.Foresight{}
}
