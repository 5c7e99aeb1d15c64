package central_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/central/pgtest"
	"github.com/hallq/hallq/hallclient"
	"github.com/hallq/hallq/server/cli"
)

// cliRun is one run of hallserver.
type cliRun struct {
	code           int
	stdout, stderr string
}

func runCLI(ctx context.Context, stdin string, args ...string) cliRun {
	var out, errb bytes.Buffer
	code := cli.Main(ctx, args, cli.Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb})
	return cliRun{code, out.String(), errb.String()}
}

// TestCLICentral walks docs/CENTRAL.md's setup: the owner, with the
// password in a password file, migrates the store, makes a role for a hall
// and one for the city server (each password printed once), and adds a
// staff account; the city server serves the reports with its role; the
// hall ships with its own.
func TestCLICentral(t *testing.T) {
	o := pgtest.NewOwnedDB(t)
	c := pgtest.Shared(t)
	ctx := context.Background()
	owner := c.RoleDSN(o.DB, o.Role, "", "") // no password in the URL
	pgpass := filepath.Join(t.TempDir(), "pgpass")
	t.Setenv("PGPASSFILE", pgpass)
	t.Setenv("PGPASSWORD", "")

	// Without the password, the first error says where it goes, not
	// "tls error" (libpq's default sslmode=prefer tries TLS first, which
	// this server refuses).
	r := runCLI(ctx, "", "central", "migrate", "-db", strings.TrimSuffix(owner, "?sslmode=disable"))
	first, _, _ := strings.Cut(r.stderr, "\n")
	if r.code != 1 || !strings.Contains(first, "password file") || !strings.Contains(first, o.Role) || strings.Contains(first, "tls") {
		t.Fatalf("migrate without a password: got %+v, want exit 1 naming the role and the password file first", r)
	}
	if err := os.WriteFile(pgpass, []byte("*:*:"+o.DB+":"+o.Role+":"+o.Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// Before the schema exists, the other commands say to migrate.
	if r := runCLI(ctx, "", "central", "add-hall", "-db", owner, "-hall-id", "loc-tho"); r.code != 1 || !strings.Contains(r.stderr, "central migrate") {
		t.Fatalf("add-hall before migrate: got %+v, want exit 1 saying to migrate", r)
	}
	if r := runCLI(ctx, "", "central", "migrate", "-db", owner); r.code != 0 || !strings.Contains(r.stdout, "version") {
		t.Fatalf("migrate: %+v", r)
	}
	if r := runCLI(ctx, "", "central", "migrate", "-db", owner); r.code != 0 {
		t.Fatalf("migrate again: %+v", r)
	}

	// A hall's role and the city server's: each printed once, as a
	// password-file line and the flag to start with.
	hallLine, hallDSN := addRole(t, ctx, owner, "add-hall", "-hall-id", "loc-tho")
	cityLine, cityDSN := addRole(t, ctx, owner, "add-city-server")
	if r := runCLI(ctx, "", "central", "add-hall", "-db", owner, "-hall-id", "loc-tho"); r.code != 1 || !strings.Contains(r.stderr, "-rotate") {
		t.Errorf("add-hall twice: got %+v, want exit 1 pointing at -rotate", r)
	}
	f, err := os.OpenFile(pgpass, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(hallLine + "\n" + cityLine + "\n")
	f.Close()

	// Staff accounts: added once, replaced only when asked, and only by
	// the owner.
	if r := runCLI(ctx, "city-manager\n", "user", "add", "-db", owner, "-username", "tp", "-role", "manager"); r.code != 0 {
		t.Fatalf("user add: %+v", r)
	}
	r = runCLI(ctx, "someone-else\n", "user", "add", "-db", owner, "-username", "tp", "-role", "admin")
	if r.code != 1 || !strings.Contains(r.stderr, "-replace") {
		t.Errorf("user add over an existing account: got %+v, want exit 1 pointing at -replace", r)
	}
	if r := runCLI(ctx, "", "user", "list", "-db", owner); r.code != 0 || !regexp.MustCompile(`tp\s+manager`).MatchString(r.stdout) {
		t.Errorf("user list after the refusal: %+v, want tp still a manager", r)
	}
	if r := runCLI(ctx, "city-manager-2\n", "user", "add", "-db", owner, "-username", "tp", "-role", "manager", "-replace"); r.code != 0 {
		t.Errorf("user add -replace: %+v", r)
	}
	if r := runCLI(ctx, "x-long-password\n", "user", "add", "-db", cityDSN, "-username", "evil", "-role", "admin"); r.code != 1 || !strings.Contains(r.stderr, "owner") {
		t.Errorf("user add as the city server: got %+v, want refused, naming the owner", r)
	}

	// The city server, with its own role.
	runCtx, cancel := context.WithCancel(ctx)
	ready := make(chan string, 1)
	done := make(chan int, 1)
	go func() {
		done <- cli.Main(runCtx, []string{"-central", "-db", cityDSN, "-addr", "127.0.0.1:0"},
			cli.Env{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}, Ready: func(addr string) { ready <- addr }})
	}()
	var addr string
	select {
	case addr = <-ready:
	case code := <-done:
		t.Fatalf("-central exited %d before serving", code)
	case <-time.After(20 * time.Second):
		t.Fatal("-central: not serving after 20 s")
	}
	base := "http://" + addr
	var sum struct {
		Rows []any `json:"rows"`
	}
	get(t, base+"/api/v1/reports/summary?by=hall", login(t, base, "tp", "city-manager-2"), &sum)
	if code := status(t, base+"/healthz", ""); code != 200 {
		t.Errorf("healthz: got %d, want 200", code)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("-central: exit %d after its context ended", code)
	}

	// A hall started with -central-dsn and -hall-id ships what it does.
	hallCtx, stopHall := context.WithCancel(ctx)
	go func() {
		done <- cli.Main(hallCtx, []string{"-demo", "-db", t.TempDir() + "/hall.db", "-addr", "127.0.0.1:0", "-central-dsn", hallDSN, "-hall-id", "loc-tho"},
			cli.Env{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}, Ready: func(addr string) { ready <- addr }})
	}()
	select {
	case addr = <-ready:
	case code := <-done:
		t.Fatalf("hall exited %d before serving", code)
	}
	if _, err := hallclient.New("http://"+addr, time.Minute).Issue(ctx, "demo-kiosk-1", hallq.TicketRequest{Service: "A"}); err != nil {
		t.Fatalf("issue a ticket: %v", err)
	}
	waitFor(t, "the ticket in the central store", func() bool {
		r := runCLI(ctx, "", "central", "halls", "-db", owner)
		return r.code == 0 && regexp.MustCompile(`loc-tho\s.*\s[1-9][0-9]*\s+20`).MatchString(r.stdout)
	})
	stopHall()
	if code := <-done; code != 0 {
		t.Errorf("hall: exit %d after its context ended", code)
	}

	for _, args := range [][]string{
		{"-central-dsn", hallDSN},
		{"-hall-id", "hall-a"},
		{"-central-dsn", "hall.db", "-hall-id", "hall-a"},
		{"-central", "-db", "hall.db"},
		{"-central", "-db", cityDSN, "-demo"},
		{"central"},
		{"central", "nonsense"},
		{"central", "migrate"},
		{"central", "add-hall", "-db", owner},
		{"central", "add-city-server", "-db", owner, "-hall-id", "x"},
		{"central", "add-hall", "-db", owner, "-hall-id", "x", "-role", "r", "-rotate"},
		{"central", "new-epoch", "-db", owner, "-hall-id", "loc-tho"},
		{"central", "halls", "-db", "hall.db"},
	} {
		if r := runCLI(ctx, "", args...); r.code != 2 {
			t.Errorf("hallserver %v: got exit %d, want 2 (%s)", args, r.code, r.stderr)
		}
	}
	if r := runCLI(ctx, "", "central", "add-hall", "-db", owner, "-hall-id", "Bad Id"); r.code != 1 || !strings.Contains(r.stderr, "lower-case") {
		t.Errorf("add-hall with a bad id: got %+v, want exit 1 explaining ids", r)
	}
}

// addRole runs hallserver central CMD and returns the password-file line
// and the URL it printed.
func addRole(t *testing.T, ctx context.Context, owner, cmd string, args ...string) (line, dsn string) {
	t.Helper()
	r := runCLI(ctx, "", append([]string{"central", cmd, "-db", owner}, args...)...)
	if r.code != 0 {
		t.Fatalf("central %s: %+v", cmd, r)
	}
	m := regexp.MustCompile(`(?m)^  (\*:\*:\S+)$`).FindStringSubmatch(r.stdout)
	d := regexp.MustCompile(`'(postgres://[^']+)'`).FindStringSubmatch(r.stdout)
	if m == nil || d == nil || strings.Contains(d[1], ":"+strings.Split(m[1], ":")[4]+"@") {
		t.Fatalf("central %s printed:\n%s\nwant a password-file line and a URL without the password", cmd, r.stdout)
	}
	return m[1], d[1]
}
