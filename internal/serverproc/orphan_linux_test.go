package serverproc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/hallq/hallq/internal/eventually"
)

// TestMain lets the test binary play the two other processes of
// TestServerDiesWithItsStarter: a stand-in hall server, and a starter that
// starts it through Start and prints its pid.
func TestMain(m *testing.M) {
	switch os.Getenv("SERVERPROC_TEST_ROLE") {
	case "server":
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			os.Exit(1)
		}
		fmt.Fprintf(os.Stderr, "level=INFO msg=serving addr=%s\n", ln.Addr())
		http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
		os.Exit(0)
	case "starter":
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), "SERVERPROC_TEST_ROLE=server")
		p, err := Start(context.Background(), cmd, nil)
		if err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		fmt.Println(p.PID())
		select {} // until killed
	}
	os.Exit(m.Run())
}

// TestServerDiesWithItsStarter: when the process that started a server is
// killed (a test binary at its timeout), the server goes too, instead of
// living on as an orphan holding a port and a core.
func TestServerDiesWithItsStarter(t *testing.T) {
	starter := exec.Command(os.Args[0], "-test.run=^$")
	starter.Env = append(os.Environ(), "SERVERPROC_TEST_ROLE=starter")
	out, err := starter.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := starter.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	pid, perr := strconv.Atoi(line[:max(0, len(line)-1)])
	if err != nil || perr != nil {
		starter.Process.Kill()
		starter.Wait()
		t.Fatalf("the starter said %q (%v)", line, err)
	}
	starter.Process.Kill()
	starter.Wait()
	eventually.True(t, time.Minute, "the server gone with its starter", func() bool {
		err := syscall.Kill(pid, 0)
		return errors.Is(err, syscall.ESRCH)
	})
}
