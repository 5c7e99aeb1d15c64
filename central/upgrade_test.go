package central_test

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/hallq/hallq/central"
	"github.com/hallq/hallq/central/pgtest"
)

// TestUpgradeFromOneSharedRole: a central store of the release before
// hall roles (schema 2: every hall shipped as one role, no hash chain)
// already holds part of a hall's log. hallserver central migrate chains
// what it holds, the hall gets its own role, and ships on from where the
// store stopped, as the same history (no divergence, nothing counted
// twice), until the store equals the hall row by row.
func TestUpgradeFromOneSharedRole(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: day1}
	rng := rand.New(rand.NewPCG(21, 22))
	h := newHall(t, "hall-a", clk)

	// What the old release shipped: the hall's log up to now, with its
	// tickets, ratings and profile, as rows of the old schema. The rows
	// come from a store of this release (the same derivation), copied
	// column by column into a store made by the old migrations.
	now := newCity(t)
	h.start(now.addHall(h.id, ""))
	h.ship(rng, 200)
	shipped := h.head()
	h.stop()
	old := pgtest.NewOwnedDB(t)
	oldSchema(t, old.DSN, 2)
	super := pgtest.Shared(t).DSN(old.DB, "")
	for _, table := range []string{"halls", "events", "tickets", "ratings"} {
		copyRows(t, now.super, super, table)
	}

	// No hall role before the upgrade, which the refusal names; then
	// hallserver central migrate, and the hall's own role.
	owner, err := central.Open(ctx, old.DSN, central.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close()
	if _, err := owner.AddHall(ctx, h.id, "", false); err == nil || !strings.Contains(err.Error(), "hallserver central migrate") {
		t.Fatalf("add-hall on the old schema: %v, want a refusal naming hallserver central migrate", err)
	}
	if v, err := central.Migrate(ctx, old.DSN); err != nil || v != central.Version {
		t.Fatalf("migrate the old store: version %d, %v; want %d", v, err, central.Version)
	}
	cr, err := owner.AddHall(ctx, h.id, "", false)
	if err != nil {
		t.Fatal(err)
	}
	h.start(pgtest.Shared(t).RoleDSN(old.DB, cr.Role, cr.Password, ""))
	defer h.stop()
	h.ship(rng, 200)
	st := h.shipper.Status(ctx)
	if st.State == central.StateDiverged || st.Diverged != nil || st.Shipped != h.head()-shipped {
		t.Errorf("after the upgrade: %+v (diverged %+v); want %d events shipped, no divergence", st, st.Diverged, h.head()-shipped)
	}
	sameCopy(t, super, h)
}

// oldSchema makes the central store of an older release at dsn: its
// migrations up to version, as that release's migrate applied them.
func oldSchema(t testing.TB, dsn string, version int) {
	t.Helper()
	ctx := context.Background()
	conn := pgConn(t, dsn)
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE TABLE schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		t.Fatal(err)
	}
	names, err := filepath.Glob("migrations/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		v, err := strconv.Atoi(strings.SplitN(filepath.Base(name), "_", 2)[0])
		if err != nil || v > version {
			continue
		}
		sql, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(ctx, string(sql)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := conn.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, v); err != nil {
			t.Fatal(err)
		}
	}
}

// copyRows copies table's rows from one database to another, in the
// columns the target has.
func copyRows(t testing.TB, from, to, table string) {
	t.Helper()
	ctx := context.Background()
	dst, src := pgConn(t, to), pgConn(t, from)
	defer dst.Close(ctx)
	defer src.Close(ctx)
	rows, err := dst.Query(ctx, `SELECT column_name FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position`, table)
	if err != nil {
		t.Fatal(err)
	}
	cols, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(cols) == 0 {
		t.Fatalf("columns of %s: %v %v", table, cols, err)
	}
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = pgx.Identifier{c}.Sanitize()
	}
	rows, err = src.Query(ctx, `SELECT `+strings.Join(quoted, ", ")+` FROM `+table)
	if err != nil {
		t.Fatal(err)
	}
	vals, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([]any, error) { return r.Values() })
	if err != nil || len(vals) == 0 {
		t.Fatalf("rows of %s: %d, %v", table, len(vals), err)
	}
	if _, err := dst.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(vals)); err != nil {
		t.Fatalf("copy %s: %v", table, err)
	}
}
