package central_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/central"
	"github.com/hallq/hallq/server/api"
	cityserver "github.com/hallq/hallq/server/city"
)

// TestRestoredHallStopsLoudly: a hall's database is replaced by an older
// backup and the hall goes on working. Its shipper finds that the store
// holds another history (they agree up to the backup), stops, and says so
// in its status, with the events it has not shipped and their age; the
// store's copy stays the old history, whole and unmixed, and the city sees
// the divergence. The documented resolution (hallserver central new-epoch
// after the last shared event) sets the old tail aside, whole, and the hall
// ships its own history again until the store equals it row by row.
func TestRestoredHallStopsLoudly(t *testing.T) {
	city := newCity(t)
	ctx := context.Background()
	clk := &clock{t: day1}
	rng := rand.New(rand.NewPCG(11, 12))
	h := city.startHall("hall-a", clk)
	dsn := h.dsn
	h.ship(rng, 200)
	backup := filepath.Join(t.TempDir(), "backup.db")
	if err := h.db.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	k := h.head()
	h.ship(rng, 200)
	n := h.head()
	h.stop()
	old := &testHall{t: t, id: h.id, path: filepath.Join(t.TempDir(), "old.db")}
	copyFile(t, h.path, old.path)
	sameCopy(t, city.super, old)

	// The backup goes back in, and the hall works on.
	copyFile(t, backup, h.path)
	h.start(dsn)
	h.drive(rng, 100)
	waitFor(t, "the divergence", func() bool { return h.shipper.Status(ctx).State == central.StateDiverged })
	st := h.shipper.Status(ctx)
	d := st.Diverged
	if d == nil || d.After != k || d.CentralSeq != n || st.Connected || !strings.Contains(st.LastError, "another history") ||
		!strings.Contains(d.Resolve, "new-epoch") || !strings.Contains(d.Resolve, "-after "+strconv.FormatInt(k, 10)) {
		t.Fatalf("diverged status: %+v %+v, want it to share up to %d with the store's %d", st, d, k, n)
	}
	if *st.Acked != k || *st.Pending != h.head()-k || *st.LagSeconds <= 0 || st.Shipped != 0 {
		t.Errorf("while diverged: acked %d pending %d lag %v shipped %d; want %d, %d, its age, 0",
			*st.Acked, *st.Pending, *st.LagSeconds, st.Shipped, k, h.head()-k)
	}
	// It stays stopped, and nothing of either history is lost or mixed.
	h.drive(rng, 50)
	time.Sleep(3 * h.shipper.MaxBackoff)
	if st := h.shipper.Status(ctx); st.State != central.StateDiverged || *st.Pending != h.head()-k {
		t.Errorf("later: %+v, want still diverged with every new event pending", st)
	}
	sameCopy(t, city.super, old)
	halls, err := city.owner.Halls(ctx)
	if err != nil || len(halls) != 1 || halls[0].Diverged == nil || halls[0].Diverged.After != k || halls[0].Diverged.Head < k {
		t.Fatalf("the city's view: %+v, %v; want hall-a diverged after %d", halls, err, k)
	}
	say := newLoud(t, city, h)
	say.check(true, k)

	// The resolution: the store's events after k are set aside.
	e, err := city.owner.NewEpoch(ctx, h.id, k, "restored from a backup")
	if err != nil || e.Epoch != 2 || e.SetAside != n-k || e.Through != n {
		t.Fatalf("new epoch: %+v, %v; want epoch 2 setting %d events aside", e, err, n-k)
	}
	h.waitShipped()
	if st := h.shipper.Status(ctx); st.State != central.StateShipping || st.Diverged != nil || st.Epoch != 2 || st.Shipped != h.head()-k {
		t.Errorf("after new-epoch: %+v, want shipping epoch 2, its %d events shipped", st, h.head()-k)
	}
	say.check(false, k)
	h.stop()
	sameCopy(t, city.super, h)
	oldEvents, _, _ := hallRows(t, old.path)
	sameRows(t, "set aside", oldEvents[k:], forked(t, city.super, h.id, 1))
	if halls, _ := city.owner.Halls(ctx); halls[0].Diverged != nil {
		t.Errorf("the city's view after new-epoch: %+v, want no divergence", halls[0].Diverged)
	}
	if _, err := city.owner.NewEpoch(ctx, h.id, h.head(), ""); err == nil || !strings.Contains(err.Error(), "nothing after") {
		t.Errorf("new-epoch with nothing to set aside: %v", err)
	}
}

// TestImpostorsStopLoudly: a second server ships with a hall's credential,
// first a fresh one, then a copy of the hall's own disk. The fresh one is
// stopped at once and the hall ships on untouched; the copy gets its own
// events into the store first, and then the hall itself stops, with the
// copy's events never mixed into its history. The documented resolution —
// the second server gets a role of its own, the hall a new password, and
// new-epoch sets the copy's events aside — brings both back, each equal to
// the store's copy row by row.
func TestImpostorsStopLoudly(t *testing.T) {
	city := newCity(t)
	ctx := context.Background()
	clk := &clock{t: day1}
	rng := rand.New(rand.NewPCG(21, 22))
	a := city.startHall("hall-a", clk)
	dsnA := a.dsn
	a.ship(rng, 150)

	// A fresh server given hall a's id and credential (say, a second hall
	// configured by copy and paste).
	b := newHall(t, "hall-a", clk)
	b.start(dsnA)
	b.drive(rng, 100)
	waitFor(t, "the fresh impostor's divergence", func() bool { return b.shipper.Status(ctx).State == central.StateDiverged })
	a.ship(rng, 100)
	sameCopy(t, city.super, a)
	if st := b.shipper.Status(ctx); st.Shipped != 0 || *st.Pending != b.head()-st.Diverged.After {
		t.Errorf("the impostor: %+v, want nothing shipped and its events pending", st)
	}

	// A copy of hall a's disk, with its credential, while a is idle: the
	// copy's events get in first, and a's next batch is refused.
	k := a.head()
	cpath := filepath.Join(t.TempDir(), "copy.db")
	if err := a.db.Backup(ctx, cpath); err != nil {
		t.Fatal(err)
	}
	c := &testHall{t: t, id: "hall-a", path: cpath, clock: clk}
	c.start(dsnA)
	c.ship(rng, 100)
	a.drive(rng, 100)
	waitFor(t, "hall a's divergence", func() bool { return a.shipper.Status(ctx).State == central.StateDiverged })
	st := a.shipper.Status(ctx)
	if st.Diverged.After != k || st.Diverged.CentralSeq != c.head() || *st.Pending != a.head()-k {
		t.Errorf("hall a: %+v %+v, want it to share up to %d with the store's %d", st, st.Diverged, k, c.head())
	}
	// The store holds a's history up to k and the copy's after, each whole.
	sameCopy(t, city.super, c)

	// The resolution: the impostors stop; b gets a role of its own and
	// ships as itself; a gets a new password (the old one, which c has,
	// stops working) and the copy's events are set aside.
	b.stop()
	c.stop()
	b.id = "hall-b"
	b.start(city.addHall(b.id, ""))
	cr, err := city.owner.AddHall(ctx, a.id, "", true)
	if err != nil {
		t.Fatal(err)
	}
	var pe *pgconn.PgError
	if _, err := pgx.Connect(ctx, dsnA); !errors.As(err, &pe) || pe.Code != "28P01" {
		t.Errorf("the old password after -rotate: %v, want refused", err)
	}
	a.stop()
	a.start(city.c.RoleDSN(city.o.DB, cr.Role, cr.Password, ""))
	if _, err := city.owner.NewEpoch(ctx, a.id, k, "a copy of the disk shipped as hall-a"); err != nil {
		t.Fatal(err)
	}
	a.drive(rng, 50)
	b.drive(rng, 50)
	a.waitShipped()
	b.waitShipped()
	a.stop()
	b.stop()
	sameCopy(t, city.super, a)
	sameCopy(t, city.super, b)
	cEvents, _, _ := hallRows(t, c.path)
	sameRows(t, "set aside", cEvents[k:], forked(t, city.super, a.id, 1))
}

// forked reads the events set aside of hall's epoch.
func forked(t testing.TB, dsn, hall string, epoch int) []eventRow {
	t.Helper()
	conn := pgConn(t, dsn)
	defer conn.Close(context.Background())
	return pgRows(t, conn, `SELECT `+eventCols+` FROM forked_events WHERE hall_id = $1 AND epoch = $2 ORDER BY seq`, scanEvent, hall, epoch)
}

func copyFile(t testing.TB, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(to + "-wal")
	os.Remove(to + "-shm")
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// loud is every place a divergence is said: the hall's /metrics, /healthz
// and the banner on its staff pages, and the city server's dashboard.
type loud struct {
	t                     *testing.T
	hall, city            string // base URLs
	admin, manager, cityM string // tokens
	id                    string
}

func newLoud(t *testing.T, city *testCity, h *testHall) *loud {
	t.Helper()
	hs := httptest.NewServer(h.srv.Handler())
	t.Cleanup(hs.Close)
	hash, err := api.HashPassword("city-manager")
	if err != nil {
		t.Fatal(err)
	}
	if err := city.owner.AddUser(context.Background(), hallq.User{Username: "tp", Role: hallq.RoleManager}, hash); err != nil {
		t.Fatal(err)
	}
	cs := httptest.NewServer(cityserver.New(city.open(city.cityServer()), quiet()).Handler())
	t.Cleanup(cs.Close)
	return &loud{t: t, hall: hs.URL, city: cs.URL, id: h.id,
		admin: login(t, hs.URL, "admin", "demo-admin"), manager: login(t, hs.URL, "quanly", "demo-quanly"),
		cityM: login(t, cs.URL, "tp", "city-manager")}
}

// check checks that every place says the hall diverged after event after,
// or, with !diverged, that none does.
func (l *loud) check(diverged bool, after int64) {
	t := l.t
	t.Helper()
	metric := "hallq_central_diverged 0\n"
	health := map[string]any{"status": "ok", "central": "ok"}
	resolve := fmt.Sprintf("-hall-id %s -after %d", l.id, after)
	if diverged {
		metric = "hallq_central_diverged 1\n"
		health = map[string]any{"status": "degraded", "central": "diverged"}
	}
	if m := getPage(t, l.hall+"/metrics", ""); !strings.Contains(m, metric) {
		t.Errorf("/metrics lacks %q", metric)
	}
	var h map[string]any
	get(t, l.hall+"/healthz", "", &h) // 200 either way: the hall serves its citizens
	if h["status"] != health["status"] || h["central"] != health["central"] {
		t.Errorf("/healthz: %v, want %v", h, health)
	}
	for _, page := range []struct{ url, token, want string }{
		{l.hall + "/admin?lang=en", l.admin, "Shipping to the city's central store has STOPPED"},
		{l.hall + "/manager?lang=vi", l.manager, "Đã DỪNG gửi dữ liệu lên máy chủ thành phố"},
		{l.city + "/manager?lang=en", l.cityM, "stopped shipping: the central store holds another history"},
	} {
		body := getPage(t, page.url, page.token)
		alert := strings.Contains(body, `class="alert"`) && strings.Contains(body, page.want) && strings.Contains(body, resolve)
		if alert != diverged {
			t.Errorf("%s: alert shown %v, want %v (%q, %q)", page.url, alert, diverged, page.want, resolve)
		}
	}
}
