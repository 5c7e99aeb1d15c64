package central_test

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/hallq/hallq/internal/eventually"
	"github.com/hallq/hallq/internal/netcut"

	"github.com/hallq/hallq/central"
	"github.com/hallq/hallq/central/pgtest"
)

var day1 = time.Date(2026, 11, 2, 8, 0, 0, 0, hcm)

// TestShipThroughOutagesAndRestarts ships a working hall's log while the
// uplink is cut and restored, the hall is restarted in the middle of a
// backlog, and the central PostgreSQL itself is stopped and started: the
// central copy ends equal to the hall's own, row by row.
func TestShipThroughOutagesAndRestarts(t *testing.T) {
	c := pgtest.Shared(t)
	dsn := pgtest.NewDB(t)
	ctx := context.Background()
	db := strings.TrimPrefix(dsn[strings.LastIndexByte(dsn, '/')+1:], "")
	db = strings.SplitN(db, "?", 2)[0]
	proxy, err := netcut.New(c.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	viaProxy := c.DSN(db, proxy.Addr())

	rng := rand.New(rand.NewPCG(1, 2))
	h := newHall(t, "nhatrang-loc-tho", &clock{t: day1})
	h.start(viaProxy)
	h.drive(rng, 200)
	h.waitShipped(time.Minute)

	// The uplink goes down: the hall goes on, the lag shows.
	proxy.Down()
	h.drive(rng, 300)
	waitFor(t, "the shipper to notice the cut", func() bool {
		st := h.shipper.Status(ctx)
		return !st.Connected && st.LastError != ""
	})
	st := h.shipper.Status(ctx)
	if st.Pending == nil || *st.Pending == 0 || st.LagSeconds == nil || st.OldestPendingAt == nil {
		t.Fatalf("while cut: got status %+v, want pending events and their age", st)
	}
	// Back up, and the hall restarts while the backlog is on its way
	// (batches of 50).
	proxy.Up()
	waitFor(t, "a first batch after the cut", func() bool {
		st := h.shipper.Status(ctx)
		return st.Connected && *st.Acked > 0 && *st.Pending > 0
	})
	h.stop()
	h.start(viaProxy)
	h.drive(rng, 200)
	// A new day, and the central server itself crashes and comes back.
	h.clock.Set(day1.AddDate(0, 0, 1))
	h.drive(rng, 200)
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	h.drive(rng, 200)
	if err := c.Restart(); err != nil {
		t.Fatal(err)
	}
	h.drive(rng, 100)
	h.waitShipped(time.Minute)
	st = h.shipper.Status(ctx)
	if *st.Pending != 0 || *st.LagSeconds != 0 || !st.Connected {
		t.Errorf("caught up: got %+v, want nothing pending and connected", st)
	}
	h.stop()
	sameCopy(t, dsn, h)

	// Everything sent again changes nothing.
	cdb, err := central.Open(ctx, dsn, central.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer cdb.Close()
	h.db, err = openHallStore(h.path)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := h.db.EventsRaw(ctx, 0, 1_000_000)
	h.db.Close()
	if err != nil {
		t.Fatal(err)
	}
	last, err := cdb.Apply(ctx, h.id, evs)
	if err != nil || last != evs[len(evs)-1].Seq {
		t.Fatalf("sent again: got %d, %v; want %d", last, err, evs[len(evs)-1].Seq)
	}
	sameCopy(t, dsn, h)
}

// TestApplyRefusesGaps: a batch that does not continue what the store
// holds is refused whole; one that overlaps it applies only what is new.
func TestApplyRefusesGaps(t *testing.T) {
	dsn := pgtest.NewDB(t)
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
	cdb, err := central.Open(ctx, dsn, central.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer cdb.Close()
	if _, err := cdb.Apply(ctx, h.id, evs[10:20]); err == nil || !strings.Contains(err.Error(), "gap") {
		t.Fatalf("a batch after a gap: got %v, want refused", err)
	}
	if seq, _ := cdb.HallSeq(ctx, h.id); seq != 0 {
		t.Fatalf("after a refused batch: the store holds up to %d, want 0", seq)
	}
	for _, b := range [][2]int{{0, 30}, {10, 60}, {0, 60}, {60, len(evs)}} {
		last, err := cdb.Apply(ctx, h.id, evs[b[0]:b[1]])
		if err != nil || last != evs[b[1]-1].Seq {
			t.Fatalf("batch %v: got %d, %v; want %d", b, last, err, evs[b[1]-1].Seq)
		}
	}
	sameCopy(t, dsn, h)
}

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	eventually.True(t, time.Minute, what, cond)
}
