package connlimit

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// attacker is one address on the loopback network other than the kiosk's.
var attacker = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}

// serve runs a guarded server whose handler trusts "Bearer good".
func serve(t *testing.T, g *Guard) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "Bearer good" {
			Trust(r.Context())
		}
		io.Copy(io.Discard, r.Body)
		fmt.Fprint(w, "ok")
	})}
	Timeouts(hs)
	go g.Serve(hs, ln)
	t.Cleanup(func() { hs.Close() })
	return ln.Addr().String()
}

// flood opens n connections from the attacker's address, every third one
// sending half a request header and every third another a request with a
// body it never finishes, and holds them until the test ends.
func flood(t *testing.T, addr string, n int) {
	t.Helper()
	d := net.Dialer{LocalAddr: attacker, Timeout: 5 * time.Second}
	var conns []net.Conn
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	for i := range n {
		c, err := d.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("attacker connection %d: %v", i, err)
		}
		conns = append(conns, c)
		switch i % 3 {
		case 1:
			fmt.Fprintf(c, "GET /x HTTP/1.1\r\nHost: x\r\n")
		case 2:
			fmt.Fprintf(c, "POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{\"user")
		}
	}
}

// TestKioskGetsThrough: with ten times Max idle and slow connections from
// one address, a kiosk (a trusted caller from another) has every request
// answered, and the server never holds more than Max connections.
func TestKioskGetsThrough(t *testing.T) {
	g := New(40, nil)
	addr := serve(t, g)
	kiosk := &http.Client{Timeout: 30 * time.Second}
	ask := func(i int) {
		t.Helper()
		req, _ := http.NewRequest("POST", "http://"+addr+"/api/v1/tickets", strings.NewReader(`{"service":"A"}`))
		req.Header.Set("Authorization", "Bearer good")
		resp, err := kiosk.Do(req)
		if err != nil {
			t.Fatalf("kiosk request %d: %v", i, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != "ok" {
			t.Fatalf("kiosk request %d: %d %q", i, resp.StatusCode, body)
		}
	}
	ask(0)
	var wg sync.WaitGroup
	wg.Go(func() { flood(t, addr, 400) })
	for i := 1; i <= 30; i++ {
		ask(i)
	}
	wg.Wait()
	// A kiosk that comes back on a new connection gets through too.
	kiosk.CloseIdleConnections()
	for i := 31; i <= 40; i++ {
		ask(i)
		kiosk.CloseIdleConnections()
	}
	s := g.Stats()
	if s.Open > g.Max {
		t.Errorf("%d connections open, more than Max %d", s.Open, g.Max)
	}
	if s.Evicted == 0 {
		t.Errorf("no connection was evicted: %+v", s)
	}
	t.Logf("400 attacker connections, Max %d: %+v", g.Max, s)
}

// TestTrustedNeverEvicted: trusted connections keep their place while
// untrusted ones come and go, and when every place is trusted a newcomer
// is shed.
func TestTrustedNeverEvicted(t *testing.T) {
	g := New(8, nil) // 2 reserved
	addr := serve(t, g)
	var trusted []net.Conn
	for range 8 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer good\r\n\r\n")
		buf := make([]byte, 256)
		if n, err := c.Read(buf); err != nil || !strings.Contains(string(buf[:n]), "ok") {
			t.Fatalf("trusted request: %q %v", buf[:n], err)
		}
		trusted = append(trusted, c)
	}
	if s := g.Stats(); s.Open != 8 || s.Untrusted != 0 {
		t.Fatalf("after 8 trusted requests: %+v", s)
	}
	// A ninth connection finds no room: it is closed at once.
	c, err := net.DialTCP("tcp", &net.TCPAddr{IP: attacker.IP}, mustTCP(t, addr))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatalf("the ninth connection was served")
	}
	if s := g.Stats(); s.Shed != 1 || s.Open != 8 {
		t.Errorf("after the ninth: %+v, want 1 shed and 8 open", s)
	}
	// Every trusted connection still works.
	for i, c := range trusted {
		fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		buf := make([]byte, 256)
		if n, err := c.Read(buf); err != nil || !strings.Contains(string(buf[:n]), "ok") {
			t.Fatalf("trusted connection %d after the shedding: %q %v", i, buf[:n], err)
		}
	}
}

func mustTCP(t *testing.T, addr string) *net.TCPAddr {
	a, err := net.ResolveTCPAddr("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestGuardedConnKeepsItsSocket: a guarded connection still gives its
// socket (syscall.Conn), which a websocket stream reads without waiting.
func TestGuardedConnKeepsItsSocket(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gl := New(10, nil).Listener(ln)
	defer gl.Close()
	go func() {
		if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
			defer c.Close()
			c.Write([]byte("x"))
		}
	}()
	c, err := gl.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sc, ok := c.(syscall.Conn)
	if !ok {
		t.Fatalf("a guarded connection (%T) is not a syscall.Conn", c)
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var n int
	rc.Read(func(fd uintptr) bool {
		var buf [1]byte
		n, _ = syscall.Read(int(fd), buf[:])
		return n > 0 // wait until the byte came
	})
	if n != 1 {
		t.Errorf("read %d bytes from the guarded connection's socket, want 1", n)
	}
}
