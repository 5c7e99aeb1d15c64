package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
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
	startWait   = 15 * time.Second
	loadWait    = 10 * time.Second
)

var crashServices = []string{"A", "B", "C", "D", "E"}

// issued is a ticket as a 201 answer described it.
type issued struct {
	ID      string `json:"id"`
	Service string `json:"service"`
	Number  int    `json:"number"`
	Label   string `json:"label"`
	Day     string `json:"day"`
	key     string
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
		checkAcked(t, p, admin, acked)
		// A kiosk that got no answer retries with the same key: it gets the
		// ticket committed before the crash, or a new one, never a number
		// that someone else holds.
		for _, k := range cut {
			tk, code := p.issue(t, k.key, k.service)
			if code != http.StatusCreated {
				t.Fatalf("cycle %d: retry of %s after restart: status %d", cycle, k.key, code)
			}
			tk.key = k.key
			acked = append(acked, tk)
		}
		// The same key again gives the same ticket, across the restart.
		for _, a := range got[:min(len(got), 20)] {
			tk, code := p.issue(t, a.key, a.Service)
			if code != http.StatusCreated || tk.ID != a.ID || tk.Number != a.Number {
				t.Errorf("cycle %d: key %s again after restart: status %d, ticket %s #%d; want 201, %s #%d", cycle, a.key, code, tk.ID, tk.Number, a.ID, a.Number)
			}
		}
		// New tickets continue the numbering.
		maxNum := maxNumbers(acked)
		for _, svc := range crashServices {
			tk, code := p.issue(t, fmt.Sprintf("after-%d-%s", cycle, svc), svc)
			if code != http.StatusCreated {
				t.Fatalf("cycle %d: new %s ticket after restart: status %d", cycle, svc, code)
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
	tr := &http.Transport{MaxIdleConnsPerHost: crashWorkers, MaxConnsPerHost: crashWorkers}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: loadWait}

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
			if err := p.cmd.Process.Kill(); err != nil {
				t.Errorf("kill: %v", err)
			}
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
				code, body, err := p.post(ctx, client, "/api/v1/tickets", "demo-kiosk-1",
					map[string]string{"service": svc, "idempotency_key": key})
				answered()
				if err != nil {
					if killed.Load() {
						mu.Lock()
						cut = append(cut, cutRequest{key, svc})
						mu.Unlock()
						return
					}
					mu.Lock()
					unexpect = append(unexpect, fmt.Sprintf("%s: %v", key, err))
					mu.Unlock()
					return
				}
				if code != http.StatusCreated {
					mu.Lock()
					unexpect = append(unexpect, fmt.Sprintf("%s: status %d: %s", key, code, body))
					mu.Unlock()
					return
				}
				var tk issued
				if err := json.Unmarshal(body, &tk); err != nil {
					mu.Lock()
					unexpect = append(unexpect, fmt.Sprintf("%s: decode %q: %v", key, body, err))
					mu.Unlock()
					return
				}
				tk.key = key
				mu.Lock()
				acked = append(acked, tk)
				mu.Unlock()
				nAcked.Add(1)
			}
		})
	}
	wg.Wait()
	if !killed.Load() {
		p.cmd.Process.Kill()
		<-p.exited
		t.Fatalf("cycle %d: never had %d requests in flight after %d tickets (%d acknowledged); errors: %v",
			cycle, minInFlight, minAcked, nAcked.Load(), unexpect)
	}
	<-p.exited
	if len(unexpect) > 0 {
		t.Fatalf("cycle %d: requests failed before the kill: %s", cycle, strings.Join(unexpect, "\n"))
	}
	if st, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !st.Signaled() || st.Signal() != syscall.SIGKILL {
		t.Fatalf("cycle %d: server ended with %v, want killed by SIGKILL", cycle, p.cmd.ProcessState)
	}
	return acked, cut, atKill
}

// checkAcked finds every acknowledged ticket, unchanged, in the restarted server.
func checkAcked(t *testing.T, p *hallProc, token string, acked []issued) {
	t.Helper()
	for _, a := range acked {
		var got issued
		code, body := p.get(t, "/api/v1/tickets/"+a.ID, token, &got)
		if code != http.StatusOK {
			t.Errorf("acknowledged ticket %s (%s) after restart: status %d: %s", a.ID, a.Label, code, body)
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
		var page struct {
			Events []struct {
				Seq    int64   `json:"seq"`
				Type   string  `json:"type"`
				Ticket *issued `json:"ticket"`
			} `json:"events"`
			Next int64 `json:"next"`
		}
		code, body := p.get(t, fmt.Sprintf("/api/v1/events?since=%d&limit=1000", since), token, &page)
		if code != http.StatusOK {
			t.Fatalf("events since %d: status %d: %s", since, code, body)
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
			if ev.Type == "ticket.issued" && ev.Ticket != nil {
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

// hallProc is a running hallserver process.
type hallProc struct {
	cmd    *exec.Cmd
	log    *procLog
	base   string
	exited chan struct{} // closed when Wait returns
	client *http.Client
}

// servingRE finds the listening address in the "serving" log line.
var servingRE = regexp.MustCompile(`msg=serving addr=(\S+)`)

// procLog keeps a process's stderr and reports its listening address.
type procLog struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	addr chan string
	sent bool
}

func (l *procLog) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(b)
	if !l.sent {
		if m := servingRE.FindSubmatch(l.buf.Bytes()); m != nil {
			l.sent = true
			l.addr <- string(m[1])
		}
	}
	return len(b), nil
}

func (l *procLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// startHall starts the binary on db and waits until /healthz answers 200.
func startHall(t *testing.T, bin, db string, demo bool) *hallProc {
	t.Helper()
	args := []string{"-db", db, "-addr", "127.0.0.1:0"}
	if demo {
		args = append(args, "-demo")
	}
	p := &hallProc{
		cmd:    exec.Command(bin, args...),
		log:    &procLog{addr: make(chan string, 1)},
		exited: make(chan struct{}),
		client: &http.Client{Timeout: 10 * time.Second},
	}
	p.cmd.Stderr = p.log
	p.cmd.Stdout = io.Discard
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			p.cmd.Process.Kill()
			<-p.exited
		}
		if t.Failed() {
			t.Logf("hallserver %v stderr:\n%s", args, p.log)
		}
	})
	select {
	case addr := <-p.log.addr:
		if _, _, err := net.SplitHostPort(addr); err != nil {
			t.Fatalf("serving address %q: %v", addr, err)
		}
		p.base = "http://" + addr
	case <-p.exited:
		t.Fatalf("hallserver exited at start-up (%v):\n%s", p.cmd.ProcessState, p.log)
	case <-time.After(startWait):
		t.Fatalf("hallserver did not log its address within %v:\n%s", startWait, p.log)
	}
	deadline := time.Now().Add(startWait)
	for {
		resp, err := p.client.Get(p.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("/healthz not ok within %v (last: %v, %v)", startWait, resp, err)
		}
		time.Sleep(20 * time.Millisecond) // polling interval, with a deadline
	}
}

// stop ends the server with SIGTERM and expects a clean exit.
func (p *hallProc) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.exited:
	case <-time.After(15 * time.Second):
		t.Fatal("hallserver did not stop within 15 s of SIGTERM")
	}
	if !p.cmd.ProcessState.Success() {
		t.Errorf("hallserver after SIGTERM: %v, want exit 0", p.cmd.ProcessState)
	}
}

func (p *hallProc) post(ctx context.Context, client *http.Client, path, token string, body any) (int, []byte, error) {
	data, err := json.Marshal(body)
	if err != nil {
		return 0, nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.base+path, bytes.NewReader(data))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, err
	}
	return resp.StatusCode, b, nil
}

func (p *hallProc) get(t *testing.T, path, token string, out any) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, p.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := p.client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	if resp.StatusCode == http.StatusOK && out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("GET %s: decode %q: %v", path, b, err)
		}
	}
	return resp.StatusCode, b
}

func (p *hallProc) issue(t *testing.T, key, service string) (issued, int) {
	t.Helper()
	code, body, err := p.post(context.Background(), p.client, "/api/v1/tickets", "demo-kiosk-1",
		map[string]string{"service": service, "idempotency_key": key})
	if err != nil {
		t.Fatalf("issue %s: %v", key, err)
	}
	var tk issued
	if code == http.StatusCreated {
		if err := json.Unmarshal(body, &tk); err != nil {
			t.Fatalf("issue %s: decode %q: %v", key, body, err)
		}
	} else {
		t.Logf("issue %s: status %d: %s", key, code, body)
	}
	return tk, code
}

func (p *hallProc) login(t *testing.T, user, password string) string {
	t.Helper()
	code, body, err := p.post(context.Background(), p.client, "/api/v1/login", "",
		map[string]string{"username": user, "password": password})
	if err != nil || code != http.StatusOK {
		t.Fatalf("login %s: status %d, %v: %s", user, code, err, body)
	}
	var out struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(body, &out); err != nil || out.Token == "" {
		t.Fatalf("login %s: decode %q: %v", user, body, err)
	}
	return out.Token
}
