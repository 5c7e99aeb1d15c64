package central_test

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/central"
	"github.com/hallq/hallq/hallclient"
	"github.com/hallq/hallq/internal/eventually"
	"github.com/hallq/hallq/simhall"
)

var day1 = time.Date(2026, 11, 2, 8, 0, 0, 0, hcm)

// TestShipThroughOutagesAndRestarts: five halls ship, each as its own
// role, while the uplink is cut and restored, one hall is restarted and
// another (a hallserver process) killed with SIGKILL in the middle of a
// backlog, and the central PostgreSQL itself is stopped and started: each
// hall's central copy ends equal to its own, row by row; while the uplink
// is down every hall's pending and lag say what it has not shipped; and
// everything sent again changes nothing.
func TestShipThroughOutagesAndRestarts(t *testing.T) {
	city := newCity(t)
	ctx := context.Background()
	proxy := city.proxy()

	rng := rand.New(rand.NewPCG(1, 2))
	clk := &clock{t: day1}
	var halls []*testHall
	dsns := map[string]string{}
	for _, id := range []string{"nhatrang-loc-tho", "hall-b", "hall-c", "hall-d"} {
		h := newHall(t, id, clk)
		dsns[id] = city.addHall(id, proxy.Addr())
		h.start(dsns[id])
		halls = append(halls, h)
	}
	defer func() {
		for _, h := range halls {
			if h.cancel != nil {
				h.stop()
			}
		}
	}()
	ph := startProcHall(t, "hall-e", city.addHall("hall-e", proxy.Addr()))
	drive := func(steps int) {
		for _, h := range halls {
			h.drive(rng, steps)
		}
		ph.drive(steps / 8)
	}
	drive(60)
	for _, h := range halls {
		h.waitShipped()
	}
	ph.waitShipped()

	// The uplink goes down: the halls go on, the lag shows.
	proxy.Down()
	drive(150) // more than a batch of 50 events
	for _, h := range halls {
		waitFor(t, h.id+"'s shipper to notice the cut", func() bool {
			st := h.shipper.Status(ctx)
			return !st.Connected && st.LastError != ""
		})
		st := h.shipper.Status(ctx)
		if st.Pending == nil || *st.Pending != h.head()-*st.Acked || *st.Pending == 0 || st.LagSeconds == nil || *st.LagSeconds <= 0 ||
			st.OldestPendingAt == nil || st.State != central.StateRetrying {
			t.Fatalf("%s while cut: got status %+v, want its pending events and their age", h.id, st)
		}
	}
	if st := ph.status(); st.State != central.StateRetrying || st.Pending == nil || *st.Pending == 0 {
		t.Fatalf("%s while cut: got status %+v, want retrying with pending events", ph.id, st)
	}
	// Back up; one hall restarts while its backlog is on its way (batches
	// of 50), another is killed with SIGKILL.
	proxy.Up()
	h := halls[0]
	waitFor(t, "a first batch after the cut", func() bool {
		st := h.shipper.Status(ctx)
		return st.Connected && *st.Acked > 0 && *st.Pending > 0
	})
	h.stop()
	ph.kill()
	h.start(dsns[h.id])
	ph.start()
	drive(60)
	// A new day, and the central server itself crashes and comes back.
	clk.Set(day1.AddDate(0, 0, 1))
	drive(60)
	if err := city.c.Stop(); err != nil {
		t.Fatal(err)
	}
	drive(60)
	if err := city.c.Restart(); err != nil {
		t.Fatal(err)
	}
	drive(30)
	for _, h := range halls {
		h.waitShipped()
		st := h.shipper.Status(ctx)
		if *st.Pending != 0 || *st.LagSeconds != 0 || !st.Connected || st.State != central.StateShipping {
			t.Errorf("%s caught up: got %+v, want nothing pending and shipping", h.id, st)
		}
	}
	ph.waitShipped()
	ph.stop()
	sameCopy(t, city.super, ph.testHall())
	for _, h := range halls {
		h.stop()
		sameCopy(t, city.super, h)
	}

	// Everything sent again changes nothing, and is not counted as new.
	for _, h := range halls {
		db, err := openHallStore(h.path)
		if err != nil {
			t.Fatal(err)
		}
		evs, err := db.EventsRaw(ctx, 0, 1_000_000)
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		res, err := city.open(dsns[h.id]).Ship(ctx, evs)
		if err != nil || res.Last != evs[len(evs)-1].Seq || res.Inserted != 0 {
			t.Fatalf("%s sent again: got %+v, %v; want %d and nothing new", h.id, res, err, evs[len(evs)-1].Seq)
		}
		sameCopy(t, city.super, h)
	}
}

// TestShipRefusesGaps: a batch that does not continue what the store holds
// is refused whole; one that overlaps it applies only what is new.
func TestShipRefusesGaps(t *testing.T) {
	city := newCity(t)
	ctx := context.Background()
	h := newHall(t, "hall-a", &clock{t: day1})
	h.start("")
	h.drive(rand.New(rand.NewPCG(3, 4)), 200)
	h.stop()
	db, err := openHallStore(h.path)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := db.EventsRaw(ctx, 0, 1000)
	db.Close()
	if err != nil || len(evs) < 100 {
		t.Fatalf("got %d events, %v", len(evs), err)
	}
	cdb := city.open(city.addHall(h.id, ""))
	if _, err := cdb.Ship(ctx, evs[10:20]); err == nil || !strings.Contains(err.Error(), "gap") {
		t.Fatalf("a batch after a gap: got %v, want refused", err)
	}
	if head, _ := cdb.Head(ctx); head.Seq != 0 {
		t.Fatalf("after a refused batch: the store holds up to %d, want 0", head.Seq)
	}
	held := 0
	for _, b := range [][2]int{{0, 30}, {10, 60}, {0, 60}, {60, len(evs)}} {
		res, err := cdb.Ship(ctx, evs[b[0]:b[1]])
		want := max(0, b[1]-held)
		if err != nil || res.Last != evs[b[1]-1].Seq || res.Inserted != want {
			t.Fatalf("batch %v: got %+v, %v; want %d with %d new", b, res, err, evs[b[1]-1].Seq, want)
		}
		held = max(held, b[1])
	}
	sameCopy(t, city.super, h)
}

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	eventually.True(t, time.Minute, what, cond)
}

// procHall is a demo hall run as a hallserver process (the test binary,
// see TestMain) shipping to the central store, driven through its API.
type procHall struct {
	t      testing.TB
	id     string
	srv    *simhall.Server
	api    *hallclient.Client
	admin  string // tokens of the demo's admin and canbo1
	off    string
	ctr    int
	mu     sync.Mutex
	closed bool
}

func startProcHall(t testing.TB, id, dsn string) *procHall {
	t.Helper()
	p := &procHall{t: t, id: id, srv: &simhall.Server{Command: simhall.SelfCommand([]string{serverEnv}),
		DB: filepath.Join(t.TempDir(), id+".db"), Extra: []string{"-central-dsn", dsn, "-hall-id", id}}}
	p.start()
	t.Cleanup(func() { p.srv.Kill() })
	return p
}

func (p *procHall) start() {
	p.t.Helper()
	ctx := context.Background()
	if err := p.srv.Start(ctx); err != nil {
		p.t.Fatal(err)
	}
	// Generous: the test binary runs with the race detector on a busy
	// machine.
	p.api = hallclient.New(p.srv.URL, time.Minute)
	s, err := p.api.Login(ctx, "admin", "demo-admin")
	if err != nil {
		p.t.Fatal(err)
	}
	p.admin = s.Token
	if s, err = p.api.Login(ctx, "canbo1", "demo-canbo"); err != nil {
		p.t.Fatal(err)
	}
	p.off = s.Token
}

func (p *procHall) kill() { p.srv.Kill() }
func (p *procHall) stop() { p.srv.Stop() }

// drive issues n tickets at the kiosk and has counter 1 call and finish
// about every second one, with a rating after each.
func (p *procHall) drive(n int) {
	p.t.Helper()
	ctx := context.Background()
	if _, err := p.api.SetCounter(ctx, p.off, 1, "open"); err != nil {
		p.t.Fatal(err)
	}
	for i := range n {
		if _, err := p.api.Issue(ctx, "demo-kiosk-1", hallq.TicketRequest{Service: "A"}); err != nil {
			p.t.Fatal(err)
		}
		if i%2 == 1 {
			if _, err := p.api.Next(ctx, p.off, 1); err != nil {
				p.t.Fatal(err)
			}
			if _, err := p.api.Finish(ctx, p.off, 1); err != nil {
				p.t.Fatal(err)
			}
			p.ctr++
			if _, err := p.api.Rate(ctx, "demo-pad-1", hallq.RatingPress{Counter: 1, Score: 1 + p.ctr%3, DeviceSeq: int64(p.ctr)}); err != nil {
				p.t.Fatal(err)
			}
		}
	}
}

func (p *procHall) status() central.Status {
	p.t.Helper()
	var st struct {
		central.Status
		Configured bool `json:"configured"`
	}
	if _, err := p.api.Do(context.Background(), "GET", "/api/v1/central/status", p.admin, nil, &st); err != nil {
		p.t.Fatal(err)
	}
	return st.Status
}

// waitShipped waits until the central store holds the hall's whole log.
func (p *procHall) waitShipped() {
	p.t.Helper()
	var last central.Status
	deadline := time.Now().Add(time.Minute)
	for {
		last = p.status()
		if last.State == central.StateShipping && last.Pending != nil && *last.Pending == 0 {
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("hall %s: not shipped after a minute: %+v", p.id, last)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// testHall is the process hall's files, for sameCopy.
func (p *procHall) testHall() *testHall { return &testHall{t: p.t, id: p.id, path: p.srv.DB} }

// TestLagIsTrueWhileStopped: a hall restarted while the central store is
// out of reach reports, from what it recorded at its last contact, the
// events it has not shipped and the age of the oldest — on its status and
// on /metrics, where the documented lag alert reads them; one that never
// shipped counts its whole log.
func TestLagIsTrueWhileStopped(t *testing.T) {
	city := newCity(t)
	ctx := context.Background()
	proxy := city.proxy()
	dsn := city.addHall("hall-a", proxy.Addr())
	clk := &clock{t: day1}
	rng := rand.New(rand.NewPCG(5, 7))
	h := newHall(t, "hall-a", clk)
	h.start(dsn)
	h.ship(rng, 150)
	shipped := h.head()
	h.stop()

	proxy.Down()
	h.start(dsn)
	defer h.stop()
	h.drive(rng, 100)
	waitFor(t, "the first failure", func() bool { return h.shipper.Status(ctx).LastError != "" })
	st := h.shipper.Status(ctx)
	if st.State != central.StateRetrying || st.Acked == nil || *st.Acked != shipped || !st.AckedSaved ||
		*st.Pending != h.head()-shipped || *st.LagSeconds <= 0 || st.OldestPendingAt == nil {
		t.Fatalf("restarted with the store out of reach: %+v, want %d acked as recorded and the rest pending with its age", st, shipped)
	}
	metrics := scrape(t, h)
	for _, m := range []string{"hallq_central_connected 0", "hallq_central_pending_events " + strconv.FormatInt(h.head()-shipped, 10)} {
		if !strings.Contains(metrics, m+"\n") {
			t.Errorf("/metrics lacks %q:\n%s", m, metrics)
		}
	}
	if !regexp.MustCompile(`(?m)^hallq_central_lag_seconds [1-9]`).MatchString(metrics) {
		t.Errorf("/metrics: want a lag of a second or more:\n%s", metrics)
	}

	// A hall that never shipped has shipped nothing.
	fresh := newHall(t, "hall-b", clk)
	fresh.start(city.addHall("hall-b", proxy.Addr()))
	defer fresh.stop()
	fresh.drive(rng, 50)
	waitFor(t, "the first failure", func() bool { return fresh.shipper.Status(ctx).LastError != "" })
	if st := fresh.shipper.Status(ctx); st.Acked == nil || *st.Acked != 0 || *st.Pending != fresh.head() || *st.LagSeconds <= 0 {
		t.Errorf("a hall that never shipped, store out of reach: %+v, want its whole log pending", st)
	}
	proxy.Up()
	h.waitShipped()
	fresh.waitShipped()
}

// scrape reads a hall's /metrics.
func scrape(t testing.TB, h *testHall) string {
	t.Helper()
	srv := httptest.NewServer(h.srv.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
