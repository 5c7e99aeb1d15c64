package server_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/hallq/hallq/server/servertest"
)

// healthz reads /healthz.
func healthz(t *testing.T, h *servertest.Hall) (int, map[string]any) {
	t.Helper()
	code, body := h.Raw("GET", "/healthz", "", "")
	var out map[string]any
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("healthz %d %s: %v", code, body, err)
	}
	return code, out
}

// fullDiskEnv marks the process TestStoreFailureIsReported runs its hall
// in.
const fullDiskEnv = "HALLQ_TEST_FULL_DISK"

// TestStoreFailureIsReported: while the database cannot be written (here
// every file may grow by nothing: RLIMIT_FSIZE, as a full disk does to
// SQLite) issuing a ticket and signing in answer 503 with reason "store"
// and a message in Vietnamese, never 500, and /healthz says the store is
// not ok; once a write succeeds again, it is ok again.
//
// The limit holds for the whole process, so the test runs in a process of
// its own: in the test binary, any file another test or the binary's own
// test log wrote meanwhile failed too ("can't write testlog.txt: file too
// large" failed the package once under load).
func TestStoreFailureIsReported(t *testing.T) {
	if os.Getenv(fullDiskEnv) == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestStoreFailureIsReported$", "-test.v", "-test.count=1", "-test.timeout=10m")
		cmd.Env = append(os.Environ(), fullDiskEnv+"=1")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "--- PASS: TestStoreFailureIsReported") {
			t.Fatalf("the full-disk hall in its own process: %v\n%s", err, out)
		}
		return
	}
	h := servertest.Start(t, servertest.Options{})
	if code, body := healthz(t, h); code != 200 || body["store"] != "ok" {
		t.Fatalf("healthz before: %d %v", code, body)
	}
	issue(t, h, "A")

	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		t.Fatal(err)
	}
	full := old
	full.Cur = 0
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &full); err != nil {
		t.Fatal(err)
	}
	restored := false
	restore := func() {
		if !restored {
			syscall.Setrlimit(syscall.RLIMIT_FSIZE, &old)
			restored = true
		}
	}
	defer restore()

	code, body := h.Raw("POST", "/api/v1/tickets", servertest.KioskToken, `{"service":"A"}`)
	if code != 503 || !strings.Contains(string(body), `"reason":"store"`) || !strings.Contains(string(body), "Không lưu được") {
		t.Errorf("issue on a full disk: %d %s, want 503 reason store with a Vietnamese message", code, body)
	}
	code, body = h.Raw("POST", "/api/v1/login", "", `{"username":"canbo1","password":"demo-canbo"}`)
	if code != 503 || !strings.Contains(string(body), `"reason":"store"`) {
		t.Errorf("sign-in on a full disk: %d %s, want 503 reason store", code, body)
	}
	hc, hb := healthz(t, h)
	if hc != 503 || hb["status"] != "store" || !strings.Contains(hb["store"].(string), "writes failing") {
		t.Errorf("healthz on a full disk: %d %v", hc, hb)
	}

	restore()
	if code, body := h.Raw("POST", "/api/v1/tickets", servertest.KioskToken, `{"service":"A"}`); code != 201 {
		t.Fatalf("issue once the disk has room: %d %s", code, body)
	}
	if code, body := healthz(t, h); code != 200 || body["store"] != "ok" {
		t.Errorf("healthz once a commit succeeded: %d %v", code, body)
	}

	// Low disk: a threshold above the disk's free space.
	h.Server.MinFreeBytes = 1 << 62
	if code, body := healthz(t, h); code != 503 || !strings.Contains(body["store"].(string), "low disk") {
		t.Errorf("healthz under the free space threshold: %d %v", code, body)
	}
}
