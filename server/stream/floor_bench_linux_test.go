package stream

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hallq/hallq/internal/cputime"
)

// BenchmarkLoopbackWrite is the floor of an event's delivery: one 150-byte
// frame written to each of 1,000 loopback TCP sockets, whose readers drain
// them on goroutines of their own. ns/op is per write (per event delivered
// to one screen):
//
//   - raw: one goroutine writes to every socket in turn with a non-blocking
//     write(2) through syscall.RawConn, what the kernel alone costs;
//   - goroutine: each socket has its own goroutine, woken through a channel
//     for each event, that writes with net.Conn.Write under a write
//     deadline, as the stream did before the hub wrote directly.
//
// The difference is the Go part of a delivery (the wake-up, park, select,
// deadline). cpu-ns/op is the writing process's CPU (the readers are another
// process).
//
//	go test -run '^$' -bench LoopbackWrite -count 5 ./server/stream
func BenchmarkLoopbackWrite(b *testing.B) {
	const screens = 1000
	frame := make([]byte, 150)
	frame[0], frame[1] = 0x81, 148-20 // any bytes: the readers only drain
	servers, stop := loopbackPairs(b, screens)
	defer stop()

	b.Run("raw", func(b *testing.B) {
		rcs := make([]syscall.RawConn, len(servers))
		for i, c := range servers {
			rc, err := c.(*net.TCPConn).SyscallConn()
			if err != nil {
				b.Fatal(err)
			}
			rcs[i] = rc
		}
		var again int
		cpu := cputime.Now()
		i := 0
		for b.Loop() {
			var werr error
			rcs[i].Write(func(fd uintptr) bool {
				_, werr = syscall.Write(int(fd), frame)
				return true
			})
			if werr == syscall.EAGAIN {
				again++
			}
			if i++; i == len(rcs) {
				i = 0
			}
		}
		cputime.Report(b, cpu, 0, "op")
		b.ReportMetric(float64(again)/float64(b.N), "EAGAIN/op")
	})

	b.Run("goroutine", func(b *testing.B) {
		wake := make([]chan struct{}, len(servers))
		var done sync.WaitGroup
		var quit sync.WaitGroup
		for i, c := range servers {
			wake[i] = make(chan struct{}, 1)
			quit.Add(1)
			go func() {
				defer quit.Done()
				for range wake[i] {
					c.SetWriteDeadline(time.Now().Add(10 * time.Second))
					c.Write(frame)
					done.Done()
				}
			}()
		}
		cpu := cputime.Now()
		rounds := max(1, b.N/len(servers))
		b.ResetTimer()
		for range rounds {
			done.Add(len(servers))
			for _, w := range wake {
				w <- struct{}{}
			}
			done.Wait()
		}
		b.StopTimer()
		cputime.Report(b, cpu, rounds*len(servers), "op")
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(rounds*len(servers)), "ns/write")
		for _, w := range wake {
			close(w)
		}
		quit.Wait()
	})
}

// loopbackPairs opens n loopback TCP connections whose client ends are
// drained by another process (this test binary, running
// TestDrainHelper), so that the process's CPU is the writer's alone, as
// the server's is beside hallsim's screens; it gives the server ends.
func loopbackPairs(b *testing.B, n int) ([]net.Conn, func()) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	cmd := exec.Command(os.Args[0], "-test.run", "^TestDrainHelper$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s,%d", drainEnv, ln.Addr(), n))
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	var servers []net.Conn
	for range n {
		s, err := ln.Accept()
		if err != nil {
			b.Fatal(err)
		}
		servers = append(servers, s)
	}
	return servers, func() {
		for _, c := range servers {
			c.Close()
		}
		cmd.Wait()
	}
}

const drainEnv = "HALLQ_STREAM_DRAIN"

// TestDrainHelper is BenchmarkLoopbackWrite's reader process: it runs only
// when the benchmark starts it (with drainEnv set), and otherwise skips.
func TestDrainHelper(t *testing.T) {
	v := os.Getenv(drainEnv)
	if v == "" {
		t.Skip("the reader process of BenchmarkLoopbackWrite, started by it")
	}
	addr, count, _ := strings.Cut(v, ",")
	n, err := strconv.Atoi(count)
	if err != nil {
		t.Fatal(err)
	}
	var readers sync.WaitGroup
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		readers.Go(func() { io.Copy(io.Discard, c); c.Close() })
	}
	readers.Wait()
}
