package cli_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The attacker of TestFloodDoesNotStopTicketIssue runs in a process of its
// own (this test binary again), so that its sockets do not count against
// the server's file limit, as on a real hall's LAN.
const (
	floodAddrEnv = "HALLQ_TEST_FLOOD_ADDR"
	floodNEnv    = "HALLQ_TEST_FLOOD_N"
)

// TestFloodHelper is the attacker: from 127.0.0.2 it opens N connections
// to the server — a third idle, a third sending half a request header, a
// third a login whose body never finishes — says "open N" and holds them
// until its stdin closes, then says how many the server had closed.
func TestFloodHelper(t *testing.T) {
	addr := os.Getenv(floodAddrEnv)
	if addr == "" {
		t.Skip("the attacker process of TestFloodDoesNotStopTicketIssue; not a test of its own")
	}
	n, _ := strconv.Atoi(os.Getenv(floodNEnv))
	var rl syscall.Rlimit
	syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl)
	rl.Cur = rl.Max
	syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl)
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}, Timeout: 10 * time.Second}
	var conns []net.Conn
	failed := 0
	for i := range n {
		c, err := d.Dial("tcp", addr)
		if err != nil {
			failed++
			continue
		}
		conns = append(conns, c)
		switch i % 3 {
		case 1:
			fmt.Fprintf(c, "GET /api/v1/hall HTTP/1.1\r\nHost: hall\r\n")
		case 2:
			fmt.Fprintf(c, "POST /api/v1/login HTTP/1.1\r\nHost: hall\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"username\":")
		}
	}
	fmt.Printf("open %d failed %d\n", len(conns), failed)
	io.Copy(io.Discard, os.Stdin)
	closed := 0
	for _, c := range conns {
		c.SetReadDeadline(time.Now().Add(time.Millisecond))
		buf := make([]byte, 1)
		if _, err := c.Read(buf); err == io.EOF || (err != nil && !isTimeout(err)) {
			closed++
		}
		c.Close()
	}
	fmt.Printf("closed-by-server %d\n", closed)
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// TestFloodDoesNotStopTicketIssue: under a 1,024-file limit, 2,100 idle
// and slow connections from one address on the hall's network while a
// kiosk issues a ticket on a new connection every few moments, and a
// display reads the hall: every request is answered. Before the server
// capped its connections it ran out of files (accept4: too many open
// files) and the kiosk's tickets timed out.
func TestFloodDoesNotStopTicketIssue(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 2,100 connections")
	}
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
		t.Fatal(err)
	}
	low := old
	low.Cur = 1024
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
		t.Fatal(err)
	}
	defer syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old)

	h := serve(t)
	r := run(t, "", "device", "add", "-db", h.db, "-name", "kiosk-1", "-kind", "kiosk")
	kioskToken := strings.TrimSpace(r.stdout)
	if r.code != 0 || kioskToken == "" {
		t.Fatalf("device add: %v", r)
	}
	r = run(t, "", "device", "add", "-db", h.db, "-name", "tv-1", "-kind", "display")
	displayToken := strings.TrimSpace(r.stdout)

	attacker := exec.Command(os.Args[0], "-test.run=^TestFloodHelper$", "-test.v")
	attacker.Env = append(os.Environ(), floodAddrEnv+"="+strings.TrimPrefix(h.url, "http://"), floodNEnv+"=2100")
	stdin, _ := attacker.StdinPipe()
	stdout, _ := attacker.StdoutPipe()
	attacker.Stderr = os.Stderr
	if err := attacker.Start(); err != nil {
		t.Fatal(err)
	}
	defer attacker.Process.Kill()
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if l := sc.Text(); strings.HasPrefix(l, "open ") || strings.HasPrefix(l, "closed-by-server ") {
				lines <- l
			}
		}
		close(lines)
	}()

	// A kiosk on a new connection for every ticket, as after a restart or
	// once its idle connection is closed; a display reading the hall.
	kiosk := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	ask := func(method, path, token, body string) (int, error) {
		req, _ := http.NewRequest(method, h.url+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := kiosk.Do(req)
		if err != nil {
			return 0, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	var mu sync.Mutex
	issued, answered := 0, 0
	var failures []string
	issue := func(i int) {
		code, err := ask("POST", "/api/v1/tickets", kioskToken, fmt.Sprintf(`{"service":"A","idempotency_key":"flood-%d"}`, i))
		code2, err2 := ask("GET", "/api/v1/hall", displayToken, "")
		mu.Lock()
		defer mu.Unlock()
		issued++
		if err == nil && code == 201 {
			answered++
		} else {
			failures = append(failures, fmt.Sprintf("ticket %d: %d %v", i, code, err))
		}
		if err2 != nil || code2 != 200 {
			failures = append(failures, fmt.Sprintf("hall view %d: %d %v", i, code2, err2))
		}
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			issue(i)
			time.Sleep(20 * time.Millisecond)
		}
	}()
	var opened string
	select {
	case opened = <-lines:
	case <-time.After(5 * time.Minute):
		t.Fatal("the attacker did not open its connections within 5 minutes")
	}
	// Fifty more tickets with every attacking connection open.
	mu.Lock()
	target := issued + 50
	mu.Unlock()
	for {
		mu.Lock()
		n := issued
		mu.Unlock()
		if n >= target {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	close(stop)
	<-done
	stdin.Close()
	closedLine := <-lines
	attacker.Wait()

	t.Logf("attacker: %s, %s; kiosk: %d tickets asked, %d answered", opened, closedLine, issued, answered)
	if len(failures) > 0 {
		t.Errorf("%d of %d rounds failed under the flood, the first: %s", len(failures), issued, failures[0])
	}
	if answered != issued {
		t.Errorf("%d of %d tickets answered", answered, issued)
	}
	if !strings.Contains(h.stderr.String(), "too many connections") {
		t.Errorf("the shedding was not logged:\n%s", h.stderr)
	}
}
