package simhall

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // the server's database is read directly

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/hallclient"
	"github.com/hallq/hallq/internal/pause"
	"github.com/hallq/hallq/printer/printertest"
	"github.com/hallq/hallq/printer/raster"
)

// FaultsConfig sets up a faults run.
type FaultsConfig struct {
	// Command starts hallserver with the given arguments.
	Command func(args ...string) *exec.Cmd
	// Dir holds the server's database and the kiosk's state; "" for a
	// temporary directory removed at the end.
	Dir string
	// Short is the CI variant: fewer rounds, shorter phases.
	Short bool
	// Displays is the number of hall screens (default 8, 4 when Short).
	Displays int
	// Fonts for the kiosk's ticket layout; nil loads the default font.
	Fonts *raster.Fonts
	// Progress, if set, receives a line per step; ServerLog the server's log.
	Progress, ServerLog io.Writer
	Seed                uint64
}

// FaultsReport is the result of a faults run. The figures come from the
// server's database (read directly after the last restart) and from each
// display's own log of what it received.
type FaultsReport struct {
	Acknowledged      int // tickets whose issue the server answered (201)
	FoundAfterRestart int // of those, in the database after the last kill -9
	GivenTwice        int // numbers given to two tickets on a day
	CallsMissed       int // calls in the log that a display lacks, summed over displays
	RatingsLost       int // pad presses with no rating in the database
	RatingsDuplicated int // presses recorded more than once
	GhostsCalled      int // tickets cancelled for print_failed that were called

	// What was done.
	Kills, Restarts, Cuts, Presses, PressesWhileDown, PrintFailed, Calls, Displays int
	// IdleWhilePrinting is how many times an idle counter asked for the
	// next ticket between the press whose print fails and the kiosk's
	// report of the failure.
	IdleWhilePrinting int
	DisplayDupes      int
	Duration          time.Duration
	// Ghosts describes each ghost ticket found.
	Ghosts []string
}

// OK reports whether every loss figure is 0 (and something was acknowledged).
func (r *FaultsReport) OK() bool {
	return r.Acknowledged > 0 && r.FoundAfterRestart == r.Acknowledged && r.GivenTwice == 0 && r.CallsMissed == 0 &&
		r.RatingsLost == 0 && r.RatingsDuplicated == 0 && r.GhostsCalled == 0
}

// Print writes the table.
func (r *FaultsReport) Print(w io.Writer) {
	fmt.Fprintf(w, "hallsim faults: %d kill -9 and restarts, %d display cuts, %d pad presses (%d while the server was down), %d print failures (idle counters asked for the next ticket %d times while it printed), %d calls, %d displays, %v\n\n",
		r.Kills, r.Cuts, r.Presses, r.PressesWhileDown, r.PrintFailed, r.IdleWhilePrinting, r.Calls, r.Displays, r.Duration.Round(time.Second))
	row := func(name string, v int, want string) {
		fmt.Fprintf(w, "  %-32s %7d   %s\n", name, v, want)
	}
	fmt.Fprintf(w, "  %-32s %7s   %s\n", "figure", "value", "must be")
	row("tickets acknowledged", r.Acknowledged, "")
	row("found after restart", r.FoundAfterRestart, fmt.Sprintf("%d (all)", r.Acknowledged))
	row("numbers given twice", r.GivenTwice, "0")
	row("calls missed by displays", r.CallsMissed, "0")
	row("ratings lost", r.RatingsLost, "0")
	row("ratings duplicated", r.RatingsDuplicated, "0")
	row("ghost tickets called", r.GhostsCalled, "0")
	for _, g := range r.Ghosts {
		fmt.Fprintf(w, "  ghost: %s\n", g)
	}
	if r.OK() {
		fmt.Fprintln(w, "\nok: nothing lost")
	} else {
		fmt.Fprintln(w, "\nFAILED: a loss figure is not 0")
	}
}

type ackTicket struct {
	id, day, service string
	number           int
}

// faults is one run's state.
type faults struct {
	cfg     FaultsConfig
	srv     *Server
	c       *hallclient.Client
	kiosk   *SimKiosk
	ds      []*Display
	rng     *rand.Rand
	rngMu   sync.Mutex
	down    atomic.Bool
	logf    func(format string, args ...any)
	ackMu   sync.Mutex
	acked   []ackTicket
	presses atomic.Int64
	pressMu sync.Mutex
	calls   atomic.Int64
	// printing is set while the ticket whose paper runs out prints;
	// idleWhilePrinting counts the officers' "next" answered with nobody
	// to call meanwhile: each was a chance to call a ghost.
	printing          atomic.Bool
	idleWhilePrinting atomic.Int64
}

// RunFaults runs the scripted faults against a demo hall server it starts
// itself and prints nothing; see FaultsReport.
func RunFaults(ctx context.Context, cfg FaultsConfig) (rep *FaultsReport, err error) {
	start := time.Now()
	if cfg.Dir == "" {
		dir, err := os.MkdirTemp("", "hallsim-faults-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		cfg.Dir = dir
	}
	if cfg.Displays <= 0 {
		cfg.Displays = 8
		if cfg.Short {
			cfg.Displays = 4
		}
	}
	if cfg.Fonts == nil {
		if cfg.Fonts, err = raster.LoadDefault(); err != nil {
			return nil, fmt.Errorf("simhall: the kiosk's fonts: %w", err)
		}
	}
	f := &faults{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, 8))}
	f.logf = func(format string, args ...any) {
		if cfg.Progress != nil {
			fmt.Fprintf(cfg.Progress, "%6.1fs  %s\n", time.Since(start).Seconds(), fmt.Sprintf(format, args...))
		}
	}
	f.srv = &Server{Command: cfg.Command, DB: filepath.Join(cfg.Dir, "hall.db"), Log: cfg.ServerLog}
	if err := f.srv.Start(ctx); err != nil {
		return nil, err
	}
	defer f.srv.Stop()
	f.c = hallclient.NewPool(f.srv.URL, requestTimeout, 64)
	f.logf("hall server on %s, database %s", f.srv.URL, f.srv.DB)

	rep = &FaultsReport{Displays: cfg.Displays}
	if err := f.run(ctx, rep); err != nil {
		return rep, fmt.Errorf("%w\nserver log:\n%s", err, f.srv.Tail())
	}
	rep.Duration = time.Since(start)
	return rep, nil
}

func (f *faults) intn(n int) int {
	f.rngMu.Lock()
	defer f.rngMu.Unlock()
	return f.rng.IntN(n)
}

func (f *faults) run(ctx context.Context, rep *FaultsReport) error {
	phase, rounds := 3*time.Second, 3
	if f.cfg.Short {
		phase, rounds = 1500*time.Millisecond, 2
	}
	tokens, err := f.openCounters(ctx)
	if err != nil {
		return err
	}
	// Displays, each with its own log.
	dctx, stopDisplays := context.WithCancel(ctx)
	var dwg sync.WaitGroup
	defer func() { stopDisplays(); dwg.Wait() }()
	for range f.cfg.Displays {
		d := NewDisplay(f.srv.URL, "")
		f.ds = append(f.ds, d)
		dwg.Go(func() { d.Run(dctx) })
	}
	// The kiosk, with its printer and its rating outbox.
	k, err := StartKiosk(ctx, f.srv.URL, filepath.Join(f.cfg.Dir, "kiosk"), f.cfg.Fonts, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	f.kiosk = k
	defer k.Stop()

	stopLoad := f.startLoad(ctx, tokens)
	defer stopLoad()
	if err := f.sleep(ctx, phase); err != nil {
		return err
	}
	if err := f.killsAndCuts(ctx, rep, rounds, phase); err != nil {
		return err
	}
	if err := f.padsWhileDown(ctx, rep, phase); err != nil {
		return err
	}
	if err := f.paperOut(ctx, phase); err != nil {
		return err
	}
	stopLoad()
	f.logf("load stopped; waiting for the kiosk's outbox and the displays")
	if err := f.settle(ctx); err != nil {
		return err
	}
	// A last kill -9: what follows is read from what survived it.
	if err := f.restart(ctx, true); err != nil {
		return err
	}
	rep.Kills++
	rep.Restarts++
	if err := f.settle(ctx); err != nil {
		return err
	}
	rep.PrintFailed = f.kiosk.K.State().Failed
	rep.Presses = int(f.presses.Load())
	rep.Calls = int(f.calls.Load())
	rep.IdleWhilePrinting = int(f.idleWhilePrinting.Load())
	return f.measure(ctx, rep)
}

// openCounters signs the six officers in and opens their counters; it
// returns their tokens by counter.
func (f *faults) openCounters(ctx context.Context) (map[int]string, error) {
	tokens := map[int]string{}
	for n := 1; n <= 6; n++ {
		s, err := f.c.Login(ctx, fmt.Sprintf("canbo%d", n), DemoOfficerPass)
		if err != nil {
			return nil, err
		}
		if _, err := f.c.SetCounter(ctx, s.Token, n, hallclient.CounterOpen); err != nil {
			return nil, err
		}
		tokens[n] = s.Token
	}
	return tokens, nil
}

// startLoad starts two issuers, six officers, and the kiosk's buttons and
// pads; the function it returns stops them and waits (once).
func (f *faults) startLoad(ctx context.Context, tokens map[int]string) (stop func()) {
	lctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Go(func() { f.issuer(lctx, i) })
	}
	for n := 1; n <= 6; n++ {
		wg.Go(func() { f.officer(lctx, n, tokens[n]) })
	}
	wg.Go(func() { f.buttons(lctx) })
	return sync.OnceFunc(func() { cancel(); wg.Wait() })
}

// killsAndCuts kills -9 and restarts the server under load, then cuts
// every display's connection, rounds times.
func (f *faults) killsAndCuts(ctx context.Context, rep *FaultsReport, rounds int, phase time.Duration) error {
	for i := range rounds {
		f.logf("kill -9 the server under load (%d of %d)", i+1, rounds)
		if err := f.restart(ctx, true); err != nil {
			return err
		}
		rep.Kills++
		rep.Restarts++
		if err := f.sleep(ctx, phase/2); err != nil {
			return err
		}
		n := 0
		for _, d := range f.ds {
			n += d.Cut()
		}
		f.logf("cut %d display connections", n)
		rep.Cuts += n
		if err := f.sleep(ctx, phase/2); err != nil {
			return err
		}
	}
	return nil
}

// padsWhileDown stops the server, presses pads while it is down, and
// starts it again.
func (f *faults) padsWhileDown(ctx context.Context, rep *FaultsReport, phase time.Duration) error {
	f.logf("server stopped; pressing pads")
	f.down.Store(true)
	if err := f.srv.Stop(); err != nil {
		return err
	}
	presses := 12
	if f.cfg.Short {
		presses = 6
	}
	for i := range presses {
		f.press(fmt.Sprintf("pad%d-score%d", i%6+1, 3-i%3))
		rep.PressesWhileDown++
	}
	if err := f.sleep(ctx, phase/2); err != nil {
		return err
	}
	if err := f.srv.Start(ctx); err != nil {
		return err
	}
	f.down.Store(false)
	rep.Restarts++
	f.logf("server back")
	return f.sleep(ctx, phase/2)
}

// paperOut runs the printer out of paper as a ticket prints, waits for the
// kiosk to report the failure, and refills it.
func (f *faults) paperOut(ctx context.Context, phase time.Duration) error {
	f.logf("printer runs out of paper while printing")
	failedBefore := f.kiosk.K.State().Failed
	f.kiosk.RunOutOfPaperOnNextJob()
	f.printing.Store(true)
	f.press("A")
	deadline := time.Now().Add(time.Minute)
	for f.kiosk.K.State().Failed == failedBefore {
		if time.Now().After(deadline) {
			return errors.New("simhall: the kiosk did not report the failed print")
		}
		if err := f.sleep(ctx, 20*time.Millisecond); err != nil {
			return err
		}
	}
	f.printing.Store(false)
	f.kiosk.Printer.Clear(printertest.PaperOut)
	f.logf("paper refilled")
	return f.sleep(ctx, phase/2)
}

// sleep waits d, or until ctx ends.
func (f *faults) sleep(ctx context.Context, d time.Duration) error {
	if !pause.For(ctx, d) {
		return ctx.Err()
	}
	return nil
}

// restart kills (or stops) the server and starts it again on the same
// database and port.
func (f *faults) restart(ctx context.Context, kill bool) error {
	f.down.Store(true)
	defer f.down.Store(false)
	if kill {
		f.srv.Kill()
	} else if err := f.srv.Stop(); err != nil {
		return err
	}
	time.Sleep(100 * time.Millisecond)
	return f.srv.Start(ctx)
}

// settle waits until the kiosk has delivered everything and every display
// has every event.
func (f *faults) settle(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute) // bounds a hang only: a busy machine drains slowly
	defer cancel()
	for {
		n, err := f.kiosk.Pending(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("simhall: the kiosk's outbox still holds %d entries", n)
		case <-time.After(20 * time.Millisecond):
		}
	}
	mgr, err := f.c.Login(ctx, DemoManager, DemoManagerPass)
	if err != nil {
		return err
	}
	evs, err := f.c.AllEvents(ctx, mgr.Token, 0)
	if err != nil {
		return err
	}
	if len(evs) == 0 {
		return nil
	}
	if err := WaitCaughtUp(ctx, f.ds, evs[len(evs)-1].Seq); err != nil {
		return fmt.Errorf("simhall: displays did not catch up with seq %d: %w", evs[len(evs)-1].Seq, err)
	}
	return nil
}

// issuer issues tickets as a kiosk would: each request is retried with
// its idempotency key until the server answers, and a ticket counts as
// acknowledged only when the answer came.
func (f *faults) issuer(ctx context.Context, n int) {
	services := []string{"A", "B", "C", "D", "E"}
	for i := 0; ctx.Err() == nil; i++ {
		key := fmt.Sprintf("faults-%d-%d-%d", n, i, time.Now().UnixNano())
		f.issue(ctx, services[f.intn(len(services))], key)
		pause.For(ctx, time.Duration(40+f.intn(40))*time.Millisecond)
	}
}

// issue posts one ticket until the server answers.
func (f *faults) issue(ctx context.Context, svc, key string) error {
	for {
		t, err := f.c.Issue(ctx, DemoKioskToken, hallq.TicketRequest{Service: svc, IdempotencyKey: key})
		if err == nil {
			f.ackMu.Lock()
			f.acked = append(f.acked, ackTicket{t.ID, t.Day, t.Service, t.Number})
			f.ackMu.Unlock()
			return nil
		}
		if !hallclient.Transient(err) {
			return err // refused: not acknowledged, nothing to retry
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		pause.For(ctx, 30*time.Millisecond)
	}
}

// officer calls, serves briefly and finishes, faster than tickets come,
// so that counters are often idle and ask for the next ticket every
// officerPoll: the condition in which a counter could call a ticket between
// its issue and the kiosk's print-failure cancel (a ghost), had the kiosk's
// tickets not been held until printed.
func (f *faults) officer(ctx context.Context, counter int, token string) {
	for ctx.Err() == nil {
		t, err := f.c.Next(ctx, token, counter)
		if err != nil || t == nil {
			if err == nil && f.printing.Load() {
				f.idleWhilePrinting.Add(1)
			}
			if err != nil && isConflict(err) {
				// Something is still called here (the answer to an
				// earlier finish was lost): finish it.
				f.c.Finish(ctx, token, counter)
			}
			pause.For(ctx, officerPoll)
			continue
		}
		f.calls.Add(1)
		pause.For(ctx, time.Duration(20+f.intn(60))*time.Millisecond)
		for ctx.Err() == nil {
			_, err := f.c.Finish(ctx, token, counter)
			if err == nil || isConflict(err) {
				break
			}
			pause.For(ctx, 50*time.Millisecond)
		}
	}
}

// officerPoll is how often an idle officer asks for the next ticket.
const officerPoll = 20 * time.Millisecond

func isConflict(err error) bool { return hallclient.IsCode(err, hallq.ECONFLICT, "") }

// buttons presses the kiosk's service buttons and the rating pads.
func (f *faults) buttons(ctx context.Context) {
	for ctx.Err() == nil {
		if f.intn(3) == 0 {
			f.press([]string{"A", "B", "C", "D", "E"}[f.intn(5)])
		} else {
			f.press(fmt.Sprintf("pad%d-score%d", 1+f.intn(6), 1+f.intn(3)))
		}
		pause.For(ctx, time.Duration(150+f.intn(150))*time.Millisecond)
	}
}

// press presses a kiosk button; the board's press returns once the kiosk
// has seen it and its release, past the debounce hold-off.
func (f *faults) press(name string) {
	f.pressMu.Lock()
	defer f.pressMu.Unlock()
	if err := f.kiosk.Board.Press(name); err != nil {
		return
	}
	if len(name) > 3 && name[:3] == "pad" {
		f.presses.Add(1)
	}
}

// measure reads the figures from the database and the displays' logs.
func (f *faults) measure(ctx context.Context, rep *FaultsReport) error {
	mgr, err := f.c.Login(ctx, DemoManager, DemoManagerPass)
	if err != nil {
		return err
	}
	log, err := f.c.AllEvents(ctx, mgr.Token, 0)
	if err != nil {
		return err
	}
	for _, d := range f.ds {
		m, dup := d.Missed(log)
		rep.CallsMissed += m
		rep.DisplayDupes += dup
	}
	rep.CallsMissed += rep.DisplayDupes // a call shown twice is no better

	db, err := sql.Open("sqlite", "file:"+f.srv.DB+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		return err
	}
	defer db.Close()
	f.ackMu.Lock()
	acked := f.acked
	f.ackMu.Unlock()
	rep.Acknowledged = len(acked)
	for _, a := range acked {
		var id string
		err := db.QueryRowContext(ctx, `SELECT id FROM tickets WHERE day = ? AND service = ? AND number = ? AND transferred_from = ''`,
			a.day, a.service, a.number).Scan(&id)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		case id == a.id:
			rep.FoundAfterRestart++
		default:
			rep.GivenTwice++ // the acknowledged number now belongs to another ticket
		}
	}
	var twice int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM tickets WHERE transferred_from = ''
		GROUP BY day, service, number HAVING COUNT(*) > 1)`).Scan(&twice); err != nil {
		return err
	}
	rep.GivenTwice += twice
	var rows, distinct int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(DISTINCT device || '/' || device_seq) FROM ratings WHERE device LIKE 'pad-%'`).Scan(&rows, &distinct); err != nil {
		return err
	}
	rep.RatingsDuplicated = rows - distinct
	rep.RatingsLost = max(0, rep.Presses-distinct)
	if distinct > rep.Presses {
		rep.RatingsDuplicated += distinct - rep.Presses // more recorded than pressed
	}
	prows, err := db.QueryContext(ctx, `SELECT label, state, idem_key, (called_at IS NOT NULL) FROM tickets WHERE reason = 'print_failed'`)
	if err != nil {
		return err
	}
	defer prows.Close()
	printFailed := 0
	for prows.Next() {
		var label, state, key string
		var called bool
		if err := prows.Scan(&label, &state, &key, &called); err != nil {
			return err
		}
		printFailed++
		if called {
			rep.GhostsCalled++
			rep.Ghosts = append(rep.Ghosts, fmt.Sprintf("%s (%s, key %s): cancelled for print_failed but called", label, state, key))
		}
	}
	if err := prows.Err(); err != nil {
		return err
	}
	if printFailed < rep.PrintFailed {
		// A print failure whose ticket was not cancelled: it was called
		// (or served) before the kiosk's cancel arrived.
		rep.GhostsCalled += rep.PrintFailed - printFailed
		rep.Ghosts = append(rep.Ghosts, fmt.Sprintf("%d print failures at the kiosk, %d tickets cancelled for print_failed", rep.PrintFailed, printFailed))
	}
	return nil
}
