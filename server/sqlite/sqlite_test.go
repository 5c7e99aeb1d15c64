package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/server/config"
	"github.com/hallq/hallq/server/queue"
	"github.com/hallq/hallq/server/sqlite"
)

func open(t *testing.T) (*sqlite.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hall.db")
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, path
}

func seeded(t *testing.T) (*sqlite.DB, string) {
	t.Helper()
	db, path := open(t)
	d := config.Demo()
	if err := db.Seed(t.Context(), d.Settings, d.Services, d.Counters); err != nil {
		t.Fatal(err)
	}
	return db, path
}

// engine is the queue engine over what db holds, and that state.
func engine(t *testing.T, db *sqlite.DB) (*queue.Engine, queue.State) {
	t.Helper()
	st, err := db.LoadState(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	e, err := queue.New(st)
	if err != nil {
		t.Fatal(err)
	}
	return e, st
}

func TestOpenIsWALAndMigratesOnce(t *testing.T) {
	db, path := open(t)
	v, err := db.SchemaVersion(t.Context())
	if err != nil || v < 1 {
		t.Fatalf("schema version %d, %v", v, err)
	}
	db.Close()
	// Opening again applies nothing twice.
	db2, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer db2.Close()
	v2, _ := db2.SchemaVersion(t.Context())
	if v2 != v {
		t.Errorf("schema version after reopen %d, want %d", v2, v)
	}
}

func TestSeedRefusesSecondHallAndBadDefinitions(t *testing.T) {
	db, _ := seeded(t)
	d := config.Demo()
	if err := db.Seed(t.Context(), d.Settings, d.Services, d.Counters); hallq.ErrorCode(err) != hallq.ECONFLICT {
		t.Errorf("second seed: got %v, want ECONFLICT", err)
	}
	fresh, _ := open(t)
	bad := config.Demo()
	bad.Counters[0].Services = []string{"Z"}
	if err := fresh.Seed(t.Context(), bad.Settings, bad.Services, bad.Counters); hallq.ErrorCode(err) != hallq.EINVALID || !strings.Contains(err.Error(), `"Z"`) {
		t.Errorf("counter with unknown service: got %v, want EINVALID naming Z", err)
	}
	if ok, _ := fresh.Seeded(t.Context()); ok {
		t.Error("a refused seed left a hall behind")
	}
}

// TestOldDefaultBaseURLReadAsUnset: a hall saved with the old built-in
// base_url (localhost, which no phone reaches) reads as having none, so
// status links follow the address the kiosk used; a chosen one is kept.
func TestOldDefaultBaseURLReadAsUnset(t *testing.T) {
	db, path := seeded(t)
	db.Close()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	set := func(u string) {
		t.Helper()
		if _, err := raw.Exec(`UPDATE meta SET value = json_set(value, '$.base_url', ?) WHERE key = 'settings'`, u); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct{ saved, want string }{
		{"http://localhost:8080", ""},
		{"http://10.20.0.2:8080", "http://10.20.0.2:8080"},
	} {
		set(tc.saved)
		db, err := sqlite.Open(t.Context(), path)
		if err != nil {
			t.Fatal(err)
		}
		s, err := db.Settings(t.Context())
		db.Close()
		if err != nil || s.BaseURL != tc.want {
			t.Errorf("saved %q: read %q, %v; want %q", tc.saved, s.BaseURL, err, tc.want)
		}
	}
}

// TestApplyAndLoadRoundTrip: what a batch of engine changes writes is what
// the next start reads back.
func TestApplyAndLoadRoundTrip(t *testing.T) {
	db, _ := seeded(t)
	ctx := t.Context()
	e, _ := engine(t, db)
	now := time.Date(2026, 11, 27, 8, 15, 0, 0, time.UTC)
	var changes []*queue.Change
	add := func(ch *queue.Change, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		if ch != nil {
			changes = append(changes, ch)
		}
	}
	add(e.Tick(now), nil)
	for i := 0; i < 3; i++ {
		_, ch, err := e.Issue(now, queue.IssueRequest{Service: "A", ID: "t" + string(rune('a'+i)), Secret: "s", Device: "kiosk-1", IdempotencyKey: "k" + string(rune('a'+i))})
		add(ch, err)
	}
	officer := queue.Actor{User: "canbo1", Role: hallq.RoleOfficer}
	_, ch, err := e.Open(now, 1, officer)
	add(ch, err)
	_, ch, err = e.Next(now.Add(time.Minute), 1, officer)
	add(ch, err)
	if err := db.Apply(ctx, changes); err != nil {
		t.Fatal(err)
	}
	st2, err := db.LoadState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st2.LastSeq != e.LastSeq() || st2.Day != e.Day() || st2.LastNumbers["A"] != 1003 {
		t.Errorf("loaded seq %d day %s last A %d, want %d %s 1003", st2.LastSeq, st2.Day, st2.LastNumbers["A"], e.LastSeq(), e.Day())
	}
	e2, err := queue.New(st2)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := e2.Counter(1)
	if c.Current == nil || c.Current.ID != "ta" || c.Officer != "canbo1" {
		t.Errorf("counter 1 after reload: %+v, want ta called by canbo1", c)
	}
	tk, err := db.TicketByKey(ctx, "kiosk-1", "kb", time.UTC)
	if err != nil || tk.ID != "tb" || tk.Label != "1002" {
		t.Errorf("ticket by key: %+v %v", tk, err)
	}
	evs, err := db.Events(ctx, 0, 100)
	if err != nil || int64(len(evs)) != e.LastSeq() {
		t.Fatalf("events: %d, %v; want %d", len(evs), err, e.LastSeq())
	}
	for i, ev := range evs {
		if ev.Seq != int64(i+1) {
			t.Fatalf("event %d has seq %d", i, ev.Seq)
		}
	}
}

// TestApplyRefusesGapAndWritesNothing: a batch whose events do not continue
// the log is refused whole.
func TestApplyRefusesGapAndWritesNothing(t *testing.T) {
	db, _ := seeded(t)
	tk := &hallq.Ticket{ID: "x", Day: "2026-11-27", Service: "A", Number: 1001, Label: "1001", State: hallq.StateWaiting, IssuedAt: time.Now(), Secret: "s"}
	ch := &queue.Change{Tickets: []*hallq.Ticket{tk}, Events: []hallq.Event{{Seq: 5, Type: hallq.EventTicketIssued, At: time.Now(), Ticket: tk}}}
	if err := db.Apply(t.Context(), []*queue.Change{ch}); err == nil || !strings.Contains(err.Error(), "gap") {
		t.Fatalf("got %v, want a refusal naming the gap", err)
	}
	if _, err := db.Ticket(t.Context(), "x", time.UTC); hallq.ErrorCode(err) != hallq.ENOTFOUND {
		t.Errorf("the refused batch left its ticket: %v", err)
	}
}

// TestNumberNeverTwiceOnADay: the database itself refuses a second original
// ticket with the same number on a day.
func TestNumberNeverTwiceOnADay(t *testing.T) {
	db, _ := seeded(t)
	mk := func(id string, seq int64) *queue.Change {
		tk := &hallq.Ticket{ID: id, Day: "2026-11-27", Service: "A", Number: 1001, Label: "1001", State: hallq.StateWaiting, IssuedAt: time.Now(), Secret: "s"}
		return &queue.Change{Tickets: []*hallq.Ticket{tk}, Events: []hallq.Event{{Seq: seq, Type: hallq.EventTicketIssued, At: time.Now(), Ticket: tk}}}
	}
	if err := db.Apply(t.Context(), []*queue.Change{mk("one", 1)}); err != nil {
		t.Fatal(err)
	}
	if err := db.Apply(t.Context(), []*queue.Change{mk("two", 2)}); err == nil {
		t.Fatal("a second ticket 1001 on the same day was stored")
	}
}

func TestDevicesAndSessions(t *testing.T) {
	db, _ := seeded(t)
	ctx := t.Context()
	d := hallq.Device{Name: "pad-3", Kind: hallq.DevicePad, Counter: 3}
	if err := db.AddDevice(ctx, d, "hash1"); err != nil {
		t.Fatal(err)
	}
	if err := db.AddDevice(ctx, d, "hash2"); hallq.ErrorCode(err) != hallq.ECONFLICT {
		t.Errorf("second live device of the same name: got %v, want ECONFLICT", err)
	}
	got, err := db.DeviceByToken(ctx, "hash1")
	if err != nil || got.Name != "pad-3" || got.Counter != 3 {
		t.Errorf("by token: %+v %v", got, err)
	}
	if err := db.RevokeDevice(ctx, "pad-3"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.DeviceByToken(ctx, "hash1"); hallq.ErrorCode(err) != hallq.ENOTFOUND {
		t.Errorf("revoked token still found: %v", err)
	}
	if err := db.RevokeDevice(ctx, "pad-3"); hallq.ErrorCode(err) != hallq.ENOTFOUND {
		t.Errorf("revoking twice: got %v, want ENOTFOUND", err)
	}
	// A revoked name may be given a new token.
	if err := db.AddDevice(ctx, d, "hash3"); err != nil {
		t.Errorf("re-adding a revoked device: %v", err)
	}
	if err := db.Heartbeat(ctx, "pad-3", map[string]any{"outbox": 2.0}, "10.0.0.3", time.Now()); err != nil {
		t.Fatal(err)
	}
	ds, _ := db.Devices(ctx)
	if len(ds) != 1 || ds[0].LastSeen == nil || ds[0].Health["outbox"] != 2.0 || ds[0].Address != "10.0.0.3" {
		t.Errorf("devices: %+v", ds)
	}

	if err := db.PutUser(ctx, hallq.User{Username: "lan", Role: hallq.RoleOfficer}, "bcrypt"); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if err := db.PutSession(ctx, "sess", "lan", now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if u, err := db.SessionUser(ctx, "sess", now); err != nil || u.Username != "lan" {
		t.Errorf("session: %+v %v", u, err)
	}
	if _, err := db.SessionUser(ctx, "sess", now.Add(2*time.Hour)); hallq.ErrorCode(err) != hallq.ENOTFOUND {
		t.Errorf("expired session: got %v, want ENOTFOUND", err)
	}
}

// TestIssueLookupsUseIndexes: the lookups on every ticket issue and rating,
// and every query of the tickets table, must not scan their tables (a year
// of history would make each ticket read a million rows). The tickets
// table keeps only the indexes these need (migration 0012): each is a page
// more for every issue to write.
func TestIssueLookupsUseIndexes(t *testing.T) {
	_, path := seeded(t)
	conn, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, q := range []string{
		`SELECT id FROM tickets WHERE device = 'k' AND idem_key = 'x' AND idem_key <> ''`,
		`SELECT id FROM ratings WHERE device = 'p' AND device_seq = 1`,
		`SELECT body FROM events WHERE seq > 5 ORDER BY seq LIMIT 10`,
		// The tickets table's other queries: a ticket by id (status, API),
		// the day's and the active tickets at start, a range of days
		// (reports), a day's number (the fault run's checks).
		`SELECT id FROM tickets WHERE id = 'x'`,
		`SELECT id FROM tickets WHERE day = '2026-11-27' OR state IN ('waiting', 'called', 'serving') ORDER BY issued_at, id`,
		`SELECT id FROM tickets WHERE day BETWEEN '2026-11-01' AND '2026-11-30' ORDER BY day, issued_at, id`,
		`SELECT id FROM tickets WHERE day = '2026-11-27' AND service = 'A' AND number = 7 AND transferred_from = ''`,
		`SELECT device, idem_key FROM tickets WHERE idem_key <> ''`,
	} {
		rows, err := conn.Query(`EXPLAIN QUERY PLAN ` + q)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			rows.Scan(&id, &parent, &notused, &detail)
			plan = append(plan, detail)
		}
		rows.Close()
		joined := strings.Join(plan, "; ")
		if strings.Contains(joined, "SCAN") && !strings.Contains(joined, "USING") {
			t.Errorf("%s\n  plan %q scans the table", q, joined)
		}
	}
}

// TestBookedTicketRoundTrip: a ticket checked in with a booking keeps its
// code and slot through the store, in its row and in its event.
func TestBookedTicketRoundTrip(t *testing.T) {
	db, _ := seeded(t)
	ctx := t.Context()
	e, st := engine(t, db)
	loc, _ := st.Settings.Location()
	now := time.Date(2026, 11, 27, 8, 5, 0, 0, loc)
	slot := time.Date(2026, 11, 27, 8, 15, 0, 0, loc)
	changes := []*queue.Change{e.Tick(now)}
	booked, ch, err := e.Issue(now, queue.IssueRequest{Service: "A", ID: "tb", Secret: "s", Booking: "K7M2QX", SlotAt: slot})
	if err != nil {
		t.Fatal(err)
	}
	changes = append(changes, ch)
	walkIn, ch, err := e.Issue(now, queue.IssueRequest{Service: "A", ID: "tw", Secret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	changes = append(changes, ch)
	if booked.Booking != "K7M2QX" || booked.SlotAt == nil || !booked.SlotAt.Equal(slot) || walkIn.Booking != "" || walkIn.SlotAt != nil {
		t.Fatalf("issued: booked %q %v, walk-in %q %v", booked.Booking, booked.SlotAt, walkIn.Booking, walkIn.SlotAt)
	}
	if err := db.Apply(ctx, changes); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		id, code string
		slot     *time.Time
	}{{"tb", "K7M2QX", &slot}, {"tw", "", nil}} {
		got, err := db.Ticket(ctx, tc.id, loc)
		if err != nil {
			t.Fatal(err)
		}
		if got.Booking != tc.code || (got.SlotAt == nil) != (tc.slot == nil) || (tc.slot != nil && !got.SlotAt.Equal(*tc.slot)) {
			t.Errorf("ticket %s read back: booking %q slot %v, want %q %v", tc.id, got.Booking, got.SlotAt, tc.code, tc.slot)
		}
	}
	st2, err := db.LoadState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, tk := range st2.Tickets {
		if tk.ID == "tb" {
			found = tk.Booking == "K7M2QX" && tk.SlotAt != nil && tk.SlotAt.Equal(slot)
		}
	}
	if !found {
		t.Error("the booked ticket lost its booking on reload")
	}
	evs, err := db.Events(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var issued *hallq.Ticket
	for _, ev := range evs {
		if ev.Type == hallq.EventTicketIssued && ev.Ticket.ID == "tb" {
			issued = ev.Ticket
		}
	}
	if issued == nil || issued.Booking != "K7M2QX" || issued.SlotAt == nil || !issued.SlotAt.Equal(slot) {
		t.Errorf("ticket.issued event's ticket: %+v", issued)
	}
}
