package central_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/hallq/hallq/central"
	"github.com/hallq/hallq/central/pgtest"
)

// TestLeastPrivilege: with its own credential a hall can append to its own
// log through the store's functions and do nothing else: it cannot write
// events as another hall, change or delete any event, ticket or account,
// read the staff accounts, make tables or take another role. The city
// server's role reads the reports and cannot write the log or the
// accounts. A role of another database cannot even connect. Each attempt
// is a permission error (SQLSTATE 42501).
func TestLeastPrivilege(t *testing.T) {
	city := newCity(t)
	ctx := context.Background()
	clk := &clock{t: day1}
	a, b := city.startHall("hall-a", clk), city.startHall("hall-b", clk)
	dsnA := a.dsn
	rng := rand.New(rand.NewPCG(7, 8))
	a.drive(rng, 150)
	b.drive(rng, 150)
	a.waitShipped()
	b.waitShipped()
	a.stop()
	b.stop()
	if _, err := central.Migrate(ctx, city.o.DSN); err != nil { // grants again: still nothing more
		t.Fatal(err)
	}
	_, bTickets, bRatings := centralRows(t, city.super, "hall-b")

	denied := func(who string, c *pgx.Conn, sqls ...string) {
		t.Helper()
		for _, q := range sqls {
			_, err := c.Exec(ctx, q)
			var pe *pgconn.PgError
			if !errors.As(err, &pe) || pe.Code != "42501" {
				t.Errorf("%s: %s: got %v, want a permission error (42501)", who, q, err)
			}
		}
	}
	event := `(hall_id, seq, type, at, body, chain) VALUES ('%s', 100000, 'ticket.issued', 0, '{}', '\x00')`
	hall := pgConn(t, dsnA)
	defer hall.Close(ctx)
	denied("hall-a", hall,
		`INSERT INTO events `+strings.ReplaceAll(event, "%s", "hall-b"),
		`INSERT INTO events `+strings.ReplaceAll(event, "%s", "hall-a"),
		`UPDATE events SET body = '{}' WHERE hall_id = 'hall-b'`,
		`UPDATE events SET body = '{}' WHERE hall_id = 'hall-a'`,
		`DELETE FROM events WHERE hall_id = 'hall-b'`,
		`DELETE FROM events WHERE hall_id = 'hall-a'`,
		`SELECT * FROM events`,
		`SELECT * FROM users`,
		`INSERT INTO users (username, role, pwhash, created_at) VALUES ('evil', 'admin', 'x', 0)`,
		`UPDATE users SET pwhash = 'x'`,
		`SELECT * FROM sessions`,
		`UPDATE tickets SET state = 'done'`,
		`DELETE FROM tickets`,
		`DELETE FROM ratings`,
		`UPDATE halls SET name = 'ROGUE HALL' WHERE hall_id = 'hall-b'`,
		`INSERT INTO roles (role, kind, hall_id, created_at) VALUES (session_user, 'hall', 'hall-b', 0)`,
		`DELETE FROM forked_events`,
		`ALTER TABLE events ADD COLUMN x int`,
		`DROP TABLE events`,
		`CREATE TABLE mine (x int)`,
		`CREATE TEMP TABLE mine (x int)`,
		`CREATE FUNCTION hallq_hall() RETURNS text LANGUAGE sql AS 'SELECT ''hall-b'''`,
		`SELECT hallq_hall()`,
		`SET ROLE `+pgx.Identifier{central.RoleName(city.o.DB, "hall-b")}.Sanitize(),
		`SET SESSION AUTHORIZATION `+pgx.Identifier{city.o.Role}.Sanitize(),
	)
	// What the functions let it do touches its own hall only.
	if _, err := hall.Exec(ctx, `SELECT hallq_hall_profile('ROGUE HALL', '{"name":"ROGUE HALL"}', '[]', '[]')`); err != nil {
		t.Fatal(err)
	}
	if _, err := hall.Exec(ctx, `SELECT hallq_hall_diverged(0, 0, 'x')`); err != nil {
		t.Fatal(err)
	}
	// Hall b's log, shipped with a's credential, is a's other history.
	db, err := openHallStore(b.path)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := db.EventsRaw(ctx, 0, 1000)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	var div *central.DivergedError
	if _, err := city.open(dsnA).Ship(ctx, evs); !errors.As(err, &div) {
		t.Errorf("hall b's log with hall a's credential: got %v, want refused as another history", err)
	}
	halls, err := city.owner.Halls(ctx)
	if err != nil || len(halls) != 2 || halls[0].Name() != "ROGUE HALL" || halls[1].Name() == "ROGUE HALL" || halls[1].Diverged != nil {
		t.Errorf("halls after hall a's attempts: %+v, %v; want only hall a's row changed", halls, err)
	}
	sameCopy(t, city.super, b)
	_, bTickets2, bRatings2 := centralRows(t, city.super, "hall-b")
	sameRows(t, "hall-b tickets", bTickets, bTickets2)
	sameRows(t, "hall-b ratings", bRatings, bRatings2)

	// A shipper told it is hall b, with a's credential, ships nothing.
	sh := &central.Shipper{Hall: "hall-b", DSN: dsnA, Source: nil, MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- sh.Run(runCtx) }()
	waitFor(t, "the shipper's refusal", func() bool { return sh.Status(ctx).LastError != "" })
	stop()
	<-done
	if st := sh.Status(ctx); !strings.Contains(st.LastError, "ships for hall hall-a, not for this hall hall-b") || st.Connected {
		t.Errorf("hall b shipping with a's credential: got %+v", st)
	}

	// The city server's role reads the reports, writes nothing else.
	cityConn := pgConn(t, city.cityServer())
	defer cityConn.Close(ctx)
	var n int
	if err := cityConn.QueryRow(ctx, `SELECT count(*) FROM tickets`).Scan(&n); err != nil || n == 0 {
		t.Errorf("city server reading tickets: %d, %v", n, err)
	}
	denied("city server", cityConn,
		`INSERT INTO events `+strings.ReplaceAll(event, "%s", "hall-b"),
		`SELECT * FROM events`,
		`UPDATE events SET body = '{}'`,
		`DELETE FROM events`,
		`UPDATE tickets SET state = 'done'`,
		`DELETE FROM tickets`,
		`INSERT INTO users (username, role, pwhash, created_at) VALUES ('evil', 'admin', 'x', 0)`,
		`UPDATE users SET role = 'admin'`,
		`DELETE FROM users`,
		`UPDATE halls SET name = 'x'`,
		`SELECT hallq_hall_head()`,
		`CREATE TABLE mine (x int)`,
	)

	// A role of another database on the same server cannot connect.
	other := pgtest.NewOwnedDB(t)
	strange := city.c.RoleDSN(city.o.DB, other.Role, other.Password, "")
	_, err = pgx.Connect(ctx, strange)
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "42501" {
		t.Errorf("another database's owner connecting: got %v, want a permission error", err)
	}
}
