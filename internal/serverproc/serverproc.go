// Package serverproc runs a hall server (hallserver) as a child process,
// for the tools and tests that need a real one — hallsim's faults and day
// runs, its load generator, the crash test: it starts the command, passes
// its log on while keeping the last lines, takes the address it serves on
// from its "serving" log line, waits until /healthz answers, and stops it
// with SIGTERM (SIGKILL if it lingers) or kills it as a power cut would.
// ReadMemory and ReadCPU read a process's figures from /proc.
package serverproc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Waits while starting and stopping. A loaded machine under -race takes
// many seconds to start a server; the start wait only bounds a hang.
const (
	StartWait = 3 * time.Minute
	StopWait  = 15 * time.Second
)

// tailLines is how much of the log Tail keeps.
const tailLines = 40

// Process is a running hall server.
type Process struct {
	// Addr is the host:port it serves on; URL is http://Addr.
	Addr, URL string

	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited

	mu    sync.Mutex
	tail  []string
	logTo io.Writer
}

// Start starts cmd (whose Stderr must be unset: the log is read from it),
// and waits until the server logs the address it serves on and answers
// /healthz with 200. Every line of its log goes to logTo, when not nil.
// On error the process is killed and the error holds the log's end.
func Start(ctx context.Context, cmd *exec.Cmd, logTo io.Writer) (*Process, error) {
	p := &Process{cmd: cmd, done: make(chan struct{}), logTo: logTo}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, fmt.Errorf("serverproc: %w", err)
	}
	if cmd.Stdout == nil {
		cmd.Stdout = io.Discard
	}
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("serverproc: start %s: %w", cmd.Path, err)
	}
	addr := make(chan string, 1)
	logDone := make(chan struct{})
	go func() { defer close(logDone); p.readLog(stderr, addr) }()
	// Wait reads nothing more once the process is gone: let the log
	// reader finish first, so that Tail has the last words.
	go func() { <-logDone; cmd.Wait(); close(p.done) }()

	fail := func(err error) (*Process, error) {
		p.Kill()
		return nil, fmt.Errorf("%w\n%s", err, p.Tail())
	}
	select {
	case a := <-addr:
		p.Addr, p.URL = a, "http://"+a
	case <-p.done:
		return nil, fmt.Errorf("serverproc: hallserver exited while starting (%v):\n%s", cmd.ProcessState, p.Tail())
	case <-time.After(StartWait):
		return fail(fmt.Errorf("serverproc: hallserver did not say where it serves within %v", StartWait))
	case <-ctx.Done():
		return fail(ctx.Err())
	}
	if err := p.waitHealthy(ctx); err != nil {
		return fail(err)
	}
	return p, nil
}

// readLog keeps the log's tail, copies it on, and reports the address
// from the "serving" line.
func (p *Process) readLog(r io.Reader, addr chan<- string) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	found := false
	for sc.Scan() {
		line := sc.Text()
		p.mu.Lock()
		p.tail = append(p.tail, line)
		if len(p.tail) > tailLines {
			p.tail = p.tail[len(p.tail)-tailLines:]
		}
		if p.logTo != nil {
			fmt.Fprintln(p.logTo, line)
		}
		p.mu.Unlock()
		if !found && strings.Contains(line, "msg=serving") {
			for _, f := range strings.Fields(line) {
				if a, ok := strings.CutPrefix(f, "addr="); ok {
					found = true
					addr <- a
				}
			}
		}
	}
	io.Copy(io.Discard, r) // a line too long for the scanner must not block the server
}

// waitHealthy polls /healthz until it answers 200, the process exits, or
// StartWait passes.
func (p *Process) waitHealthy(ctx context.Context) error {
	deadline := time.Now().Add(StartWait)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.URL+"/healthz", nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("serverproc: %s/healthz not ok within %v: %v", p.URL, StartWait, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-p.done:
			return fmt.Errorf("serverproc: hallserver exited while starting (%v)", p.cmd.ProcessState)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Tail is the end of the server's log.
func (p *Process) Tail() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.tail, "\n")
}

// PID is the process's id.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// State is how the process ended; nil while it runs.
func (p *Process) State() *os.ProcessState {
	select {
	case <-p.done:
		return p.cmd.ProcessState
	default:
		return nil
	}
}

// Kill ends the server with SIGKILL, as a power cut would, and waits until
// it is gone.
func (p *Process) Kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// ErrKilled says the server ignored SIGTERM for StopWait and was killed.
var ErrKilled = errors.New("serverproc: hallserver ignored SIGTERM; killed")

// Stop ends the server with SIGTERM, as systemd does, and waits for it to
// exit; after StopWait it kills it and returns ErrKilled. State tells how
// it exited.
func (p *Process) Stop() error {
	select {
	case <-p.done:
		return nil
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return nil
	case <-time.After(StopWait):
		p.Kill()
		return ErrKilled
	}
}
