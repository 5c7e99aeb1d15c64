package display_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/server"
	"github.com/hallq/hallq/server/announce"
	"github.com/hallq/hallq/server/api"
	"github.com/hallq/hallq/server/config"
	"github.com/hallq/hallq/server/hall"
	"github.com/hallq/hallq/server/hub"
	"github.com/hallq/hallq/server/sqlite"
)

// testHall is the demo hall started with adjusted settings (servertest
// seeds the demo's settings as they are; these tests need short clips).
type testHall struct {
	t     testing.TB
	URL   string
	Addr  string
	token map[string]string
}

func startHall(t *testing.T, adjust func(*hallq.Settings)) *testHall {
	return startHallAdjusted(t, adjust)
}

// startHallTB is the demo hall as it is, for benchmarks.
func startHallTB(tb testing.TB) *testHall { return startHallAdjusted(tb, nil) }

func startHallAdjusted(t testing.TB, adjust func(*hallq.Settings)) *testHall {
	t.Helper()
	api.PasswordCost = bcrypt.MinCost
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hall.db"))
	if err != nil {
		t.Fatal(err)
	}
	d := config.Demo()
	if adjust != nil {
		adjust(&d.Settings)
	}
	if err := db.Seed(ctx, d.Settings, d.Services, d.Counters); err != nil {
		t.Fatal(err)
	}
	for _, a := range config.DemoAccounts() {
		hash, err := api.HashPassword(a.Password)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.PutUser(ctx, hallq.User{Username: a.Username, Role: a.Role}, hash); err != nil {
			t.Fatal(err)
		}
	}
	for _, dd := range config.DemoDevices() {
		if err := db.AddDevice(ctx, dd.Device, api.HashToken(dd.Token)); err != nil {
			t.Fatal(err)
		}
	}
	logger := slog.New(slog.DiscardHandler)
	hl, err := hall.New(ctx, db, hub.New(), logger)
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(hl, logger)
	srv.SetBookingRate(1000, time.Millisecond) // the tests fill slots from one address
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); hl.Run(runCtx) }()
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		srv.Close()
		hs.Close()
		cancel()
		<-done
		db.Close()
	})
	return &testHall{t: t, URL: hs.URL, Addr: hs.Listener.Addr().String(), token: map[string]string{}}
}

func (h *testHall) do(method, path, token string, body, out any) int {
	h.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	}
	req, _ := http.NewRequest(method, h.URL+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	if out != nil {
		json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}

var loginMu sync.Mutex

func (h *testHall) login(user string) string {
	h.t.Helper()
	loginMu.Lock()
	defer loginMu.Unlock()
	if tok, ok := h.token[user]; ok {
		return tok
	}
	pw := "demo-canbo"
	if user == "admin" {
		pw = "demo-admin"
	}
	var out struct{ Token string }
	if code := h.do("POST", "/api/v1/login", "", map[string]string{"username": user, "password": pw}, &out); code != 200 {
		h.t.Fatalf("login %s: %d", user, code)
	}
	h.token[user] = out.Token
	return out.Token
}

func (h *testHall) issue(service string) hallq.Ticket {
	h.t.Helper()
	var tk hallq.Ticket
	if code := h.do("POST", "/api/v1/tickets", "demo-kiosk-1", map[string]string{"service": service}, &tk); code != 201 {
		h.t.Fatalf("issue: %d", code)
	}
	return tk
}

func (h *testHall) counter(n int, action string) (hallq.Ticket, int) {
	h.t.Helper()
	var tk hallq.Ticket
	code := h.do("POST", fmt.Sprintf("/api/v1/counters/%d/%s", n, action), h.login(fmt.Sprintf("canbo%d", n)), nil, &tk)
	return tk, code
}

// notice puts text on the hall TV, as an admin.
func (h *testHall) notice(text string) {
	h.t.Helper()
	if code := h.do("POST", "/api/v1/notice", h.login("admin"), map[string]string{"text": text}, nil); code != 200 && code != 204 {
		h.t.Fatalf("notice: %d", code)
	}
}

// call calls the next ticket at counter n, finishing its current one first.
func (h *testHall) call(n int) hallq.Ticket {
	h.t.Helper()
	h.counter(n, "finish")
	tk, code := h.counter(n, "next")
	if code != 200 {
		h.t.Fatalf("next at %d: %d", n, code)
	}
	return tk
}

// shortClips writes a clip folder in which every piece a call needs is a
// 60 ms tone and the chime 80 ms, so a whole announcement lasts about a
// second: long enough to overlap if the queue were wrong, short enough for
// a test.
func shortClips(t *testing.T) string {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "vi"), 0o755)
	tone := func(freq, secs float64) []byte {
		p := &announce.PCM{Rate: announce.Rate, Samples: make([]int16, int(secs*announce.Rate))}
		for i := range p.Samples {
			p.Samples[i] = int16(8000 * math.Sin(2*math.Pi*freq*float64(i)/announce.Rate))
		}
		return announce.EncodeWAV(p)
	}
	os.WriteFile(filepath.Join(dir, "chime.wav"), tone(880, 0.08), 0o644)
	words := []string{"xin mời công dân có số thứ tự", "đến quầy số", "không", "một", "hai", "ba", "bốn", "năm",
		"sáu", "bảy", "tám", "chín", "mười", "mươi", "mốt", "tư", "lăm", "linh", "trăm", "nghìn"}
	for i, w := range words {
		os.WriteFile(filepath.Join(dir, "vi", w+".wav"), tone(300+float64(i)*40, 0.06), 0o644)
	}
	return dir
}
