// Package sqlite is the hall server's store: one SQLite file in WAL mode,
// written through a single connection with immediate transactions and read
// through a separate pool. Commits are synchronous (synchronous=FULL), so a
// change is on disk before anyone is told of it.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is an open hall database.
type DB struct {
	path string
	w    *sql.DB    // the one writer connection
	r    *sql.DB    // the reader pool
	rc   *stmtCache // hot reader queries, prepared once

	stmtMu sync.Mutex
	stmts  *applyStmts

	auth authCache // who holds which token, kept for a few seconds
	keys keyFilter // which idempotency keys may exist

	// bg ends with Close, for work the DB does on its own.
	bg     context.Context
	bgStop context.CancelFunc

	// The checkpointer copies the WAL into the database file in the
	// background, so that no commit waits for it (the writer's automatic
	// checkpoint is off).
	ckpt     *sql.DB
	ckptStop chan struct{}
	ckptDone chan struct{}

	closeOnce sync.Once
}

// checkpointEvery is how often the background checkpoint runs.
const checkpointEvery = time.Second

// cacheKiB is the page cache of each connection (PRAGMA cache_size).
const cacheKiB = 512

// dsn builds a data source name. The "file:" prefix matters: without it
// SQLite's own URI parameters are dropped silently.
func dsn(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(1)")
	// Every connection has a page cache of its own, outside the Go heap.
	// At SQLite's default of 2 MiB each (a writer, up to 8 readers, the
	// checkpointer) they kept filling for a day and a half as the
	// database grew; 512 KiB holds the B-trees' upper levels and today's
	// pages, and the rest comes from the kernel's page cache; issue
	// throughput and reports were unchanged (docs/BENCHMARKS.md, "The
	// soak").
	q.Add("_pragma", fmt.Sprintf("cache_size(-%d)", cacheKiB))
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Set("_txlock", "immediate")
		// Checkpoints run in the background (see DB.checkpointer), never
		// inside a commit that someone waits for.
		q.Add("_pragma", "wal_autocheckpoint(0)")
	}
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// Open opens (creating if needed) the database at path and brings its schema
// up to date.
func Open(ctx context.Context, path string) (*DB, error) {
	w, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	db := &DB{path: path, w: w}
	db.auth.stamp = path + "-auth"
	db.bg, db.bgStop = context.WithCancel(context.Background())
	var mode string
	if err := w.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		w.Close()
		if cause := WriteFailure(err); cause != "" {
			return nil, fmt.Errorf("sqlite: open %s (%s): %w", path, cause, err)
		}
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if mode != "wal" {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: journal mode is %q, want wal", path, mode)
	}
	if err := db.migrate(ctx); err != nil {
		w.Close()
		return nil, err
	}
	// A hall that cannot write cannot issue a ticket: better not to start
	// than to answer every write with an error.
	if err := db.CheckWritable(ctx); err != nil {
		w.Close()
		return nil, err
	}
	if err := db.fillChains(ctx); err != nil {
		w.Close()
		return nil, err
	}
	r, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	db.r = r
	db.rc = &stmtCache{db: r}
	ck, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	ck.SetMaxOpenConns(1)
	db.ckpt, db.ckptStop, db.ckptDone = ck, make(chan struct{}), make(chan struct{})
	go db.checkpointer()
	return db, nil
}

// checkpointer runs a passive checkpoint every checkpointEvery until Close:
// it never blocks a writer, and keeps the WAL from growing without bound.
func (db *DB) checkpointer() {
	defer close(db.ckptDone)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-db.ckptStop:
			return
		case <-t.C:
			db.ckpt.Exec(`PRAGMA wal_checkpoint(PASSIVE)`)
		}
	}
}

// Close stops the checkpointer, folds the WAL into the database file, and
// closes every connection.
func (db *DB) Close() error {
	var err error
	db.closeOnce.Do(func() { err = db.close() })
	return err
}

func (db *DB) close() error {
	db.bgStop()
	db.keys.once.Do(func() {}) // no build starts now
	db.stopKeys()
	close(db.ckptStop)
	<-db.ckptDone
	db.ckpt.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	db.stmtMu.Lock()
	if st := db.stmts; st != nil {
		for _, s := range []*sql.Stmt{st.lastSeq, st.upTicket, st.insEvent, st.upCounter, st.upNumber} {
			s.Close()
		}
	}
	db.stmtMu.Unlock()
	db.rc.close()
	return errors.Join(db.ckpt.Close(), db.r.Close(), db.w.Close())
}

// Path is the database file's path.
func (db *DB) Path() string { return db.path }

// migrate applies, in order, every embedded migration not yet applied. Each
// runs in its own transaction with the version bump.
func (db *DB) migrate(ctx context.Context) error {
	if _, err := db.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT`); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for i, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("sqlite: migration %s: name must start with a number", base)
		}
		if v != i+1 {
			// Two migrations with one number (written side by side on two
			// branches) would leave the second unapplied on every database.
			return fmt.Errorf("sqlite: migration %s: want number %04d (each number once, in order)", base, i+1)
		}
		var n int
		if err := db.w.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, v).Scan(&n); err != nil {
			return fmt.Errorf("sqlite: migrate: %w", err)
		}
		if n > 0 {
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		tx, err := db.w.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("sqlite: migration %s: %w", base, err)
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			tx.Rollback()
			return fmt.Errorf("sqlite: migration %s: %w", base, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, v, time.Now().UnixMilli()); err != nil {
			tx.Rollback()
			return fmt.Errorf("sqlite: migration %s: %w", base, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("sqlite: migration %s: %w", base, err)
		}
	}
	return nil
}

// SchemaVersion is the newest applied migration.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := db.r.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}

// Backup writes a consistent copy of the database to path (which must not
// exist), while the hall keeps running: VACUUM INTO reads one snapshot.
// It runs on a connection of its own: the reader pool is query_only, which
// refuses VACUUM INTO, and the writer must stay free for the hall.
func (db *DB) Backup(ctx context.Context, path string) error {
	c, err := sql.Open("sqlite", dsn(db.path, false))
	if err != nil {
		return fmt.Errorf("sqlite: backup to %s: %w", path, err)
	}
	defer c.Close()
	c.SetMaxOpenConns(1)
	if _, err := c.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("sqlite: backup to %s: %w", path, err)
	}
	return nil
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func msPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMilli()
}

func intPtr(v *int) any {
	if v == nil {
		return nil
	}
	return *v
}

func fromMS(v int64, loc *time.Location) time.Time { return time.UnixMilli(v).In(loc) }

func fromNullMS(v sql.NullInt64, loc *time.Location) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMS(v.Int64, loc)
	return &t
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
