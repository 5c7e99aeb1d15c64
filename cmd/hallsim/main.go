// Command hallsim simulates a hall: a day of citizens, officers, pads and
// displays against a hall server (day), a year of history in a database
// (seed), the forecast and staffing plan against that history
// (forecast-backtest), the server under load (load) and under faults
// (faults). See
// hallsim SUBCOMMAND -h, docs/BENCHMARKS.md and docs/RELIABILITY.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hallq/hallq/internal/version"
	"github.com/hallq/hallq/loadgen"
	"github.com/hallq/hallq/server/cli"
	"github.com/hallq/hallq/simhall"
)

const usage = `usage:
  hallsim day [-speed N] [-displays N] [-hours H] [-seed S] [-arrivals N] ... [-url http://127.0.0.1:PORT]
               a simulated hall day against a hall server in simulation mode (one is started unless -url)
  hallsim day -virtual [-seed S | -seeds 1-8] [-booked 0.2] ...  the same day on the queue engine in virtual time (estimated-wait
               figures; with a booked share, its booked citizens' waits and the walk-ins' against the day without bookings)
  hallsim seed -db FILE [-days 365] [-tickets-per-day N] [-flat]    fill an empty hall database with history
  hallsim forecast-backtest [-db FILE] [-weeks 8] [-plan=false]    forecast each of the last weeks' days from the days before it
  hallsim load [-spawn [-server-bin FILE] | -url http://127.0.0.1:PORT -kiosk-token T -officers U:P@N,...]
               [-clients N | -issue-rate R] [-call-rate R] [-subscribers N] [-duration D]
  hallsim faults [-short] [-displays N]  kill -9, cut displays, pads while down, paper out; prints the loss table
  hallsim -version
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "-version", "--version", "version":
		fmt.Fprintf(stdout, "hallsim %s\n", version.Version)
		return 0
	case hallserverCmd:
		// hallsim starts itself as the hall server it simulates against,
		// so that it needs no other binary.
		return cli.Main(ctx, args[1:], cli.Env{Stdin: os.Stdin, Stdout: stdout, Stderr: stderr})
	case "day":
		return runDay(ctx, args[1:], stdout, stderr)
	case "seed":
		return runSeed(ctx, args[1:], stdout, stderr)
	case "forecast-backtest":
		return runBacktest(ctx, args[1:], stdout, stderr)
	case "faults":
		return runFaults(ctx, args[1:], stdout, stderr)
	case "load":
		return runLoad(ctx, args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprint(stderr, usage)
	return 2
}

// hallserverCmd is the hidden subcommand that makes hallsim a hallserver.
const hallserverCmd = "internal-hallserver"

// serverCommand starts this binary as a hall server.
func serverCommand() func(args ...string) *exec.Cmd {
	return simhall.SelfCommand(nil, hallserverCmd)
}

func runLoad(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, serverLog, err := loadFlags(args, stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stderr, "hallsim: %v\n", err)
		}
		return 2
	}
	closeLog, err := openServerLog(*serverLog, &cfg.ServerLog)
	if err != nil {
		fmt.Fprintf(stderr, "hallsim: %v\n", err)
		return 1
	}
	defer closeLog()
	rep, err := loadgen.Run(ctx, cfg)
	if rep != nil {
		rep.Print(stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "hallsim: %v\n", err)
		return 1
	}
	if rep.Failed() > 0 || rep.Delivery.Missed > 0 || rep.Delivery.OutOfOrder > 0 {
		return 1
	}
	return 0
}

func loadFlags(args []string, stderr io.Writer) (loadgen.Config, *string, error) {
	fs := flag.NewFlagSet("hallsim load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg loadgen.Config
	fs.BoolVar(&cfg.Spawn, "spawn", false, "start a hallserver on a temporary database")
	fs.StringVar(&cfg.ServerBin, "server-bin", "", "hallserver binary for -spawn (default: go build ./cmd/hallserver)")
	serverLog := fs.String("server-log", "", "write the spawned server's log to FILE")
	fs.IntVar(&cfg.Counters, "counters", 6, "counters of the spawned hall")
	fs.StringVar(&cfg.URL, "url", "", "a running hall server on this machine, http://127.0.0.1:PORT")
	fs.StringVar(&cfg.KioskToken, "kiosk-token", "demo-kiosk-1", "kiosk device token (with -url)")
	officers := fs.String("officers", "canbo1:demo-canbo@1,canbo2:demo-canbo@2,canbo3:demo-canbo@3,canbo4:demo-canbo@4,canbo5:demo-canbo@5,canbo6:demo-canbo@6",
		"officers USER:PASSWORD@COUNTER, comma-separated (with -url)")
	fs.IntVar(&cfg.ServerPID, "server-pid", 0, "the -url server's process id, to read its memory from /proc")
	fs.StringVar(&cfg.DBDir, "db-dir", "", "directory of the -url server's database, for the fsync probe")
	fs.DurationVar(&cfg.FsyncProbe, "fsync-probe", 2*time.Second, "how long to measure the raw fsync rate")
	fs.IntVar(&cfg.Clients, "clients", 0, "issue closed-loop with N clients (overrides -issue-rate)")
	fs.Float64Var(&cfg.IssueRate, "issue-rate", 0, "issue tickets at R per second on a fixed schedule")
	services := fs.String("services", "A,B,C,D,E", "services to issue in, round-robin")
	fs.IntVar(&cfg.Prefill, "prefill", 0, "tickets to issue before the run, for calls to find")
	fs.Float64Var(&cfg.CallRate, "call-rate", 0, "calls per second over all counters (finish, then next)")
	fs.IntVar(&cfg.Subscribers, "subscribers", 0, "websocket subscribers to /api/v1/stream")
	fs.StringVar(&cfg.SubscriberToken, "subscriber-token", "", "device token the subscribers send (default: none, as public screens)")
	fs.DurationVar(&cfg.Duration, "duration", 10*time.Second, "how long to run (at most 10m)")
	quiet := fs.Bool("q", false, "no progress lines")
	if err := fs.Parse(args); err != nil {
		return cfg, serverLog, err
	}
	if fs.NArg() > 0 {
		return cfg, serverLog, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if cfg.Spawn == (cfg.URL != "") {
		return cfg, serverLog, errors.New("give -spawn or -url, one of them")
	}
	if cfg.Duration <= 0 || cfg.Duration > 10*time.Minute {
		return cfg, serverLog, fmt.Errorf("-duration must be between 0 and 10m, not %v", cfg.Duration)
	}
	cfg.Services = strings.Split(*services, ",")
	if !cfg.Spawn {
		var err error
		if cfg.Officers, err = parseOfficers(*officers); err != nil {
			return cfg, serverLog, err
		}
	}
	if !*quiet {
		cfg.Progress = stderr
	}
	return cfg, serverLog, nil
}

// parseOfficers reads USER:PASSWORD@COUNTER,...
func parseOfficers(s string) ([]loadgen.Officer, error) {
	var out []loadgen.Officer
	for _, item := range strings.Split(s, ",") {
		if item == "" {
			continue
		}
		cred, counter, ok1 := strings.Cut(item, "@")
		user, pw, ok2 := strings.Cut(cred, ":")
		n, err := strconv.Atoi(counter)
		if !ok1 || !ok2 || err != nil || n <= 0 {
			return nil, fmt.Errorf("-officers: want USER:PASSWORD@COUNTER, not %q", item)
		}
		out = append(out, loadgen.Officer{Username: user, Password: pw, Counter: n})
	}
	return out, nil
}

// openServerLog creates the -server-log file, if one was named, and points
// *dst at it; the returned func closes it.
func openServerLog(path string, dst *io.Writer) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	*dst = f
	return func() { f.Close() }, nil
}
