package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hallq/hallq/internal/syncbuf"
	"github.com/hallq/hallq/server/cli"
)

// result is what one run of the command left behind.
type result struct {
	code           int
	stdout, stderr string
}

// run runs the command in-process with stdin, as a shell would.
func run(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errb syncbuf.Buffer
	code := cli.Main(context.Background(), args, cli.Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb})
	return result{code, out.String(), errb.String()}
}

func (r result) String() string {
	return fmt.Sprintf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
}

// hall is a hall server run by the command itself, in a goroutine.
type hall struct {
	url    string
	db     string
	stderr *syncbuf.Buffer
}

// hallTOML is a small hall, open at every hour so the test can run at any
// time, set up without the demo's staff accounts (whose slow password
// hashes would dominate the test's time under -race).
const hallTOML = `[hall]
name = "Bộ phận Một cửa phường thử nghiệm"

[[services]]
code = "A"
name = "Hộ tịch"
range = [1001, 1999]

[[counters]]
id = 1
services = ["A"]

[[counters]]
id = 2
services = ["A"]
`

// serve runs "hallserver -config" on a new database until the test ends,
// and checks that it then shuts down cleanly.
func serve(t *testing.T) *hall {
	t.Helper()
	return serveWith(t, "http")
}

// serveWith is serve with more flags; scheme is the URL's (https with
// -tls-cert).
func serveWith(t *testing.T, scheme string, flags ...string) *hall {
	t.Helper()
	dir := t.TempDir()
	db := filepath.Join(dir, "hall.db")
	cfg := filepath.Join(dir, "hall.toml")
	if err := os.WriteFile(cfg, []byte(hallTOML), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan int, 1)
	h := &hall{db: db, stderr: &syncbuf.Buffer{}}
	env := cli.Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: h.stderr, Ready: func(addr string) { ready <- addr }}
	args := append([]string{"-config", cfg, "-db", db, "-addr", "127.0.0.1:0"}, flags...)
	go func() { done <- cli.Main(ctx, args, env) }()
	select {
	case addr := <-ready:
		h.url = scheme + "://" + addr
	case code := <-done:
		cancel()
		t.Fatalf("serve exited with %d before it was ready:\n%s", code, h.stderr)
	case <-time.After(2 * time.Minute): // bounds a hang only: a busy machine starts it slowly
		cancel()
		t.Fatalf("serve not ready within 2 min:\n%s", h.stderr)
	}
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("serve exited with %d after its context ended, want 0:\n%s", code, h.stderr)
			}
		case <-time.After(15 * time.Second):
			t.Errorf("serve did not stop within 15 s of its context ending")
		}
	})
	return h
}

// call sends a JSON request with an optional bearer token and returns the
// status and body.
func call(t *testing.T, method, url, token string, body any) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (h *hall) login(t *testing.T, user, password string) (int, string) {
	t.Helper()
	return call(t, "POST", h.url+"/api/v1/login", "", map[string]string{"username": user, "password": password})
}

func (h *hall) issue(t *testing.T, token, key string) (int, string) {
	t.Helper()
	return call(t, "POST", h.url+"/api/v1/tickets", token, map[string]string{"service": "A", "idempotency_key": key})
}

// The installer's commands change a hall that is already running: staff
// and devices added or revoked take effect at once, without a restart.
func TestCommandsTakeEffectInARunningServer(t *testing.T) {
	h := serve(t)

	t.Run("user add reads the password without its newline", func(t *testing.T) {
		const pw = "Mật khẩu của chị Lan 2026"
		r := run(t, pw+"\n", "user", "add", "-db", h.db, "-username", "lan", "-role", "officer")
		if r.code != 0 {
			t.Fatalf("user add: %v", r)
		}
		if r.stdout != "" {
			t.Errorf("user add wrote %q on stdout, want nothing", r.stdout)
		}
		if code, body := h.login(t, "lan", pw+"\n"); code != http.StatusUnauthorized {
			t.Errorf("sign-in with the newline appended: status %d (%s), want 401", code, body)
		}
		code, body := h.login(t, "lan", pw)
		if code != http.StatusOK {
			t.Fatalf("sign-in with exactly the password: status %d (%s), want 200", code, body)
		}
		var out struct {
			Token string `json:"token"`
			User  struct {
				Username, Role string
			} `json:"user"`
		}
		if err := json.Unmarshal([]byte(body), &out); err != nil || out.Token == "" || out.User.Role != "officer" {
			t.Fatalf("login answer %s: %v", body, err)
		}
		// The new officer acts at once.
		if code, body := call(t, "POST", h.url+"/api/v1/counters/1/open", out.Token, nil); code != http.StatusOK {
			t.Errorf("the new officer opens counter 1: status %d (%s), want 200", code, body)
		}
		r = run(t, "", "user", "list", "-db", h.db)
		if r.code != 0 || !containsLine(r.stdout, "lan", "officer") {
			t.Errorf("user list does not show lan as officer: %v", r)
		}
	})

	t.Run("user add takes a Windows line ending off too", func(t *testing.T) {
		const pw = "mat-khau-cua-anh-Minh"
		if r := run(t, pw+"\r\n", "user", "add", "-db", h.db, "-username", "minh", "-role", "manager"); r.code != 0 {
			t.Fatalf("user add: %v", r)
		}
		if code, body := h.login(t, "minh", pw); code != http.StatusOK {
			t.Errorf("sign-in: status %d (%s), want 200", code, body)
		}
	})

	t.Run("user add refuses an existing account unless -replace", func(t *testing.T) {
		if r := run(t, "mat-khau-cua-chi-Mai\n", "user", "add", "-db", h.db, "-username", "mai", "-role", "officer"); r.code != 0 {
			t.Fatalf("user add: %v", r)
		}
		r := run(t, "someone-elses-password\n", "user", "add", "-db", h.db, "-username", "mai", "-role", "admin")
		if r.code != 1 || !strings.Contains(r.stderr, "-replace") || !strings.Contains(r.stderr, `"mai"`) {
			t.Errorf("user add over an existing account: got %v, want exit 1 naming it and -replace", r)
		}
		if code, _ := h.login(t, "mai", "someone-elses-password"); code != http.StatusUnauthorized {
			t.Errorf("the refused password signs in: status %d", code)
		}
		if r := run(t, "", "user", "list", "-db", h.db); !containsLine(r.stdout, "mai", "officer") {
			t.Errorf("after the refusal: %v, want mai still an officer", r)
		}
		if r := run(t, "mat-khau-moi-cua-Mai\n", "user", "add", "-db", h.db, "-username", "mai", "-role", "manager", "-replace"); r.code != 0 {
			t.Fatalf("user add -replace: %v", r)
		}
		if code, body := h.login(t, "mai", "mat-khau-moi-cua-Mai"); code != http.StatusOK {
			t.Errorf("sign-in with the replaced password: status %d (%s)", code, body)
		}
	})

	t.Run("user add without a password on stdin", func(t *testing.T) {
		r := run(t, "", "user", "add", "-db", h.db, "-username", "hoa", "-role", "officer")
		if r.code != 1 || !strings.Contains(r.stderr, "stdin") {
			t.Errorf("got %v, want exit 1 with a message about stdin", r)
		}
		r = run(t, "short\n", "user", "add", "-db", h.db, "-username", "hoa", "-role", "officer")
		if r.code != 1 || !strings.Contains(r.stderr, "at least 8") {
			t.Errorf("short password: got %v, want exit 1 saying how long it must be", r)
		}
		if code, _ := h.login(t, "hoa", "short"); code != http.StatusUnauthorized {
			t.Errorf("a refused user can sign in: status %d", code)
		}
	})

	t.Run("user add with a bad role", func(t *testing.T) {
		r := run(t, "mat-khau-dai-du\n", "user", "add", "-db", h.db, "-username", "tuan", "-role", "boss")
		if r.code != 2 || !strings.Contains(r.stderr, "-role") || !strings.Contains(r.stderr, "boss") {
			t.Errorf("got %v, want exit 2 naming -role and the bad value", r)
		}
		if code, _ := h.login(t, "tuan", "mat-khau-dai-du"); code != http.StatusUnauthorized {
			t.Errorf("a user with a refused role can sign in: status %d", code)
		}
	})

	t.Run("device add, then revoke", func(t *testing.T) {
		r := run(t, "", "device", "add", "-db", h.db, "-kind", "kiosk", "-name", "kiosk-cong-phu")
		if r.code != 0 {
			t.Fatalf("device add: %v", r)
		}
		token := strings.TrimSuffix(r.stdout, "\n")
		if token == "" || strings.ContainsAny(token, " \t\r\n") || r.stdout != token+"\n" {
			t.Fatalf("device add printed %q, want only the token on one line", r.stdout)
		}
		if code, body := h.issue(t, token, "new-kiosk-1"); code != http.StatusCreated {
			t.Fatalf("the new kiosk's token on the running server: status %d (%s), want 201", code, body)
		}
		if r := run(t, "", "device", "list", "-db", h.db); !containsLine(r.stdout, "kiosk-cong-phu", "kiosk", "active") {
			t.Errorf("device list does not show the kiosk as active: %v", r)
		}

		r = run(t, "", "device", "revoke", "-db", h.db, "kiosk-cong-phu")
		if r.code != 0 {
			t.Fatalf("device revoke: %v", r)
		}
		if code, body := h.issue(t, token, "new-kiosk-2"); code != http.StatusUnauthorized {
			t.Errorf("a revoked token on the running server: status %d (%s), want 401", code, body)
		}
		if code, _ := call(t, "GET", h.url+"/api/v1/me", token, nil); code != http.StatusUnauthorized {
			t.Errorf("a revoked token reads /api/v1/me: status %d, want 401", code)
		}
		if r := run(t, "", "device", "list", "-db", h.db); !containsLine(r.stdout, "kiosk-cong-phu", "kiosk", "revoked") {
			t.Errorf("device list does not show the kiosk as revoked: %v", r)
		}
		if r := run(t, "", "device", "revoke", "-db", h.db, "kiosk-cong-phu"); r.code != 1 || !strings.Contains(r.stderr, "kiosk-cong-phu") {
			t.Errorf("revoking twice: got %v, want exit 1 naming the device", r)
		}

		// The name may be used again, with a new token; the old one stays dead.
		r = run(t, "", "device", "add", "-db", h.db, "-kind", "kiosk", "-name", "kiosk-cong-phu")
		if r.code != 0 {
			t.Fatalf("device add again: %v", r)
		}
		again := strings.TrimSpace(r.stdout)
		if again == token {
			t.Fatal("the same token was given twice")
		}
		if code, _ := h.issue(t, again, "new-kiosk-3"); code != http.StatusCreated {
			t.Errorf("the new token: status %d, want 201", code)
		}
		if code, _ := h.issue(t, token, "new-kiosk-4"); code != http.StatusUnauthorized {
			t.Errorf("the revoked token after the name was reused: status %d, want 401", code)
		}
	})

	t.Run("a live device name is not given a second token", func(t *testing.T) {
		r := run(t, "", "device", "add", "-db", h.db, "-kind", "display", "-name", "display-hall")
		if r.code != 0 {
			t.Fatalf("device add: %v", r)
		}
		first := strings.TrimSpace(r.stdout)
		r = run(t, "", "device", "add", "-db", h.db, "-kind", "display", "-name", "display-hall")
		if r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, "revoke it first") {
			t.Errorf("got %v, want exit 1, nothing on stdout, and advice to revoke first", r)
		}
		if code, body := call(t, "GET", h.url+"/api/v1/me", first, nil); code != http.StatusOK {
			t.Errorf("the first token after a refused second: status %d (%s), want 200", code, body)
		}
	})

	t.Run("pad bound to its counter", func(t *testing.T) {
		r := run(t, "", "device", "add", "-db", h.db, "-kind", "pad", "-name", "pad-quay-2", "-counter", "2")
		if r.code != 0 {
			t.Fatalf("device add pad: %v", r)
		}
		token := strings.TrimSpace(r.stdout)
		if code, body := call(t, "POST", h.url+"/api/v1/ratings", token, map[string]any{"counter": 2, "score": 3, "device_seq": 1}); code != http.StatusCreated {
			t.Errorf("rating from the new pad at its counter: status %d (%s), want 201", code, body)
		}
		if code, body := call(t, "POST", h.url+"/api/v1/ratings", token, map[string]any{"counter": 3, "score": 3, "device_seq": 2}); code != http.StatusForbidden {
			t.Errorf("rating from the new pad at another counter: status %d (%s), want 403", code, body)
		}
		if r := run(t, "", "device", "list", "-db", h.db); !containsLine(r.stdout, "pad-quay-2", "pad", "2", "active") {
			t.Errorf("device list does not show the pad at counter 2: %v", r)
		}
	})

	t.Run("pad without a counter", func(t *testing.T) {
		r := run(t, "", "device", "add", "-db", h.db, "-kind", "pad", "-name", "pad-x")
		if r.code != 2 || r.stdout != "" || !strings.Contains(r.stderr, "-counter") {
			t.Errorf("got %v, want exit 2 naming -counter and nothing on stdout", r)
		}
	})

	t.Run("pad at a counter the hall does not have", func(t *testing.T) {
		r := run(t, "", "device", "add", "-db", h.db, "-kind", "pad", "-name", "pad-99", "-counter", "99")
		if r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, "counter 99") {
			t.Errorf("got %v, want exit 1 naming counter 99 and nothing on stdout", r)
		}
		if r := run(t, "", "device", "list", "-db", h.db); strings.Contains(r.stdout, "pad-99") {
			t.Errorf("the refused pad is listed:\n%s", r.stdout)
		}
	})

	t.Run("bad kind", func(t *testing.T) {
		r := run(t, "", "device", "add", "-db", h.db, "-kind", "printer", "-name", "p")
		if r.code != 2 || !strings.Contains(r.stderr, "-kind") {
			t.Errorf("got %v, want exit 2 naming -kind", r)
		}
	})
}

// containsLine reports whether some line of out holds every field.
func containsLine(out string, fields ...string) bool {
	for _, line := range strings.Split(out, "\n") {
		have := map[string]bool{}
		for _, f := range strings.Fields(line) {
			have[f] = true
		}
		all := true
		for _, f := range fields {
			all = all && have[f]
		}
		if all {
			return true
		}
	}
	return false
}

func TestVersion(t *testing.T) {
	r := run(t, "", "-version")
	if r.code != 0 || r.stdout != "hallserver "+cli.Version+"\n" {
		t.Errorf("got %v, want exit 0 and %q", r, "hallserver "+cli.Version+"\n")
	}
}

func TestServeEmptyDatabaseSaysWhatToDo(t *testing.T) {
	db := filepath.Join(t.TempDir(), "empty.db")
	r := run(t, "", "-db", db, "-addr", "127.0.0.1:0")
	if r.code != 1 {
		t.Fatalf("got %v, want exit 1", r)
	}
	for _, want := range []string{db, "-config", "-demo"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("message %q does not mention %q", r.stderr, want)
		}
	}
}

func TestCommandsOnAMissingDatabase(t *testing.T) {
	db := filepath.Join(t.TempDir(), "nowhere.db")
	for _, args := range [][]string{
		{"device", "list", "-db", db},
		{"device", "add", "-db", db, "-kind", "kiosk", "-name", "k"},
		{"user", "list", "-db", db},
	} {
		r := run(t, "", args...)
		if r.code != 1 || !strings.Contains(r.stderr, db) {
			t.Errorf("%v: got %v, want exit 1 naming the database", args, r)
		}
	}
	if _, err := os.Stat(db); err == nil {
		t.Errorf("a command created %s; only serving should", db)
	}
}

func TestUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"user"}, "usage:"},
		{[]string{"device", "rename"}, "usage:"},
		{[]string{"device", "revoke", "-db", "x.db"}, "name the device"},
		{[]string{"backup", "-db", "x.db"}, "-o COPY is required"},
		{[]string{"-no-such-flag"}, "-no-such-flag"},
		{[]string{"device", "add", "-colour", "red"}, "-colour"},
	} {
		r := run(t, "", tc.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: got %v, want exit 2 and %q", tc.args, r, tc.want)
		}
	}
}

func TestCheckConfig(t *testing.T) {
	example := filepath.Join("..", "..", "firmware-config", "hall.toml")
	r := run(t, "", "-config", example, "-check-config")
	if r.code != 0 || !strings.Contains(r.stdout, "ok (6 services, 6 counters)") {
		t.Errorf("the example config: got %v, want exit 0 and ok", r)
	}

	data, err := os.ReadFile(example)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	typo := -1
	for i, l := range lines {
		if strings.HasPrefix(l, "max_recalls =") {
			lines[i] = strings.Replace(l, "max_recalls", "max_recall", 1)
			typo = i + 1
			break
		}
	}
	if typo < 0 {
		t.Fatal("the example has no max_recalls line")
	}
	bad := filepath.Join(t.TempDir(), "hall.toml")
	if err := os.WriteFile(bad, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	r = run(t, "", "-config", bad, "-check-config")
	want := fmt.Sprintf("%s:%d: hall.max_recall: unknown key", bad, typo)
	// Exit 2, as for any bad usage: systemd does not restart into it.
	if r.code != 2 || !strings.Contains(r.stderr, want) {
		t.Errorf("got %v, want exit 2 and %q", r, want)
	}
	// Nothing is served or created when checking.
	if strings.Contains(r.stderr, "serving") {
		t.Errorf("-check-config served: %s", r.stderr)
	}
}
