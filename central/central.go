// Package central is the city-wide store of hallq: a PostgreSQL database
// that every hall ships its event log to (Shipper), with the tickets and
// ratings derived from the log and report roll-ups per hall, so that the
// reports of package report run across halls exactly as each hall runs them
// on its own SQLite.
//
// The central copy is fed, never the master: a hall keeps working when the
// uplink is down, and its shipper resumes from what the central store says
// it holds of that hall, so a batch sent twice, an outage or a restart of
// either side changes nothing in the end. Events are keyed by (hall_id,
// seq) and hash-chained (hallq.ChainNext), so that a hall whose history
// parted from the store's copy stops shipping instead of mixing the two;
// tickets and ratings are derived in the same transaction and only move
// forward by seq.
//
// Each hall ships as a PostgreSQL role of its own that can only append to
// its own log (roles.go); the city server reads with another; only the
// owner of the database migrates it (Migrate) and makes roles.
package central

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is a connection pool to the central PostgreSQL store, as one role:
// the owner's (Migrate, the add commands, NewEpoch, staff accounts), the
// city server's (reports, sign-in) or a hall's (Head, Ship, PutProfile).
type DB struct {
	pool     *pgxpool.Pool
	user     string // the role, for messages
	database string
}

// Options adjust a connection pool.
type Options struct {
	// MaxConns bounds the pool (default pgx's: max(4, CPUs)).
	MaxConns int32
}

// IsDSN reports whether s names a PostgreSQL database (postgres:// or
// postgresql://) rather than a SQLite file.
func IsDSN(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// Open connects to the central store. It changes nothing: the schema is
// made and upgraded only by Migrate (hallserver central migrate), as the
// owner of the database. The DSN is a PostgreSQL URL; the password comes
// from PGPASSWORD or the password file (~/.pgpass, or PGPASSFILE), as with
// psql, so that it need not show on a command line.
func Open(ctx context.Context, dsn string, opts Options) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("central: %s: %w", redact(dsn), err)
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("central: %w", err)
	}
	db := &DB{pool: pool, user: cfg.ConnConfig.User, database: cfg.ConnConfig.Database}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, db.explain(err)
	}
	return db, nil
}

// explain adds what a person can do to the errors of connecting: a
// missing or wrong password (where pgx may name only its first attempt,
// e.g. "tls error"), a role without access, a store not yet migrated.
func (db *DB) explain(err error) error {
	var pe *pgconn.PgError
	msg := err.Error()
	switch {
	case errors.As(err, &pe) && pe.Code == "28P01",
		strings.Contains(msg, "password authentication failed"), strings.Contains(msg, "no password"):
		return fmt.Errorf("central: PostgreSQL refused role %s's password: give it in the password file "+
			"(~/.pgpass, or the file PGPASSFILE names; mode 0600; a line HOST:PORT:DATABASE:ROLE:PASSWORD, * for any) "+
			"or in PGPASSWORD (%w)", db.user, err)
	case errors.As(err, &pe) && (pe.Code == "28000" || pe.Code == "42501") && strings.Contains(msg, "CONNECT"),
		errors.As(err, &pe) && pe.Code == "28000":
		return fmt.Errorf("central: role %s may not connect to %s: use the role that hallserver central add-hall or add-city-server made, "+
			"or the owner's (%w)", db.user, db.database, err)
	case errors.As(err, &pe) && pe.Code == "3D000":
		return fmt.Errorf("central: no database %s: create it, owned by the role that will run hallserver central migrate (%w)", db.database, err)
	}
	return fmt.Errorf("central: %w", err)
}

// Close closes every connection.
func (db *DB) Close() { db.pool.Close() }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.pool.Ping(ctx); err != nil {
		return fmt.Errorf("central: %w", err)
	}
	return nil
}

// redact hides a DSN's password for messages.
func redact(dsn string) string {
	if cfg, err := pgconn.ParseConfig(dsn); err == nil {
		return fmt.Sprintf("postgres://%s@%s:%d/%s", cfg.User, cfg.Host, cfg.Port, cfg.Database)
	}
	return "the DSN"
}

// Version is the schema version this release needs: its last migration.
var Version = func() int {
	names, _ := fs.Glob(migrations, "migrations/*.sql")
	v := 0
	for _, n := range names {
		if x, err := strconv.Atoi(strings.SplitN(strings.TrimPrefix(n, "migrations/"), "_", 2)[0]); err == nil {
			v = max(v, x)
		}
	}
	return v
}()

// Migrate brings the central store's schema up to date (hallserver central
// migrate). It must run as the role that owns the database: the tables and
// the functions halls ship through belong to it. It then checks that no
// other role can create objects in the schema, and grants again to every
// role the store knows (roles) exactly what its kind may do, so that a new
// table or function reaches the roles made before it.
func Migrate(ctx context.Context, dsn string) (int, error) {
	db, err := Open(ctx, dsn, Options{MaxConns: 2})
	if err != nil {
		return 0, err
	}
	defer db.Close()
	if err := db.migrate(ctx); err != nil {
		return 0, err
	}
	if err := db.harden(ctx); err != nil {
		return 0, err
	}
	if err := db.regrant(ctx); err != nil {
		return 0, err
	}
	return db.SchemaVersion(ctx)
}

// migrate applies the embedded migrations not yet applied, each in its own
// transaction, under an advisory lock: two at once migrate once.
func (db *DB) migrate(ctx context.Context) error {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("central: connect: %w", err)
	}
	defer conn.Release()
	var enc string
	if err := conn.QueryRow(ctx, `SELECT pg_encoding_to_char(encoding) FROM pg_database WHERE datname = current_database()`).Scan(&enc); err != nil {
		return fmt.Errorf("central: migrate: %w", err)
	}
	if enc != "UTF8" {
		// The hash chain hashes the events' bodies as UTF-8, as the halls do.
		return fmt.Errorf("central: database %s is encoded %s: create it with ENCODING 'UTF8'", db.database, enc)
	}
	const lock int64 = 0x68616c6c71 // "hallq"
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, lock); err != nil {
		return fmt.Errorf("central: migrate: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, lock)
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("central: migrate: %w", db.ownerOnly(err))
	}
	var have int
	if err := conn.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&have); err != nil {
		return fmt.Errorf("central: migrate: %w", db.ownerOnly(err))
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	slices.Sort(names)
	for _, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("central: migration %s: name must start with its number", name)
		}
		if v <= have {
			continue
		}
		sql, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, string(sql)); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, v)
			return err
		})
		if err != nil {
			return fmt.Errorf("central: migration %s: %w", base, db.ownerOnly(err))
		}
	}
	return nil
}

// ownerOnly explains a permission error of the owner's commands.
func (db *DB) ownerOnly(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "42501" {
		return fmt.Errorf("%w (role %s is not the owner of database %s: hallserver central migrate, add-hall, add-city-server, new-epoch "+
			"and user add run as the role that owns the central store)", err, db.user, db.database)
	}
	return err
}

// CheckSchema refuses a store whose schema is not this release's: older,
// it needs hallserver central migrate; newer, this release is too old.
func (db *DB) CheckSchema(ctx context.Context) error {
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	return schemaIs(v)
}

func schemaIs(v int) error {
	switch {
	case v < Version:
		return fmt.Errorf("central: the central store's schema is at version %d and this release needs %d: "+
			"run hallserver central migrate -db postgres://OWNER@HOST/DB as the store's owner", v, Version)
	case v > Version:
		return fmt.Errorf("central: the central store's schema is at version %d, newer than this release's %d: upgrade hallserver", v, Version)
	}
	return nil
}

// SchemaVersion is the number of the last migration applied.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := db.pool.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&v)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "42P01" {
		return 0, nil // no schema yet
	}
	if err != nil {
		return 0, fmt.Errorf("central: schema version: %w", db.ownerOnly(err))
	}
	return v, nil
}

// isNoRows is pgx's "no row" answer.
func isNoRows(err error) bool { return errors.Is(err, pgx.ErrNoRows) }
