// Package central is the city-wide store of hallq: a PostgreSQL database
// that every hall ships its event log to (Shipper), with the tickets and
// ratings derived from the log and report roll-ups per hall, so that the
// reports of package report run across halls exactly as each hall runs them
// on its own SQLite.
//
// The central copy is fed, never the master: a hall keeps working when the
// uplink is down, and its shipper resumes from what the central store says
// it holds (max(seq) of that hall), so a batch sent twice, an outage or a
// restart of either side changes nothing in the end. Events are keyed by
// (hall_id, seq); tickets and ratings are derived in the same transaction
// and only move forward by seq.
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

// DB is the central PostgreSQL store.
type DB struct {
	pool *pgxpool.Pool
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

// Open connects to the central store and brings its schema up to date.
// The DSN is a PostgreSQL URL; a password can also come from PGPASSWORD or
// ~/.pgpass, as with psql, so that it need not show on a command line.
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
	db := &DB{pool: pool}
	if err := db.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
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

// migrate applies the embedded migrations not yet applied, each in its own
// transaction, under an advisory lock: several halls connecting at once
// migrate once.
func (db *DB) migrate(ctx context.Context) error {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("central: connect: %w", err)
	}
	defer conn.Release()
	const lock int64 = 0x68616c6c71 // "hallq"
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, lock); err != nil {
		return fmt.Errorf("central: migrate: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, lock)
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("central: migrate: %w", err)
	}
	var have int
	if err := conn.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&have); err != nil {
		return fmt.Errorf("central: migrate: %w", err)
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
			return fmt.Errorf("central: migration %s: %w", base, err)
		}
	}
	return nil
}

// SchemaVersion is the number of the last migration applied.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := db.pool.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("central: schema version: %w", err)
	}
	return v, nil
}

// isNoRows is pgx's "no row" answer.
func isNoRows(err error) bool { return errors.Is(err, pgx.ErrNoRows) }
