package loadgen

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/hallq/hallq/internal/serverproc"
)

// spawnPassword is the password of the officers a spawned hall gets; the
// hall lives only as long as the run, on 127.0.0.1.
const spawnPassword = "hallsim-load-officer"

// loadHall is the hall a spawned server is set up with: the demo hall's
// shape (five services, six counters), but with number ranges as wide as
// a ticket allows (hallq.MaxNumber over the five: 19,999 numbers each),
// so that a throughput run of a few seconds does not reach the daily cap.
func loadHall(counters int) string {
	var b strings.Builder
	b.WriteString("[hall]\nname = \"hallsim load\"\nbase_url = \"http://127.0.0.1\"\n\n")
	for i, code := range []string{"A", "B", "C", "D", "E"} {
		first := i * 20_000
		fmt.Fprintf(&b, "[[services]]\ncode = %q\nname = \"Dịch vụ %s\"\nrange = [%d, %d]\n\n", code, code, first+1, first+19_999)
	}
	serves := [][]string{{"A", "B"}, {"A", "B"}, {"B", "A"}, {"C", "D"}, {"D", "C"}, {"E", "A"}}
	for i := range counters {
		sv := serves[i%len(serves)]
		fmt.Fprintf(&b, "[[counters]]\nid = %d\nservices = [%q, %q]\n\n", i+1, sv[0], sv[1])
	}
	return b.String()
}

// Spawned is a hall server this process started on a temporary database.
type Spawned struct {
	URL        string
	Dir        string // the temporary directory holding the database
	DBPath     string
	KioskToken string
	Officers   []Officer
	PID        int

	proc *serverproc.Process
}

// Spawn builds hallserver (when bin is "") or takes bin, sets up a hall
// with the given number of counters on a new database in a temporary
// directory, adds one kiosk token and one officer per counter with the
// server's own CLI, and serves it on a free port of 127.0.0.1.
//
// The server's log goes to logTo when it is not nil.
func Spawn(ctx context.Context, bin string, counters int, logTo io.Writer) (_ *Spawned, err error) {
	dir, err := os.MkdirTemp("", "hallsim-load-")
	if err != nil {
		return nil, fmt.Errorf("loadgen: %w", err)
	}
	s := &Spawned{Dir: dir, DBPath: filepath.Join(dir, "hall.db")}
	defer func() {
		if err != nil {
			s.Stop()
		}
	}()
	if bin == "" {
		bin = filepath.Join(dir, "hallserver")
		build := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/hallq/hallq/cmd/hallserver")
		if out, err := build.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("loadgen: go build hallserver (run from inside the hallq module, or give the binary): %v\n%s", err, out)
		}
	}
	cfg := filepath.Join(dir, "hall.toml")
	if err := os.WriteFile(cfg, []byte(loadHall(counters)), 0o644); err != nil {
		return nil, fmt.Errorf("loadgen: %w", err)
	}
	if s.proc, err = serverproc.Start(ctx, exec.Command(bin, "-config", cfg, "-db", s.DBPath, "-addr", "127.0.0.1:0"), logTo); err != nil {
		return nil, fmt.Errorf("loadgen: %w", err)
	}
	s.URL, s.PID = s.proc.URL, s.proc.PID()

	// Accounts go in through the CLI while the server runs, as an
	// installer's would.
	tok, err := runCLI(ctx, bin, "", "device", "add", "-db", s.DBPath, "-kind", "kiosk", "-name", "hallsim-kiosk")
	if err != nil {
		return nil, err
	}
	s.KioskToken = strings.TrimSpace(tok)
	for i := 1; i <= counters; i++ {
		o := Officer{Username: fmt.Sprintf("hallsim%d", i), Password: spawnPassword, Counter: i}
		if _, err := runCLI(ctx, bin, o.Password+"\n", "user", "add", "-db", s.DBPath, "-username", o.Username, "-role", "officer"); err != nil {
			return nil, err
		}
		s.Officers = append(s.Officers, o)
	}
	return s, nil
}

func runCLI(ctx context.Context, bin, stdin string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("loadgen: hallserver %s: %v: %s", strings.Join(args[:2], " "), err, errb.String())
	}
	return out.String(), nil
}

// Stop ends the server with SIGTERM (SIGKILL if it lingers) and removes
// its directory.
func (s *Spawned) Stop() error {
	var err error
	if s.proc != nil {
		err = s.proc.Stop()
	}
	if rerr := os.RemoveAll(s.Dir); rerr != nil && err == nil {
		err = rerr
	}
	return err
}
