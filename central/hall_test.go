package central_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/central"
	"github.com/hallq/hallq/central/pgtest"
	"github.com/hallq/hallq/internal/netcut"
	"github.com/hallq/hallq/server"
	"github.com/hallq/hallq/server/hall"
	"github.com/hallq/hallq/server/hub"
	"github.com/hallq/hallq/server/queue"
	"github.com/hallq/hallq/server/sqlite"
)

// clock is a hall's clock that the test moves.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

var hcm = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		panic(err)
	}
	return loc
}()

// testHall is a demo hall run in the test process on a SQLite file that
// outlives restarts, optionally shipping to a central store.
type testHall struct {
	t       testing.TB
	id      string
	path    string
	clock   *clock
	padSeq  int64
	db      *sqlite.DB
	hl      *hall.Runtime
	srv     *server.Server
	shipper *central.Shipper
	cancel  context.CancelFunc
	dsn     string // the central store it ships to, as last started
	wg      sync.WaitGroup
	// beforeRun, if set, runs after the hall and shipper are built and
	// before they run (to hook them).
	beforeRun func()
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// newHall seeds a demo hall in a fresh file; start runs it.
func newHall(t testing.TB, id string, c *clock) *testHall {
	t.Helper()
	h := &testHall{t: t, id: id, path: filepath.Join(t.TempDir(), id+".db"), clock: c}
	db, err := sqlite.Open(context.Background(), h.path)
	if err != nil {
		t.Fatal(err)
	}
	if err := server.SeedDemo(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	db.Close()
	return h
}

// start runs the hall, shipping to dsn if it is not "".
func (h *testHall) start(dsn string) {
	t := h.t
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, h.path)
	if err != nil {
		t.Fatal(err)
	}
	hl, err := hall.New(ctx, db, hub.New(), quiet())
	if err != nil {
		t.Fatal(err)
	}
	hl.Now = h.clock.Now
	srv := server.New(hl, quiet())
	h.db, h.hl, h.srv, h.shipper, h.dsn = db, hl, srv, nil, dsn
	if dsn != "" {
		sh, err := srv.ShipTo(h.id, dsn)
		if err != nil {
			t.Fatal(err)
		}
		sh.Now = time.Now // lag is measured in real time
		sh.Batch, sh.Poll, sh.Timeout = 50, 20*time.Millisecond, 3*time.Second
		sh.MinBackoff, sh.MaxBackoff = 20*time.Millisecond, 200*time.Millisecond
		h.shipper = sh
	}
	if h.beforeRun != nil {
		h.beforeRun()
	}
	runCtx, cancel := context.WithCancel(ctx)
	h.cancel = cancel
	h.wg.Go(func() { hl.Run(runCtx) })
	if h.shipper != nil {
		h.wg.Go(func() { h.shipper.Run(runCtx) })
	}
}

// stop stops the hall and its shipper, wherever they are, and closes the
// store.
func (h *testHall) stop() {
	if h.cancel == nil {
		return // stopped already
	}
	h.cancel()
	h.cancel = nil
	h.wg.Wait()
	h.srv.Close()
	h.db.Close()
}

func (h *testHall) do(fn func(e *queue.Engine, now time.Time) (any, *queue.Change, error)) error {
	_, err := h.hl.Do(context.Background(), fn)
	return err
}

func (h *testHall) head() (seq int64) {
	h.hl.View(func(e *queue.Engine, _ time.Time) { seq = e.LastSeq() })
	return seq
}

// drive plays steps random actions of a working hall: tickets issued,
// counters opened, calls, starts, finishes, no-shows, transfers, ratings
// and cancellations, a few seconds to a minute and a half apart.
func (h *testHall) drive(rng *rand.Rand, steps int) {
	for range steps {
		h.clock.Add(time.Duration(rng.IntN(90)+1) * time.Second)
		c := rng.IntN(6) + 1
		by := queue.Actor{User: fmt.Sprintf("canbo%d", c), Role: hallq.RoleOfficer}
		svc := string(rune('A' + rng.IntN(5)))
		var fn func(e *queue.Engine, now time.Time) (any, *queue.Change, error)
		switch r := rng.IntN(100); {
		case r < 30:
			id, secret := hall.NewTicketID()
			req := queue.IssueRequest{Service: svc, ID: id, Secret: secret, Device: "kiosk-1"}
			if rng.IntN(5) == 0 { // a booked citizen checks in, up to 15 min before or 10 min after the slot
				req.Booking, req.SlotAt = "BK"+id[:6], h.clock.Now().Add(time.Duration(rng.IntN(26)-10)*time.Minute)
			}
			fn = func(e *queue.Engine, now time.Time) (any, *queue.Change, error) { return res(e.Issue(now, req)) }
		case r < 36:
			fn = func(e *queue.Engine, now time.Time) (any, *queue.Change, error) { return res(e.Open(now, c, by)) }
		case r < 55:
			fn = func(e *queue.Engine, now time.Time) (any, *queue.Change, error) { return res(e.Next(now, c, by)) }
		case r < 62:
			fn = func(e *queue.Engine, now time.Time) (any, *queue.Change, error) { return res(e.Start(now, c, by)) }
		case r < 78:
			fn = func(e *queue.Engine, now time.Time) (any, *queue.Change, error) { return res(e.Finish(now, c, by)) }
		case r < 82:
			fn = func(e *queue.Engine, now time.Time) (any, *queue.Change, error) { return res(e.NoShow(now, c, by)) }
		case r < 85:
			fn = func(e *queue.Engine, now time.Time) (any, *queue.Change, error) {
				return res(e.Transfer(now, c, svc, by))
			}
		case r < 97:
			h.padSeq++
			req := queue.RateRequest{Counter: c, Score: rng.IntN(3) + 1, Device: fmt.Sprintf("pad-%d", c), DeviceSeq: h.padSeq,
				AgeMS: int64(rng.IntN(5000))}
			fn = func(e *queue.Engine, now time.Time) (any, *queue.Change, error) { return res(e.Rate(now, req)) }
		default:
			fn = func(e *queue.Engine, now time.Time) (any, *queue.Change, error) {
				w := e.Waiting(now, nil)
				if len(w) == 0 {
					return nil, nil, nil
				}
				return res(e.Cancel(now, w[0].ID, "left", by))
			}
		}
		h.do(fn) // refusals (nobody waiting, counter closed…) are part of a day
	}
}

func res[T any](v *T, ch *queue.Change, err error) (any, *queue.Change, error) { return v, ch, err }

// waitShipped waits (a generous minute: the machine may be busy) until the
// central store holds the hall's whole log.
func (h *testHall) waitShipped() {
	h.t.Helper()
	const timeout = time.Minute
	deadline := time.Now().Add(timeout)
	for {
		st := h.shipper.Status(context.Background())
		if st.Acked != nil && *st.Acked == h.head() {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("hall %s: not shipped after %v: %+v (last error %q)", h.id, timeout, st, st.LastError)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// ship drives the hall for steps actions and waits until it has shipped
// them.
func (h *testHall) ship(rng *rand.Rand, steps int) {
	h.t.Helper()
	h.drive(rng, steps)
	h.waitShipped()
}

// eventRow and ticketRow are rows as both stores hold them.
type eventRow struct {
	Seq      int64
	Type     string
	At       int64
	TicketID string
	Counter  int
	Body     string
}

type ticketRow struct {
	ID, Day, Service                   string
	Number                             int
	Label, Priority, State             string
	Issued                             int64
	Called, Started, Finished          *int64
	Counter                            int
	Officer                            string
	Recalls                            int
	OutOfOrder                         bool
	Reason                             string
	Flagged                            bool
	TransferredTo, TransferredFrom     string
	Rating, IssueEstimateS, IssueAhead int
	Device                             string
	Queued, LastCalled                 *int64
	WaitedMS                           int64
	TargetWaitS                        *int
}

type ratingRow struct {
	Device                        string
	DeviceSeq, ID                 int64
	Counter, Score                int
	PressedAt, At                 int64
	TicketID, Officer, Unattached string
	AgeCapped                     bool
}

const (
	eventCols  = `seq, type, at, ticket_id, counter, body`
	ticketCols = `id, day, service, number, label, priority, state, issued_at, called_at, started_at, finished_at, counter, officer,
		recalls, out_of_order, reason, flagged, transferred_to, transferred_from, rating, issue_estimate_s, issue_ahead, device,
		queued_at, last_called_at, waited_ms, target_wait_s`
	ratingCols = `device, device_seq, id, counter, score, pressed_at, at, ticket_id, officer, unattached, age_capped`
)

type scanner interface{ Scan(...any) error }

func scanTicket(r scanner) (ticketRow, error) {
	var t ticketRow
	err := r.Scan(&t.ID, &t.Day, &t.Service, &t.Number, &t.Label, &t.Priority, &t.State, &t.Issued, &t.Called, &t.Started, &t.Finished,
		&t.Counter, &t.Officer, &t.Recalls, &t.OutOfOrder, &t.Reason, &t.Flagged, &t.TransferredTo, &t.TransferredFrom, &t.Rating,
		&t.IssueEstimateS, &t.IssueAhead, &t.Device, &t.Queued, &t.LastCalled, &t.WaitedMS, &t.TargetWaitS)
	return t, err
}

func scanEvent(r scanner) (eventRow, error) {
	var e eventRow
	err := r.Scan(&e.Seq, &e.Type, &e.At, &e.TicketID, &e.Counter, &e.Body)
	return e, err
}

func scanRating(r scanner) (ratingRow, error) {
	var x ratingRow
	err := r.Scan(&x.Device, &x.DeviceSeq, &x.ID, &x.Counter, &x.Score, &x.PressedAt, &x.At, &x.TicketID, &x.Officer, &x.Unattached, &x.AgeCapped)
	return x, err
}

// hallRows reads the hall's own rows from its SQLite file.
func hallRows(t testing.TB, path string) ([]eventRow, []ticketRow, []ratingRow) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	return sqlRows(t, db, `SELECT `+eventCols+` FROM events ORDER BY seq`, scanEvent),
		sqlRows(t, db, `SELECT `+ticketCols+` FROM tickets ORDER BY id`, scanTicket),
		sqlRows(t, db, `SELECT `+ratingCols+` FROM ratings ORDER BY device, device_seq`, scanRating)
}

func sqlRows[T any](t testing.TB, db *sql.DB, q string, scan func(scanner) (T, error)) []T {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	return scanAll(t, rows, scan)
}

// scanAll scans every row of a database/sql or pgx result.
func scanAll[T any](t testing.TB, rows interface {
	scanner
	Next() bool
	Err() error
}, scan func(scanner) (T, error)) []T {
	t.Helper()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// pgConn connects to dsn; the caller closes the connection.
func pgConn(t testing.TB, dsn string) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// centralRows reads one hall's rows from the central store.
func centralRows(t testing.TB, dsn, hall string) ([]eventRow, []ticketRow, []ratingRow) {
	t.Helper()
	conn := pgConn(t, dsn)
	defer conn.Close(context.Background())
	return pgRows(t, conn, `SELECT `+eventCols+` FROM events WHERE hall_id = $1 ORDER BY seq`, scanEvent, hall),
		pgRows(t, conn, `SELECT `+ticketCols+` FROM tickets WHERE hall_id = $1 ORDER BY id`, scanTicket, hall),
		pgRows(t, conn, `SELECT `+ratingCols+` FROM ratings WHERE hall_id = $1 ORDER BY device, device_seq`, scanRating, hall)
}

func pgRows[T any](t testing.TB, conn *pgx.Conn, q string, scan func(scanner) (T, error), args ...any) []T {
	t.Helper()
	rows, err := conn.Query(context.Background(), q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	return scanAll(t, rows, scan)
}

// sameRows compares two tables row by row.
func sameRows[T any](t testing.TB, what string, hall, cent []T) {
	t.Helper()
	if len(hall) != len(cent) {
		t.Errorf("%s: the hall has %d rows, the central store %d", what, len(hall), len(cent))
	}
	for i := range min(len(hall), len(cent)) {
		if !reflect.DeepEqual(hall[i], cent[i]) {
			t.Errorf("%s row %d:\n hall    %+v\n central %+v", what, i, hall[i], cent[i])
			return
		}
	}
}

// sameCopy checks that the central copy of h equals the hall's own.
func sameCopy(t testing.TB, dsn string, h *testHall) {
	t.Helper()
	he, ht, hr := hallRows(t, h.path)
	ce, ct, cr := centralRows(t, dsn, h.id)
	if len(he) == 0 || len(ht) == 0 || len(hr) == 0 {
		t.Fatalf("hall %s: %d events, %d tickets, %d ratings: the test drove too little", h.id, len(he), len(ht), len(hr))
	}
	sameRows(t, "events", he, ce)
	sameRows(t, "tickets", ht, ct)
	sameRows(t, "ratings", hr, cr)
}

func openHallStore(path string) (*sqlite.DB, error) { return sqlite.Open(context.Background(), path) }

// testCity is a central store set up as docs/CENTRAL.md says: a database
// owned by a role of its own (not a superuser), migrated by it, with a
// role for each hall and one for the city server.
type testCity struct {
	t     testing.TB
	c     *pgtest.Cluster
	o     pgtest.Owned
	owner *central.DB // as the owner
	super string      // the superuser's DSN, for reading rows as they are
}

func newCity(t testing.TB) *testCity {
	t.Helper()
	o := pgtest.NewOwnedDB(t)
	ctx := context.Background()
	if _, err := central.Migrate(ctx, o.DSN); err != nil {
		t.Fatal(err)
	}
	owner, err := central.Open(ctx, o.DSN, central.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(owner.Close)
	c := pgtest.Shared(t)
	return &testCity{t: t, c: c, o: o, owner: owner, super: c.DSN(o.DB, "")}
}

// startHall is a new demo hall id on clk, its role made and shipping to
// the city; it stops when the test ends, if it has not stopped before.
func (c *testCity) startHall(id string, clk *clock) *testHall {
	c.t.Helper()
	h := newHall(c.t, id, clk)
	h.start(c.addHall(id, ""))
	c.t.Cleanup(h.stop)
	return h
}

// addHall makes hall's role and returns its DSN at addr ("": the server's).
func (c *testCity) addHall(hall, addr string) string {
	c.t.Helper()
	cr, err := c.owner.AddHall(context.Background(), hall, "", false)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.c.RoleDSN(c.o.DB, cr.Role, cr.Password, addr)
}

// cityServer makes the city server's role and returns its DSN.
func (c *testCity) cityServer() string {
	c.t.Helper()
	cr, err := c.owner.AddCityServer(context.Background(), "", false)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.c.RoleDSN(c.o.DB, cr.Role, cr.Password, "")
}

// open connects with dsn.
func (c *testCity) open(dsn string) *central.DB {
	c.t.Helper()
	db, err := central.Open(context.Background(), dsn, central.Options{})
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(db.Close)
	return db
}

// proxy is a TCP proxy to the store, for cutting the uplink.
func (c *testCity) proxy() *netcut.Proxy {
	c.t.Helper()
	p, err := netcut.New(c.c.Addr())
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { p.Close() })
	return p
}
