package enrol_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/enrol"
	"github.com/hallq/hallq/internal/eventually"
	"github.com/hallq/hallq/internal/syncbuf"
	"github.com/hallq/hallq/server/servertest"
)

type result struct {
	token string
	err   error
}

// start runs an enroller against the hall in the background.
func start(t *testing.T, h *servertest.Hall, name, kind string) (*enrol.Enroller, *syncbuf.Buffer, chan result) {
	t.Helper()
	out := &syncbuf.Buffer{}
	e := &enrol.Enroller{ServerURL: h.URL, Name: name, Kind: kind, Out: out,
		TokenFile: filepath.Join(t.TempDir(), kind+".token"),
		MinWait:   10 * time.Millisecond, MaxWait: 50 * time.Millisecond}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	done := make(chan result, 1)
	go func() {
		tok, err := e.Run(ctx)
		done <- result{tok, err}
	}()
	return e, out, done
}

var codeRE = regexp.MustCompile(`this code: ([A-Z0-9-]+)`)

func TestEnrolApprovedSavesAWorkingToken(t *testing.T) {
	h := servertest.Start(t, servertest.Options{})
	e, out, done := start(t, h, "kiosk-entrance", "kiosk")
	req := h.PendingEnrolment(h.Login("admin"), "kiosk-entrance", "")

	// The code the device shows is the one the admin sees.
	eventually.True(t, time.Minute, "the code printed", func() bool { return codeRE.MatchString(out.String()) })
	m := codeRE.FindStringSubmatch(out.String())
	if m == nil || m[1] != req.Code {
		t.Fatalf("device printed %q, admin sees code %q", out.String(), req.Code)
	}
	// While pending the device waits.
	select {
	case r := <-done:
		t.Fatalf("enroller returned %q, %v before approval", r.token, r.err)
	case <-time.After(100 * time.Millisecond):
	}
	if code, body := h.Raw("POST", "/api/v1/enrolments/"+req.ID+"/approve", h.Login("admin"), nil); code != 200 {
		t.Fatalf("approve: %d %s", code, body)
	}
	r := <-done
	if r.err != nil || r.token == "" {
		t.Fatalf("got %q, %v; want a token", r.token, r.err)
	}
	fi, err := os.Stat(e.TokenFile)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("token file mode %v, want 0600", fi.Mode().Perm())
	}
	if saved, err := enrol.LoadToken(e.TokenFile); err != nil || saved != r.token {
		t.Errorf("saved token %q, %v; want %q", saved, err, r.token)
	}
	var tk hallq.Ticket
	if code := h.Do("POST", "/api/v1/tickets", r.token, map[string]string{"service": "A", "idempotency_key": "k1"}, &tk); code != http.StatusCreated {
		t.Fatalf("issue with the enrolled token: %d", code)
	}

	// Run again: the saved token, without asking the server.
	e2 := *e
	e2.ServerURL = "http://127.0.0.1:1" // nothing listens
	if tok, err := e2.Run(context.Background()); err != nil || tok != r.token {
		t.Errorf("second run: got %q, %v; want the saved token", tok, err)
	}
}

func TestEnrolRejectedGetsNothing(t *testing.T) {
	h := servertest.Start(t, servertest.Options{})
	e, _, done := start(t, h, "tv-hall", "display")
	req := h.PendingEnrolment(h.Login("admin"), "tv-hall", "")
	if code, body := h.Raw("POST", "/api/v1/enrolments/"+req.ID+"/reject", h.Login("admin"), nil); code != 200 {
		t.Fatalf("reject: %d %s", code, body)
	}
	r := <-done
	if !errors.Is(r.err, enrol.ErrRejected) || r.token != "" {
		t.Errorf("got %q, %v; want ErrRejected", r.token, r.err)
	}
	if _, err := os.Stat(e.TokenFile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("token file after rejection: %v, want none", err)
	}
}

func TestEnrolStopsWithContext(t *testing.T) {
	h := servertest.Start(t, servertest.Options{})
	e := &enrol.Enroller{ServerURL: h.URL, Name: "pad-3", Kind: "pad", Out: &syncbuf.Buffer{},
		TokenFile: filepath.Join(t.TempDir(), "pad.token"), MinWait: 10 * time.Millisecond}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if tok, err := e.Run(ctx); !errors.Is(err, context.DeadlineExceeded) || tok != "" {
		t.Errorf("got %q, %v; want the context's error", tok, err)
	}
}

// A busy server (429, or 503 with every place for a request taken) is
// waited out; a refused request is an error.
func TestEnrolRetriesWhenRateLimited(t *testing.T) {
	var posts atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int32(0)
		if r.Method == "POST" {
			n = posts.Add(1)
		}
		switch {
		case n == 1:
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte(`{"error":{"code":"unavailable","reason":"too_many_pending","message":"50 enrolment requests already wait"}}`))
		case n == 2:
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte(`{"error":{"code":"unavailable","reason":"address_pending","message":"8 enrolment requests from 10.0.0.9 already wait"}}`))
		case n == 3:
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			w.Write([]byte(`{"error":{"code":"unavailable","reason":"rate_limited","message":"slow down"}}`))
		case r.Method == "POST":
			w.WriteHeader(http.StatusAccepted)
			w.Write([]byte(`{"id":"X1","state":"pending","secret":"s","poll":"/api/v1/enrol/X1?secret=s"}`))
		case r.URL.Query().Get("secret") == "s":
			w.Write([]byte(`{"id":"X1","state":"approved","token":"tok-1"}`))
		default:
			http.Error(w, "{}", http.StatusForbidden)
		}
	}))
	defer srv.Close()
	out := &syncbuf.Buffer{}
	e := &enrol.Enroller{ServerURL: srv.URL, Name: "k1", Kind: "kiosk", Out: out,
		TokenFile: filepath.Join(t.TempDir(), "t"), MinWait: 10 * time.Millisecond}
	start := time.Now()
	tok, err := e.Run(context.Background())
	if err != nil || tok != "tok-1" {
		t.Fatalf("got %q, %v; want tok-1", tok, err)
	}
	if el := time.Since(start); el < time.Second {
		t.Errorf("retried after %v, want at least the 1 s Retry-After", el)
	}
	if !strings.Contains(out.String(), "busy") {
		t.Errorf("output %q does not mention the busy server", out.String())
	}

	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"error":{"code":"invalid","message":"name \"k 1\": want letters"}}`))
	}))
	defer bad.Close()
	e = &enrol.Enroller{ServerURL: bad.URL, Name: "k 1", Kind: "kiosk", Out: out, TokenFile: filepath.Join(t.TempDir(), "t")}
	if _, err := e.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "want letters") {
		t.Errorf("got %v, want the server's refusal", err)
	}
}

func TestNewCode(t *testing.T) {
	re := regexp.MustCompile(`^[A-HJKMNP-Z2-9]{3}-[A-HJKMNP-Z2-9]{3}$`)
	seen := map[string]bool{}
	for range 100 {
		c := enrol.NewCode()
		if !re.MatchString(c) {
			t.Fatalf("code %q does not match %s", c, re)
		}
		seen[c] = true
	}
	if len(seen) < 95 {
		t.Errorf("only %d distinct codes in 100", len(seen))
	}
}
