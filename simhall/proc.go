package simhall

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"

	"github.com/hallq/hallq/internal/serverproc"
)

// Server is a demo hall server process started by the simulator on a
// database of its own, which it can stop, kill -9 and start again on the
// same database and port.
type Server struct {
	// Command builds the hallserver command with the given arguments
	// (hallsim runs itself as hallserver; tests run their own binary).
	Command func(args ...string) *exec.Cmd
	// DB is the database file; Extra are more flags (e.g. -sim-clock).
	DB    string
	Extra []string
	// Log, if set, receives the server's log.
	Log io.Writer

	Addr string // host:port, fixed after the first start
	URL  string

	mu   sync.Mutex
	proc *serverproc.Process // the last one started
}

// Start starts the server and waits until it answers /healthz.
func (s *Server) Start(ctx context.Context) error {
	addr := s.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	p, err := serverproc.Start(ctx, s.Command(append([]string{"-demo", "-db", s.DB, "-addr", addr}, s.Extra...)...), s.Log)
	if err != nil {
		return fmt.Errorf("simhall: %w", err)
	}
	s.mu.Lock()
	s.proc = p
	s.mu.Unlock()
	s.Addr, s.URL = p.Addr, p.URL
	return nil
}

func (s *Server) last() *serverproc.Process {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.proc
}

// Tail is the end of the server's log.
func (s *Server) Tail() string {
	if p := s.last(); p != nil {
		return p.Tail()
	}
	return ""
}

// PID is the running process's id (0 when none was started).
func (s *Server) PID() int {
	if p := s.last(); p != nil {
		return p.PID()
	}
	return 0
}

// Kill ends the server with SIGKILL, as a power cut would, and waits for it.
func (s *Server) Kill() {
	if p := s.last(); p != nil {
		p.Kill()
	}
}

// Stop ends the server with SIGTERM (SIGKILL if it lingers).
func (s *Server) Stop() error {
	if p := s.last(); p != nil {
		return p.Stop()
	}
	return nil
}

// ServerMetrics are readings of a server's /metrics.
type ServerMetrics struct {
	Goroutines int   // go_goroutines
	RSS        int64 // process_resident_memory_bytes
	HeapInuse  int64 // go_memstats_heap_inuse_bytes: the Go heap's spans in use
	HeapAlloc  int64 // go_memstats_heap_alloc_bytes: live and not yet collected objects
}

// ReadMetrics reads ServerMetrics from the server's /metrics.
func ReadMetrics(ctx context.Context, url string) (m ServerMetrics, err error) {
	req, err := http.NewRequestWithContext(ctx, "GET", strings.TrimRight(url, "/")+"/metrics", nil)
	if err != nil {
		return m, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return m, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	found := 0
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		f, _ := strconv.ParseFloat(val, 64)
		switch name {
		case "go_goroutines":
			m.Goroutines = int(f)
			found++
		case "process_resident_memory_bytes":
			m.RSS = int64(f)
			found++
		case "go_memstats_heap_inuse_bytes":
			m.HeapInuse = int64(f)
		case "go_memstats_heap_alloc_bytes":
			m.HeapAlloc = int64(f)
		}
	}
	if found < 2 {
		return m, fmt.Errorf("simhall: %s/metrics lacks go_goroutines or process_resident_memory_bytes", url)
	}
	return m, sc.Err()
}

// SelfCommand runs this program's own binary with args after prefix (for
// a hallsim that serves as hallserver with a hidden subcommand, or a test
// binary that does so when an environment variable is set).
func SelfCommand(env []string, prefix ...string) func(args ...string) *exec.Cmd {
	return func(args ...string) *exec.Cmd {
		exe, err := os.Executable()
		if err != nil {
			exe = os.Args[0]
		}
		cmd := exec.Command(exe, append(append([]string{}, prefix...), args...)...)
		cmd.Env = append(os.Environ(), env...)
		return cmd
	}
}
