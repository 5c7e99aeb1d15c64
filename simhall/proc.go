package simhall

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
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
	cmd  *exec.Cmd
	done chan struct{}
	tail []string
}

// Waits while starting and stopping.
const (
	startWait = 60 * time.Second
	stopWait  = 15 * time.Second
)

// Start starts the server and waits until it answers /healthz.
func (s *Server) Start(ctx context.Context) error {
	addr := s.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	args := append([]string{"-demo", "-db", s.DB, "-addr", addr}, s.Extra...)
	cmd := s.Command(args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("simhall: start hallserver: %w", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	s.mu.Lock()
	s.cmd, s.done = cmd, done
	s.mu.Unlock()
	got := make(chan string, 1)
	go s.readLog(stderr, got)
	select {
	case a := <-got:
		s.Addr, s.URL = a, "http://"+a
	case <-done:
		return fmt.Errorf("simhall: hallserver exited while starting:\n%s", s.Tail())
	case <-time.After(startWait):
		s.Kill()
		return fmt.Errorf("simhall: hallserver did not start within %v:\n%s", startWait, s.Tail())
	case <-ctx.Done():
		s.Kill()
		return ctx.Err()
	}
	return s.waitHealthy(ctx)
}

func (s *Server) readLog(r io.Reader, addr chan<- string) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	found := false
	for sc.Scan() {
		line := sc.Text()
		s.mu.Lock()
		s.tail = append(s.tail, line)
		if len(s.tail) > 40 {
			s.tail = s.tail[len(s.tail)-40:]
		}
		if s.Log != nil {
			fmt.Fprintln(s.Log, line)
		}
		s.mu.Unlock()
		if !found && strings.Contains(line, "msg=serving") {
			for _, f := range strings.Fields(line) {
				if a, ok := strings.CutPrefix(f, "addr="); ok {
					found = true
					addr <- a
				}
			}
		}
	}
}

// Tail is the end of the server's log.
func (s *Server) Tail() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.tail, "\n")
}

func (s *Server) waitHealthy(ctx context.Context) error {
	deadline := time.Now().Add(startWait)
	for {
		req, _ := http.NewRequestWithContext(ctx, "GET", s.URL+"/healthz", nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("simhall: %s/healthz: %v", s.URL, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// PID is the running process's id (0 when none).
func (s *Server) PID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil || s.cmd.Process == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

// Kill ends the server with SIGKILL, as a power cut would, and waits for it.
func (s *Server) Kill() error {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return nil
	}
	cmd.Process.Signal(syscall.SIGKILL)
	<-done
	return nil
}

// Stop ends the server with SIGTERM (SIGKILL if it lingers).
func (s *Server) Stop() error {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return nil
	}
	select {
	case <-done:
		return nil
	default:
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
		return nil
	case <-time.After(stopWait):
		cmd.Process.Kill()
		<-done
		return errors.New("simhall: hallserver ignored SIGTERM; killed")
	}
}

// ServerMetrics are readings of a server's /metrics.
type ServerMetrics struct {
	Goroutines int   // go_goroutines
	RSS        int64 // process_resident_memory_bytes
	HeapInuse  int64 // go_memstats_heap_inuse_bytes: the Go heap's spans in use
	HeapAlloc  int64 // go_memstats_heap_alloc_bytes: live and not yet collected objects
}

// ProcMemory reads a local process's resident memory split as Linux keeps
// it (/proc/PID/status): RssAnon is its private memory (Go heap, stacks,
// SQLite's caches), RssFile the pages of its executable and other files,
// which grow as code runs for the first time and are shared with other
// processes of the same binary. ok is false where /proc is missing.
func ProcMemory(pid int) (anon, file int64, ok bool) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, false
	}
	for line := range strings.Lines(string(data)) {
		name, val, _ := strings.Cut(line, ":")
		f := strings.Fields(val)
		if len(f) < 1 {
			continue
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			continue
		}
		switch name {
		case "RssAnon":
			anon = kb << 10
		case "RssFile":
			file = kb << 10
		}
	}
	return anon, file, anon > 0
}

// Metrics reads the server's goroutine count and resident memory from
// its /metrics (go_goroutines, process_resident_memory_bytes).
func Metrics(ctx context.Context, url string) (goroutines int, rss int64, err error) {
	m, err := ReadMetrics(ctx, url)
	return m.Goroutines, m.RSS, err
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
