package simhall

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/internal/serverproc"
	"github.com/hallq/hallq/simday"
)

// LiveConfig sets up a simulated day against a live hall server.
type LiveConfig struct {
	Profile simday.Profile
	// Date is the day played (its local midnight is taken).
	Date time.Time
	// Speed is how many times faster than real time the day runs.
	Speed float64
	// Hours, if set, ends the day that long after the counters open.
	Hours float64
	// Days plays that many days one after another (default 1); the
	// figures but the memory samples are the first day's.
	Days int
	// Displays is the number of hall screens following the stream.
	Displays int
	// URL is a running demo hall server in simulation mode; "" starts
	// one with Command on a database in Dir (a temporary one if "").
	URL     string
	Command func(args ...string) *exec.Cmd
	Dir     string
	// Sample is how often (virtual time) the server's goroutines and
	// memory are read from /metrics; 0 for every virtual hour.
	Sample time.Duration
	// Progress and ServerLog, if set, receive progress lines and the
	// spawned server's log.
	Progress, ServerLog io.Writer
}

// Sample is a reading of the server's /metrics.
type Sample struct {
	At         time.Time // virtual
	Real       time.Duration
	Goroutines int
	RSS        int64
	HeapInuse  int64
	// RSSAnon and RSSFile split RSS (from /proc) when hallsim started the
	// server itself; 0 otherwise.
	RSSAnon, RSSFile int64
	Issued           int
}

// LiveReport is what a live day gave.
type LiveReport struct {
	Result   *simday.Result
	Accuracy Accuracy
	// Events is the length of the server's log; Missed and Dupes sum the
	// calls that displays lack or got twice, from their own logs.
	Events, Calls int
	Displays      int
	Missed, Dupes int
	Samples       []Sample
	Speed         float64
	Real          time.Duration
	DB            string
}

// RunLive plays a day against a live hall server.
func RunLive(ctx context.Context, cfg LiveConfig) (*LiveReport, error) {
	if cfg.Speed <= 0 {
		cfg.Speed = 1
	}
	if cfg.Sample <= 0 {
		cfg.Sample = time.Hour
	}
	l := &live{cfg: cfg, rep: &LiveReport{Speed: cfg.Speed, Displays: cfg.Displays}, url: cfg.URL}
	if l.url == "" {
		stop, err := l.startServer(ctx)
		if err != nil {
			return nil, err
		}
		defer stop()
	}
	l.h = NewAPIHall(l.url)
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		return nil, err
	}
	date := simday.LocalMidnight(cfg.Date, loc)
	start := date.Add(time.Duration(cfg.Profile.CountersOpen-1) * time.Minute)
	if err := l.h.SetClock(ctx, start, cfg.Speed); err != nil {
		return nil, err
	}
	l.logf("clock set to %s at %g×", start.Format(time.RFC3339), cfg.Speed)

	dctx, stopDisplays := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() { stopDisplays(); wg.Wait() }()
	for range cfg.Displays {
		d := NewDisplay(l.url, "")
		l.ds = append(l.ds, d)
		wg.Go(func() { d.Run(dctx) })
	}
	for _, d := range l.ds {
		for !d.Connected() && ctx.Err() == nil {
			time.Sleep(10 * time.Millisecond)
		}
	}

	l.realStart = time.Now()
	l.sample(ctx)
	wg.Go(func() { l.sampleEvery(dctx, time.Duration(float64(cfg.Sample)/cfg.Speed)) })
	if err := l.playDays(ctx, date); err != nil {
		return l.rep, err
	}
	l.rep.Real = time.Since(l.realStart)
	return l.rep, l.figures(ctx, date)
}

// live is one RunLive.
type live struct {
	cfg LiveConfig
	rep *LiveReport
	url string
	pid int // the server's, when this run started it
	h   *APIHall
	ds  []*Display

	realStart time.Time
	mu        sync.Mutex
	issued    int // tickets the day has issued so far, for the samples
}

func (l *live) logf(format string, args ...any) {
	if l.cfg.Progress != nil {
		fmt.Fprintf(l.cfg.Progress, format+"\n", args...)
	}
}

// startServer starts a demo hall server in simulation mode on a database
// in cfg.Dir (a temporary directory when ""); stop stops it and removes a
// temporary directory.
func (l *live) startServer(ctx context.Context) (stop func(), err error) {
	dir, cleanup := l.cfg.Dir, func() {}
	if dir == "" {
		d, err := os.MkdirTemp("", "hallsim-day-")
		if err != nil {
			return nil, err
		}
		dir, cleanup = d, func() { os.RemoveAll(d) }
	}
	srv := &Server{Command: l.cfg.Command, DB: filepath.Join(dir, "hall.db"), Extra: []string{"-sim-clock", "now"}, Log: l.cfg.ServerLog}
	if err := srv.Start(ctx); err != nil {
		cleanup()
		return nil, err
	}
	l.url, l.pid = srv.URL, srv.PID()
	if l.cfg.Dir != "" {
		l.rep.DB = srv.DB
	}
	l.logf("hall server %s (pid %d), database %s", l.url, l.pid, srv.DB)
	return func() { srv.Stop(); cleanup() }, nil
}

// sample reads the server's /metrics (and, for a server this run
// started, its memory from /proc) into the report.
func (l *live) sample(ctx context.Context) {
	m, err := ReadMetrics(ctx, l.url)
	if err != nil {
		l.logf("metrics: %v", err)
		return
	}
	l.mu.Lock()
	issued := l.issued
	s := Sample{At: l.h.Now(), Real: time.Since(l.realStart), Goroutines: m.Goroutines, RSS: m.RSS, HeapInuse: m.HeapInuse, Issued: issued}
	if l.pid > 0 {
		if m, err := serverproc.ReadMemory(l.pid); err == nil {
			s.RSSAnon, s.RSSFile = m.Anon, m.File
		}
	}
	l.rep.Samples = append(l.rep.Samples, s)
	l.mu.Unlock()
	l.logf("%s  goroutines %d  RSS %.1f MB (anonymous %.1f, files %.1f)  Go heap in use %.1f MB", s.At.Format("15:04"), m.Goroutines,
		mb(m.RSS), mb(s.RSSAnon), mb(s.RSSFile), mb(m.HeapInuse))
}

// sampleEvery samples every (real) interval until ctx ends.
func (l *live) sampleEvery(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			l.sample(ctx)
		}
	}
}

// playDays plays cfg.Days days from date, sampling after each; the
// report's Result is the first day's.
func (l *live) playDays(ctx context.Context, date time.Time) error {
	for d := range max(l.cfg.Days, 1) {
		dayDate := date.AddDate(0, 0, d)
		if d > 0 {
			// The next morning: the server's calendar closes the day before.
			if err := l.h.SetClock(ctx, dayDate.Add(time.Duration(l.cfg.Profile.CountersOpen-1)*time.Minute), l.cfg.Speed); err != nil {
				return err
			}
			l.logf("day %d: %s", d+1, dayDate.Format(time.DateOnly))
		}
		p := l.cfg.Profile
		p.Seed += uint64(d)
		day := &simday.Day{Hall: l.h, Profile: &p, Counters: DemoCounters(), Date: dayDate}
		if l.cfg.Hours > 0 {
			day.Until = dayDate.Add(time.Duration(p.CountersOpen)*time.Minute + time.Duration(l.cfg.Hours*float64(time.Hour)))
		}
		day.Progress = func(v *simday.Visitor, r *simday.Result) {
			l.mu.Lock()
			l.issued = r.Issued // a copy: the day goes on writing r
			l.mu.Unlock()
			if v.N%100 == 0 {
				l.logf("%s  %d visitors: %v", l.h.Now().Format("15:04"), v.N, r)
			}
		}
		r, err := day.Run(ctx)
		if d == 0 {
			l.rep.Result = r
		}
		if err != nil {
			return err
		}
		l.sample(ctx)
	}
	return nil
}

// figures reads the server's event log and the displays' own logs into
// the report: calls, calls the displays missed or got twice, and the
// accuracy of the first day's estimates.
func (l *live) figures(ctx context.Context, date time.Time) error {
	mgr, err := l.h.C.Login(ctx, DemoManager, DemoManagerPass)
	if err != nil {
		return err
	}
	evs, err := l.h.C.AllEvents(ctx, mgr.Token, 0)
	if err != nil {
		return err
	}
	rep := l.rep
	rep.Events = len(evs)
	if len(evs) > 0 {
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := WaitCaughtUp(wctx, l.ds, evs[len(evs)-1].Seq)
		cancel()
		if err != nil {
			l.logf("displays did not all catch up: %v", err)
		}
	}
	for _, ev := range evs {
		if ev.Type == hallq.EventTicketCalled {
			rep.Calls++
		}
	}
	for _, d := range l.ds {
		m, dup := d.Missed(evs)
		rep.Missed += m
		rep.Dupes += dup
	}
	rep.Accuracy = MeasureAccuracy(TicketsFromLog(evs, date.Format(time.DateOnly)))
	return nil
}

// TicketsFromLog rebuilds the day's tickets from the event log: each as
// issued (with its printed estimate) and its first call.
func TicketsFromLog(evs []hallq.Event, day string) []hallq.Ticket {
	byID := map[string]*hallq.Ticket{}
	var order []string
	for _, ev := range evs {
		if ev.Ticket == nil || ev.Ticket.Day != day {
			continue
		}
		switch ev.Type {
		case hallq.EventTicketIssued:
			t := ev.Ticket.Clone()
			byID[t.ID] = t
			order = append(order, t.ID)
		case hallq.EventTicketCalled:
			if t := byID[ev.Ticket.ID]; t != nil && t.CalledAt == nil && ev.Ticket.CalledAt != nil {
				t.CalledAt = new(*ev.Ticket.CalledAt)
			}
		}
	}
	out := make([]hallq.Ticket, 0, len(order))
	for _, id := range order {
		out = append(out, *byID[id])
	}
	return out
}

// Print writes the report.
func (r *LiveReport) Print(w io.Writer) {
	fmt.Fprintf(w, "hallsim day at %g×: %v\n", r.Speed, r.Result)
	if r.Result != nil {
		fmt.Fprintf(w, "  virtual %s–%s, real %v\n", r.Result.Started.Format("15:04"), r.Result.Ended.Format("15:04"), r.Real.Round(time.Second))
		for op, n := range r.Result.Errors {
			fmt.Fprintf(w, "  errors in %s: %d (first: %s)\n", op, n, r.Result.FirstError[op])
		}
	}
	fmt.Fprintf(w, "  event log: %d events, %d calls; %d displays: %d calls missed, %d events received twice (from each display's own log)\n",
		r.Events, r.Calls, r.Displays, r.Missed, r.Dupes)
	fmt.Fprintf(w, "  estimated wait: %v\n", r.Accuracy)
	if len(r.Samples) > 0 {
		fmt.Fprintf(w, "  %-6s %9s %11s %9s %10s %9s %12s %8s\n", "time", "real", "goroutines", "RSS MB", "anon MB", "files MB", "Go heap MB", "issued")
		for _, s := range r.Samples {
			fmt.Fprintf(w, "  %-6s %9v %11d %9.1f %10.1f %9.1f %12.1f %8d\n", s.At.Format("15:04"), s.Real.Round(time.Second), s.Goroutines,
				mb(s.RSS), mb(s.RSSAnon), mb(s.RSSFile), mb(s.HeapInuse), s.Issued)
		}
	}
}

func mb(n int64) float64 { return float64(n) / (1 << 20) }

// Soak compares the last sample with the first hour's (the sample an hour
// of virtual time after the first, or the first): the growth of
// goroutines and memory, as fractions.
func (r *LiveReport) Soak() (base, last Sample, goroutines, rss float64, ok bool) {
	if len(r.Samples) < 2 {
		return
	}
	base = r.Samples[0]
	for _, s := range r.Samples {
		if s.At.Sub(r.Samples[0].At) >= time.Hour {
			base = s
			break
		}
	}
	last = r.Samples[len(r.Samples)-1]
	goroutines = float64(last.Goroutines-base.Goroutines) / float64(base.Goroutines)
	rss = float64(last.RSS-base.RSS) / float64(base.RSS)
	return base, last, goroutines, rss, true
}
