// Package loadgen puts load on a hall server and measures it: durable
// ticket issue (closed loop with N clients, or open loop at a fixed rate),
// officers calling at counters, websocket display subscribers, and the time
// from a call to its event on every display. It can start its own hall
// server as a subprocess, and then also reports that process's memory.
// cmd/hallsim's load subcommand is its command line.
package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/hallclient"
	"github.com/hallq/hallq/internal/serverproc"
)

// Config says what load to put on which server.
type Config struct {
	// URL of a running hall server (http://127.0.0.1:PORT), with a kiosk
	// token and officers; or Spawn, to start one.
	URL        string
	KioskToken string
	Officers   []Officer // one per counter used for calls
	// Spawn starts a hall server on a temporary database; ServerBin is its
	// binary ("" builds cmd/hallserver).
	Spawn     bool
	ServerBin string
	// ServerLog receives a spawned server's log.
	ServerLog io.Writer
	// Counters is how many counters a spawned hall has (and calls use).
	Counters int
	// ServerPID, when not spawning, is the server's process id, so that
	// its memory can be read from /proc.
	ServerPID int
	// DBDir is where the server's database lives, for the fsync probe
	// (spawned: its temporary directory). "" skips the probe.
	DBDir string
	// FsyncProbe is how long the fsync probe runs.
	FsyncProbe time.Duration

	// Clients > 0 issues tickets closed-loop with that many clients, each
	// sending the next request when the last is answered; otherwise
	// IssueRate tickets per second are started on a fixed schedule.
	Clients   int
	IssueRate float64
	// Services the tickets are issued in, round-robin.
	Services []string
	// Prefill tickets are issued before the measured run, so that calls
	// find someone waiting without issuing during the run.
	Prefill int
	// CallRate is calls per second over all counters (each call finishes
	// the counter's current ticket, then calls next).
	CallRate float64
	// Subscribers websocket clients follow /api/v1/stream, anonymously
	// (as public hall screens do) unless SubscriberToken is set.
	Subscribers     int
	SubscriberToken string
	// Duration of the measured run.
	Duration time.Duration
	// Progress, if set, receives a line per phase.
	Progress io.Writer
}

// Officer is a staff login that works one counter.
type Officer struct {
	Username, Password string
	Counter            int
}

// Report is what a run measured.
type Report struct {
	Target    string // the server's URL
	Spawned   bool
	IssueMode string // "closed loop, 32 clients" or "open loop, 200/s"
	Elapsed   time.Duration

	Issued          int     // tickets answered 201 during the run
	IssueThroughput float64 // Issued per second of the run
	Calls           []CallStats

	Subscribers int // subscribers that received their snapshot
	Dropped     int // closed by the server as too slow
	Lost        int // connections that ended otherwise during the run
	Delivery    Delivery

	// FsyncBefore and FsyncAfter are the raw write+fsync rates per second
	// in FsyncDir, probed just before and just after the run; 0 if not probed.
	FsyncBefore, FsyncAfter float64
	FsyncDir                string
	// FsyncCanary is how long a 512-byte write+fsync in FsyncDir took,
	// sampled every 10 ms during the run: the disk's own stalls.
	FsyncCanary Dist
	Memory      *serverproc.Memory // the server's, at the end of the run with subscribers connected
	// ServerCPU and ClientCPU are the CPU time the server (when its pid is
	// known) and this process used during the run.
	ServerCPU, ClientCPU time.Duration
	FileLimit            uint64 // this process's open-file soft limit
	// Pressure is how busy the machine was during the run.
	Pressure Pressure
}

// Delivery is how long a call took to reach the displays: from sending
// POST …/next to each subscriber reading the ticket.called event.
type Delivery struct {
	Calls  int  // calls answered 200 during the run
	Last   Dist // per call: until the last subscriber had it
	PerSub Dist // every (call, subscriber) pair
	// Spread is, per call, from the first subscriber having it to the
	// last: the fan-out alone, without the commit before it.
	Spread Dist
	Missed int // (call, subscriber) pairs never received
	// OutOfOrder counts events that did not follow the one before on
	// their connection (a gap, a repeat, one going back): every
	// subscriber must get every event once, in order.
	OutOfOrder int
	// Received is how many events the subscribers received in all (every
	// kind, not only calls): what the fan-out's CPU is divided by.
	Received int
}

// Failed is the number of failed requests of every kind.
func (r *Report) Failed() int {
	n := 0
	for _, c := range r.Calls {
		n += c.Failed
	}
	return n
}

// grace is how long subscribers keep reading after the run, for events of
// the last calls still on their way.
const grace = time.Second

// Run puts the load on the server and measures it. It returns when
// cfg.Duration has passed (plus set-up and grace), or ctx ends.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.Duration <= 0 {
		return nil, errors.New("loadgen: the duration must be positive")
	}
	if len(cfg.Services) == 0 {
		cfg.Services = []string{"A", "B", "C", "D", "E"}
	}
	rep := &Report{}
	var err error
	if rep.FileLimit, err = raiseFileLimit(); err != nil {
		return nil, fmt.Errorf("loadgen: raise the open-file limit: %w", err)
	}
	if cfg.Subscribers > 0 && rep.FileLimit > 0 && uint64(cfg.Subscribers)+64 > rep.FileLimit {
		return nil, fmt.Errorf("loadgen: %d subscribers need more open files than the limit of %d (ulimit -Hn)", cfg.Subscribers, rep.FileLimit)
	}

	pidForMemory := cfg.ServerPID
	if cfg.Spawn {
		progress(cfg, "starting hallserver on a temporary database")
		sp, err := Spawn(ctx, cfg.ServerBin, max(cfg.Counters, 1), cfg.ServerLog)
		if err != nil {
			return nil, err
		}
		defer sp.Stop()
		cfg.URL, cfg.KioskToken, cfg.Officers, cfg.DBDir = sp.URL, sp.KioskToken, sp.Officers, sp.Dir
		pidForMemory = sp.PID
		rep.Spawned = true
	}
	if err := checkLoopback(cfg.URL); err != nil {
		return nil, err
	}
	rep.Target = cfg.URL

	if err := rep.probeFsync(cfg, "before"); err != nil {
		return nil, err
	}

	l := newLoad(cfg)
	if err := l.setUp(ctx); err != nil {
		return nil, err
	}
	subs, err := connectSubscribers(ctx, cfg.URL, cfg.SubscriberToken, cfg.Subscribers)
	if err != nil {
		return nil, err
	}
	defer subs.close()
	rep.Subscribers = len(subs.list)

	progress(cfg, "running for %v", cfg.Duration)
	rep.measure(ctx, cfg, l, pidForMemory)

	// Let the last events arrive, then read the server's memory while the
	// subscribers are still connected.
	select {
	case <-time.After(grace):
	case <-ctx.Done():
	}
	if pidForMemory > 0 {
		if m, err := serverproc.ReadMemory(pidForMemory); err == nil {
			rep.Memory = &m
		}
	}
	subs.close()
	// Disks on shared machines drift: probe again and report both.
	if err := rep.probeFsync(cfg, "after"); err != nil {
		return nil, err
	}

	rep.tally(l, subs)
	return rep, ctx.Err()
}

// measure runs the load for cfg.Duration, with the fsync canary beside
// it when the database's directory is known, and reports the time, the
// machine's pressure and the CPU the server (pid, if > 0) and this
// process used meanwhile.
func (rep *Report) measure(ctx context.Context, cfg Config, l *load, pid int) {
	runCtx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	cpu0, cpuErr := serverproc.ReadCPU(pid)
	self0, _ := serverproc.ReadCPU(0)
	psiCPU0, psiIO0 := psiTotals()
	start := time.Now()
	var wg sync.WaitGroup
	var canary []time.Duration
	if cfg.DBDir != "" {
		wg.Add(1)
		go func() { defer wg.Done(); canary, _ = fsyncCanary(runCtx, cfg.DBDir) }()
	}
	wg.Add(2)
	go func() { defer wg.Done(); rep.IssueMode = l.issue(runCtx) }()
	go func() { defer wg.Done(); l.call(runCtx) }()
	wg.Wait()
	rep.Elapsed = time.Since(start)
	rep.FsyncCanary = Summarize(canary)
	rep.Pressure = pressureSince(psiCPU0, psiIO0, rep.Elapsed)
	if pid > 0 && cpuErr == nil {
		if cpu1, err := serverproc.ReadCPU(pid); err == nil {
			rep.ServerCPU = cpu1 - cpu0
		}
	}
	if self1, err := serverproc.ReadCPU(0); err == nil {
		rep.ClientCPU = self1 - self0
	}
}

// tally reports what the load did and what the subscribers received.
func (rep *Report) tally(l *load, subs *subscribers) {
	rep.Issued = int(l.issued.Load())
	rep.IssueThroughput = float64(rep.Issued) / rep.Elapsed.Seconds()
	for _, name := range callNames {
		st := l.rec[name].stats(name)
		if st.OK+st.Failed > 0 {
			rep.Calls = append(rep.Calls, st)
		}
	}
	rep.Dropped, rep.Lost = subs.dropped(), subs.lost()
	rep.Delivery = delivery(l.called, subs.list)
	rep.Delivery.OutOfOrder, rep.Delivery.Received = subs.outOfOrder(), subs.received()
}

// FsyncRate is the mean of the probes before and after the run.
func (r *Report) FsyncRate() float64 { return (r.FsyncBefore + r.FsyncAfter) / 2 }

func (r *Report) probeFsync(cfg Config, when string) error {
	if cfg.DBDir == "" {
		return nil
	}
	d := cfg.FsyncProbe
	if d <= 0 {
		d = 2 * time.Second
	}
	progress(cfg, "measuring the raw fsync rate in %s for %v (%s the run)", cfg.DBDir, d, when)
	rate, err := FsyncRate(cfg.DBDir, d)
	if err != nil {
		return err
	}
	r.FsyncDir = cfg.DBDir
	if when == "before" {
		r.FsyncBefore = rate
	} else {
		r.FsyncAfter = rate
	}
	return nil
}

func progress(cfg Config, format string, args ...any) {
	if cfg.Progress != nil {
		fmt.Fprintf(cfg.Progress, "hallsim: "+format+"\n", args...)
	}
}

// checkLoopback refuses any server but one on this machine: a load test
// is never pointed at a hall in use.
func checkLoopback(url string) error {
	rest, ok := strings.CutPrefix(url, "http://")
	if !ok {
		return fmt.Errorf("loadgen: -url must be http://127.0.0.1:PORT, not %q", url)
	}
	host, _, _ := strings.Cut(rest, "/")
	if !strings.HasPrefix(host, "127.0.0.1:") && !strings.HasPrefix(host, "localhost:") && !strings.HasPrefix(host, "[::1]:") {
		return fmt.Errorf("loadgen: only a server on this machine (127.0.0.1) may be loaded, not %q", host)
	}
	return nil
}

// delivery matches each call with each subscriber's receipt of its event.
func delivery(called map[string]time.Time, subs []*subscriber) Delivery {
	d := Delivery{Calls: len(called)}
	var last, per, spread []time.Duration
	for id, sent := range called {
		var worst time.Duration
		best := time.Duration(-1)
		complete := true
		for _, s := range subs {
			got, ok := s.got[id]
			if !ok {
				d.Missed++
				complete = false
				continue
			}
			lat := got.Sub(sent)
			per = append(per, lat)
			worst = max(worst, lat)
			if best < 0 || lat < best {
				best = lat
			}
		}
		if complete && len(subs) > 0 {
			last = append(last, worst)
			spread = append(spread, worst-best)
		}
	}
	d.Last, d.PerSub, d.Spread = Summarize(last), Summarize(per), Summarize(spread)
	return d
}

// requestTimeout bounds one API request.
const requestTimeout = 30 * time.Second

// API calls measured, in report order.
var callNames = []string{"login", "open", "issue", "next", "finish"}

// load issues tickets and calls them.
type load struct {
	cfg    Config
	api    *hallclient.Client
	rec    map[string]*recorder
	runID  string
	seq    atomic.Int64
	issued atomic.Int64

	mu     sync.Mutex
	called map[string]time.Time // ticket id → when its next was sent
	tokens map[int]string       // counter → officer's token
}

func newLoad(cfg Config) *load {
	l := &load{cfg: cfg, api: hallclient.NewPool(cfg.URL, requestTimeout, 2*max(cfg.Clients, 64)), rec: map[string]*recorder{},
		runID: fmt.Sprintf("hallsim-%d", time.Now().UnixNano()), called: map[string]time.Time{}, tokens: map[int]string{}}
	for _, n := range callNames {
		l.rec[n] = &recorder{}
	}
	return l
}

// setUp signs the officers in, opens their counters, and issues the prefill.
func (l *load) setUp(ctx context.Context) error {
	if l.cfg.CallRate > 0 {
		progress(l.cfg, "signing in %d officers and opening their counters", len(l.cfg.Officers))
		if len(l.cfg.Officers) == 0 {
			return errors.New("loadgen: calls need officers (-officers)")
		}
		for _, o := range l.cfg.Officers {
			tok, err := l.login(ctx, o)
			if err != nil {
				return err
			}
			l.tokens[o.Counter] = tok
			if err := l.timed("open", func() error {
				_, err := l.api.SetCounter(ctx, tok, o.Counter, hallclient.CounterOpen)
				return err
			}); err != nil {
				return fmt.Errorf("loadgen: open counter %d as %s: %w", o.Counter, o.Username, err)
			}
			// A counter left with a ticket by an earlier run starts free.
			l.api.Finish(ctx, tok, o.Counter)
		}
	}
	if l.cfg.Prefill > 0 {
		progress(l.cfg, "issuing %d tickets before the run", l.cfg.Prefill)
		for range l.cfg.Prefill {
			if _, err := l.api.Issue(ctx, l.cfg.KioskToken, l.issueRequest()); err != nil {
				return fmt.Errorf("loadgen: prefill: %w", err)
			}
		}
	}
	return nil
}

func (l *load) login(ctx context.Context, o Officer) (string, error) {
	var tok string
	err := l.timed("login", func() error {
		s, err := l.api.Login(ctx, o.Username, o.Password)
		if err == nil {
			tok = s.Token
		}
		return err
	})
	if err != nil {
		return "", fmt.Errorf("loadgen: sign in %s: %w", o.Username, err)
	}
	return tok, nil
}

// timed runs one request outside the measured load, recording it.
func (l *load) timed(name string, call func() error) error {
	start := time.Now()
	if err := call(); err != nil {
		l.rec[name].fail(errKey(err))
		return err
	}
	l.rec[name].ok(time.Since(start))
	return nil
}

func (l *load) issueRequest() hallq.TicketRequest {
	n := l.seq.Add(1)
	return hallq.TicketRequest{Service: l.cfg.Services[int(n)%len(l.cfg.Services)], IdempotencyKey: l.runID + "-" + strconv.FormatInt(n, 10)}
}

// issueOne issues a ticket and records its latency from start, which for
// the open loop is when the request was due, not when it went out. The
// answer is not decoded: this process shares the machine with the server
// it measures, and must not take its CPU.
func (l *load) issueOne(ctx context.Context, start time.Time) {
	err := l.api.IssueOnly(ctx, l.cfg.KioskToken, l.issueRequest())
	switch {
	case err != nil && ctx.Err() != nil:
		// Cut off by the end of the run: not a failure of the server.
	case err != nil:
		l.rec["issue"].fail(errKey(err))
	default:
		l.rec["issue"].ok(time.Since(start))
		l.issued.Add(1)
	}
}

// issue runs the issuing load until ctx ends and says which it ran.
func (l *load) issue(ctx context.Context) string {
	// Requests in flight at the end are finished on their own context
	// so they are not counted as failures.
	reqCtx := context.WithoutCancel(ctx)
	switch {
	case l.cfg.Clients > 0:
		var wg sync.WaitGroup
		for range l.cfg.Clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for ctx.Err() == nil {
					l.issueOne(reqCtx, time.Now())
				}
			}()
		}
		wg.Wait()
		return fmt.Sprintf("closed loop, %d clients", l.cfg.Clients)
	case l.cfg.IssueRate > 0:
		var wg sync.WaitGroup
		every(ctx, l.cfg.IssueRate, func(due time.Time) {
			wg.Add(1)
			go func() { defer wg.Done(); l.issueOne(reqCtx, due) }()
		})
		wg.Wait()
		return fmt.Sprintf("open loop, %g/s", l.cfg.IssueRate)
	}
	return "none"
}

// every calls fn at rate per second on a fixed schedule until ctx ends,
// passing the time each call was due. A late tick is not skipped: fn runs
// at once with its due time, so a stall shows in the latencies.
func every(ctx context.Context, rate float64, fn func(due time.Time)) {
	start := time.Now()
	step := time.Duration(float64(time.Second) / rate)
	t := time.NewTimer(0)
	defer t.Stop()
	for i := 0; ; i++ {
		due := start.Add(time.Duration(i) * step)
		t.Reset(time.Until(due))
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		fn(due)
	}
}

// call runs the calling load until ctx ends: one goroutine per counter,
// fed round-robin at the call rate; a call finishes the counter's ticket,
// if any, then calls next.
func (l *load) call(ctx context.Context) {
	if l.cfg.CallRate <= 0 || len(l.cfg.Officers) == 0 {
		return
	}
	reqCtx := context.WithoutCancel(ctx)
	var wg sync.WaitGroup
	queues := make([]chan time.Time, len(l.cfg.Officers))
	for i, o := range l.cfg.Officers {
		queues[i] = make(chan time.Time, 1024)
		wg.Add(1)
		go func() { defer wg.Done(); l.counter(reqCtx, o.Counter, queues[i]) }()
	}
	n := 0
	every(ctx, l.cfg.CallRate, func(due time.Time) {
		select {
		case queues[n%len(queues)] <- due:
		default: // that counter is 1024 calls behind: the server is stuck
			l.rec["next"].fail("counter busy")
		}
		n++
	})
	for _, q := range queues {
		close(q)
	}
	wg.Wait()
}

func (l *load) counter(ctx context.Context, id int, due <-chan time.Time) {
	tok := l.tokens[id]
	current := false
	for range due {
		if current {
			start := time.Now()
			if _, err := l.api.Finish(ctx, tok, id); err != nil {
				l.rec["finish"].fail(errKey(err))
			} else {
				l.rec["finish"].ok(time.Since(start))
			}
			current = false
		}
		sent := time.Now()
		// Of the ticket called only its id is decoded (see issueOne).
		called, err := l.api.NextID(ctx, tok, id)
		switch {
		case err != nil:
			l.rec["next"].fail(errKey(err))
		case called == "":
			l.rec["next"].noContent(time.Since(sent))
		default:
			l.rec["next"].ok(time.Since(sent))
			current = true
			l.mu.Lock()
			l.called[called] = sent
			l.mu.Unlock()
		}
	}
}

// errKey names a failure for the report: the server's code and reason, or
// that it was not reached.
func errKey(err error) string {
	var he *hallq.Error
	if errors.As(err, &he) {
		return "refused: " + strings.TrimSuffix(he.Code+" "+he.Reason, " ")
	}
	return "transport: " + err.Error()
}
