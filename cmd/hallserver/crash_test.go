package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptrace"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/hallclient"
	"github.com/hallq/hallq/internal/serverproc"
)

// The crash test: the real binary under ticket load, killed with SIGKILL
// while requests are in flight, restarted on the same database.
const (
	crashCycles  = 3
	crashWorkers = 24 // concurrent kiosks
	minInFlight  = 8  // requests written and not yet answered at the kill
	// maxPerCycle bounds a cycle's tickets, far below the demo's 999
	// numbers per service and day.
	maxPerCycle = 400
	loadWait    = 10 * time.Second
)

var crashServices = []string{"A", "B", "C", "D", "E"}

// issued is a ticket as a 201 answer described it, with the idempotency
// key it was asked for with.
type issued struct {
	*hallq.Ticket
	key string
}

// TestKill9KeepsEveryAcknowledgedTicket runs the real binary, kills it with
// SIGKILL under load crashCycles times, and after each restart finds every
// ticket that got a 201 unchanged, no number given twice, the numbering
// continued, idempotency keys honoured across the crash, and the event log
// without a gap.
func TestKill9KeepsEveryAcknowledgedTicket(t *testing.T) {
	bin := buildHallserver(t)
	db := filepath.Join(t.TempDir(), "hall.db")

	var acked []issued // every ticket a kiosk was told about, all cycles
	var cutOff int     // requests that got no answer
	p := startHall(t, bin, db, true)
	for cycle := 1; cycle <= crashCycles; cycle++ {
		// Kill at a different point of each cycle.
		got, cut, inFlight := loadAndKill(t, p, cycle, 20*cycle)
		t.Logf("cycle %d: %d tickets acknowledged, %d requests in flight at the kill, %d cut off", cycle, len(got), inFlight, len(cut))
		acked = append(acked, got...)
		cutOff += len(cut)

		p = startHall(t, bin, db, false)
		admin := p.login(t, "admin", "demo-admin")
		ctx := context.Background()
		checkAcked(t, p, admin, acked)
		// A kiosk that got no answer retries with the same key: it gets the
		// ticket committed before the crash, or a new one, never a number
		// that someone else holds.
		for _, k := range cut {
			tk, err := p.issue(ctx, k.key, k.service)
			if err != nil {
				t.Fatalf("cycle %d: retry of %s after restart: %v", cycle, k.key, err)
			}
			acked = append(acked, tk)
		}
		// The same key again gives the same ticket, across the restart.
		for _, a := range got[:min(len(got), 20)] {
			tk, err := p.issue(ctx, a.key, a.Service)
			if err != nil || tk.ID != a.ID || tk.Number != a.Number {
				t.Errorf("cycle %d: key %s again after restart: %v, ticket %+v; want %s #%d", cycle, a.key, err, tk.Ticket, a.ID, a.Number)
			}
		}
		// New tickets continue the numbering.
		maxNum := maxNumbers(acked)
		for _, svc := range crashServices {
			tk, err := p.issue(ctx, fmt.Sprintf("after-%d-%s", cycle, svc), svc)
			if err != nil {
				t.Fatalf("cycle %d: new %s ticket after restart: %v", cycle, svc, err)
			}
			if tk.Number <= maxNum[svc] {
				t.Errorf("cycle %d: new %s ticket after restart got number %d, want more than %d (the highest already given)", cycle, svc, tk.Number, maxNum[svc])
			}
			acked = append(acked, tk)
		}
		checkUnique(t, acked)
		checkEvents(t, p, admin, acked)
		if t.Failed() {
			t.FailNow()
		}
	}
	if cutOff == 0 {
		t.Errorf("no request was cut off by %d kills: the test did not kill under load", crashCycles)
	}
	p.stop(t)
}

// cutRequest is a request that was in flight when the server died.
type cutRequest struct{ key, service string }

// loadAndKill issues tickets from crashWorkers goroutines and kills the
// server as an answer arrives, once minAcked tickets are acknowledged in
// this cycle, while at least minInFlight other requests are written and
// unanswered.
func loadAndKill(t *testing.T, p *hallProc, cycle, minAcked int) (acked []issued, cut []cutRequest, atKill int64) {
	t.Helper()
	client := hallclient.NewPool(p.proc.URL, loadWait, crashWorkers)
	tr := client.HTTP.Transport.(*http.Transport)
	tr.MaxConnsPerHost = crashWorkers
	defer tr.CloseIdleConnections()

	var (
		mu       sync.Mutex
		nAcked   atomic.Int64
		inFlight atomic.Int64
		killed   atomic.Bool
		killOnce sync.Once
		unexpect []string
	)
	kill := func(n int64) {
		killOnce.Do(func() {
			atKill = n
			killed.Store(true)
			p.proc.Kill()
		})
	}
	deadline := time.Now().Add(loadWait)
	var wg sync.WaitGroup
	for w := range crashWorkers {
		wg.Go(func() {
			for i := 0; !killed.Load() && time.Now().Before(deadline) && nAcked.Load() < maxPerCycle; i++ {
				key := fmt.Sprintf("crash-%d-%d-%d", cycle, w, i)
				svc := crashServices[(w+i)%len(crashServices)]
				var wrote atomic.Bool
				answered := func() (stillInFlight int64, ok bool) {
					if wrote.CompareAndSwap(true, false) {
						return inFlight.Add(-1), true
					}
					return 0, false
				}
				trace := &httptrace.ClientTrace{
					WroteRequest: func(info httptrace.WroteRequestInfo) {
						if info.Err == nil {
							wrote.Store(true)
							inFlight.Add(1)
						}
					},
					// Killing just as an answer arrives, with others
					// waiting, catches a server that answers before its
					// commit is durable: the commit is still running.
					GotFirstResponseByte: func() {
						if n, ok := answered(); ok && n >= minInFlight && nAcked.Load() >= int64(minAcked) {
							kill(n)
						}
					},
				}
				ctx := httptrace.WithClientTrace(context.Background(), trace)
				tk, err := client.Issue(ctx, "demo-kiosk-1", hallq.TicketRequest{Service: svc, IdempotencyKey: key})
				answered()
				if err != nil {
					mu.Lock()
					if killed.Load() {
						cut = append(cut, cutRequest{key, svc})
					} else {
						unexpect = append(unexpect, fmt.Sprintf("%s: %v", key, err))
					}
					mu.Unlock()
					return
				}
				mu.Lock()
				acked = append(acked, issued{tk, key})
				mu.Unlock()
				nAcked.Add(1)
			}
		})
	}
	wg.Wait()
	if !killed.Load() {
		p.proc.Kill()
		t.Fatalf("cycle %d: never had %d requests in flight after %d tickets (%d acknowledged); errors: %v",
			cycle, minInFlight, minAcked, nAcked.Load(), unexpect)
	}
	<-p.proc.Done()
	if len(unexpect) > 0 {
		t.Fatalf("cycle %d: requests failed before the kill: %s", cycle, strings.Join(unexpect, "\n"))
	}
	if st, ok := p.proc.State().Sys().(syscall.WaitStatus); !ok || !st.Signaled() || st.Signal() != syscall.SIGKILL {
		t.Fatalf("cycle %d: server ended with %v, want killed by SIGKILL", cycle, p.proc.State())
	}
	return acked, cut, atKill
}

// checkAcked finds every acknowledged ticket, unchanged, in the restarted server.
func checkAcked(t *testing.T, p *hallProc, token string, acked []issued) {
	t.Helper()
	for _, a := range acked {
		got, err := p.api.Ticket(context.Background(), token, a.ID, "")
		if err != nil {
			t.Errorf("acknowledged ticket %s (%s) after restart: %v", a.ID, a.Label, err)
			continue
		}
		if got.Service != a.Service || got.Number != a.Number || got.Label != a.Label || got.Day != a.Day {
			t.Errorf("ticket %s after restart is %s %s #%d (%s), was %s %s #%d (%s)",
				a.ID, got.Day, got.Service, got.Number, got.Label, a.Day, a.Service, a.Number, a.Label)
		}
	}
}

// checkUnique: no (day, service, number) was given to two tickets.
func checkUnique(t *testing.T, acked []issued) {
	t.Helper()
	seen := map[string]string{}
	for _, a := range acked {
		k := fmt.Sprintf("%s/%s/%d", a.Day, a.Service, a.Number)
		if id, ok := seen[k]; ok && id != a.ID {
			t.Errorf("number %s given twice: tickets %s and %s", k, id, a.ID)
		}
		seen[k] = a.ID
	}
}

func maxNumbers(acked []issued) map[string]int {
	m := map[string]int{}
	for _, a := range acked {
		m[a.Service] = max(m[a.Service], a.Number)
	}
	return m
}

// checkEvents pages through the event log: seq 1..N without a gap, every
// acknowledged ticket has its ticket.issued event, and no two issued
// tickets share a number.
func checkEvents(t *testing.T, p *hallProc, token string, acked []issued) {
	t.Helper()
	issuedEv := map[string]bool{}
	numbers := map[string]string{}
	var since int64
	for {
		page, err := p.api.Events(context.Background(), token, since, 1000)
		if err != nil {
			t.Fatalf("events since %d: %v", since, err)
		}
		if len(page.Events) == 0 {
			if page.Next != since {
				t.Errorf("empty page after %d says next=%d", since, page.Next)
			}
			break
		}
		for _, ev := range page.Events {
			if ev.Seq != since+1 {
				t.Fatalf("event log: seq %d follows %d", ev.Seq, since)
			}
			since = ev.Seq
			if ev.Type == hallq.EventTicketIssued && ev.Ticket != nil {
				issuedEv[ev.Ticket.ID] = true
				k := fmt.Sprintf("%s/%s/%d", ev.Ticket.Day, ev.Ticket.Service, ev.Ticket.Number)
				if id, ok := numbers[k]; ok {
					t.Errorf("event log: number %s issued to %s and %s", k, id, ev.Ticket.ID)
				}
				numbers[k] = ev.Ticket.ID
			}
		}
		if page.Next != since {
			t.Errorf("page ending at seq %d says next=%d", since, page.Next)
		}
	}
	for _, a := range acked {
		if !issuedEv[a.ID] {
			t.Errorf("acknowledged ticket %s (%s) has no ticket.issued event", a.ID, a.Label)
		}
	}
	if since < int64(len(acked)) {
		t.Errorf("event log ends at %d, but %d tickets were acknowledged", since, len(acked))
	}
}

// buildHallserver builds this package's binary with the go command that
// runs the test.
func buildHallserver(t *testing.T) string {
	t.Helper()
	gocmd, err := exec.LookPath("go")
	if err != nil {
		gocmd = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "hallserver")
	out, err := exec.Command(gocmd, "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// hallProc is a running hallserver process and a client of it.
type hallProc struct {
	proc *serverproc.Process
	api  *hallclient.Client
}

// startHall starts the binary on db and waits until /healthz answers 200.
func startHall(t *testing.T, bin, db string, demo bool) *hallProc {
	t.Helper()
	args := []string{"-db", db, "-addr", "127.0.0.1:0"}
	if demo {
		args = append(args, "-demo")
	}
	proc, err := serverproc.Start(context.Background(), exec.Command(bin, args...), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		proc.Kill()
		if t.Failed() {
			t.Logf("hallserver %v log:\n%s", args, proc.Tail())
		}
	})
	return &hallProc{proc: proc, api: hallclient.New(proc.URL, 10*time.Second)}
}

// stop ends the server with SIGTERM and expects a clean exit.
func (p *hallProc) stop(t *testing.T) {
	t.Helper()
	if err := p.proc.Stop(); err != nil {
		t.Fatal(err)
	}
	if !p.proc.State().Success() {
		t.Errorf("hallserver after SIGTERM: %v, want exit 0", p.proc.State())
	}
}

func (p *hallProc) issue(ctx context.Context, key, service string) (issued, error) {
	tk, err := p.api.Issue(ctx, "demo-kiosk-1", hallq.TicketRequest{Service: service, IdempotencyKey: key})
	return issued{tk, key}, err
}

func (p *hallProc) login(t *testing.T, user, password string) string {
	t.Helper()
	s, err := p.api.Login(context.Background(), user, password)
	if err != nil {
		t.Fatal(err)
	}
	return s.Token
}
