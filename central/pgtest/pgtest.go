// Package pgtest runs a throwaway PostgreSQL server for tests: initdb into a
// temporary directory, pg_ctl start on a free local port, torn down when the
// test binary ends. Tests need Debian's postgresql package (its binaries,
// not its system service). When the binaries are missing, tests that ask
// for the cluster skip with a message, except under CI=true, where the
// whole test binary fails: CI must run them.
//
// PostgreSQL refuses to run as root; as root, pgtest runs initdb and
// pg_ctl as the postgres user (created by the Debian package) through
// runuser.
package pgtest

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrNoPostgres says the PostgreSQL server binaries were not found.
var ErrNoPostgres = errors.New("pgtest: PostgreSQL server binaries (initdb, pg_ctl) not found: apt-get install postgresql, or set HALLQ_PG_BIN to their directory")

// Cluster is a running throwaway PostgreSQL server.
type Cluster struct {
	// Host and Port are where it listens (TCP on the loopback).
	Host string
	Port int
	dir  string // holds data/, the log and the socket
	bin  string
	as   string // run the binaries as this user ("": as ourselves)
}

// User is the superuser of a test cluster: trusted on the loopback without
// a password. Every other role signs in with its password
// (scram-sha-256), as on a real server.
const User = "hallq"

// hba lets the superuser in without a password and asks every other role
// for its own.
const hba = `local all all trust
host all ` + User + ` 127.0.0.1/32 trust
host all all 127.0.0.1/32 scram-sha-256
`

// BinDir finds the PostgreSQL server binaries: $HALLQ_PG_BIN, initdb on
// the PATH, or the newest /usr/lib/postgresql/*/bin (Debian's layout).
func BinDir() (string, error) {
	if d := os.Getenv("HALLQ_PG_BIN"); d != "" {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err != nil {
			return "", fmt.Errorf("pgtest: HALLQ_PG_BIN=%s: %w", d, err)
		}
		return d, nil
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	if len(dirs) == 0 {
		return "", ErrNoPostgres
	}
	return filepath.Dir(dirs[0]), nil
}

func version(p string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(p))))
	return n
}

// Start initialises and starts a new cluster.
func Start() (*Cluster, error) {
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "hallq-pg-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{Host: "127.0.0.1", dir: dir, bin: bin}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(dir)
		}
	}()
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("%w (running as root needs the postgres user the package creates: %v)", ErrNoPostgres, err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			return nil, err
		}
		c.as = "postgres"
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, err
	}
	data := filepath.Join(dir, "data")
	if out, err := c.run("initdb", "-D", data, "-U", User, "-A", "trust", "-E", "UTF8", "--no-locale", "-N"); err != nil {
		return nil, fmt.Errorf("pgtest: initdb: %v\n%s", err, out)
	}
	if err := c.writeFile(filepath.Join(data, "pg_hba.conf"), hba); err != nil {
		return nil, err
	}
	for range 5 {
		c.Port, err = freePort()
		if err != nil {
			return nil, err
		}
		if err = c.Restart(); err == nil {
			ok = true
			return c, nil
		}
	}
	return nil, err
}

// conf are settings for a disposable server: durability off, speed on.
const conf = `
listen_addresses = '127.0.0.1'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
shared_buffers = 128MB
`

// Restart starts the server again after Stop (same data, same port).
func (c *Cluster) Restart() error {
	data := filepath.Join(c.dir, "data")
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200", c.Port, c.dir)
	out, err := c.run("pg_ctl", "-D", data, "-l", filepath.Join(c.dir, "log"), "-o", opts, "-w", "-t", "30", "start")
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(c.dir, "log"))
		return fmt.Errorf("pgtest: pg_ctl start: %v\n%s\n%s", err, out, tail(log))
	}
	return nil
}

// Stop stops the server (immediately: a crash, as far as clients see),
// keeping its data for Restart.
func (c *Cluster) Stop() error {
	out, err := c.run("pg_ctl", "-D", filepath.Join(c.dir, "data"), "-m", "immediate", "-w", "stop")
	if err != nil {
		return fmt.Errorf("pgtest: pg_ctl stop: %v\n%s", err, out)
	}
	return nil
}

// Close stops the server and removes its files.
func (c *Cluster) Close() {
	c.Stop()
	os.RemoveAll(c.dir)
}

// Addr is host:port.
func (c *Cluster) Addr() string { return net.JoinHostPort(c.Host, strconv.Itoa(c.Port)) }

// DSN is the URL of database db, reached at addr ("": the server's own).
func (c *Cluster) DSN(db, addr string) string {
	if addr == "" {
		addr = c.Addr()
	}
	return fmt.Sprintf("postgres://%s@%s/%s?sslmode=disable", User, addr, db)
}

var dbSeq atomic.Int64

var unsafeName = regexp.MustCompile(`[^a-z0-9_]+`)

// CreateDB creates a fresh database named after name and returns its name.
func (c *Cluster) CreateDB(ctx context.Context, name string) (string, error) {
	db := fmt.Sprintf("t%d_%s", dbSeq.Add(1), unsafeName.ReplaceAllString(strings.ToLower(name), "_"))
	if len(db) > 30 {
		db = db[:30] // room for the roles named after it
	}
	conn, err := pgx.Connect(ctx, c.DSN("postgres", ""))
	if err != nil {
		return "", fmt.Errorf("pgtest: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+db); err != nil {
		return "", fmt.Errorf("pgtest: create database %s: %w", db, err)
	}
	return db, nil
}

// RoleDSN is the URL of database db as role with its password ("": none in
// the URL), reached at addr ("": the server's own).
func (c *Cluster) RoleDSN(db, role, password, addr string) string {
	if addr == "" {
		addr = c.Addr()
	}
	u := url.URL{Scheme: "postgres", User: url.UserPassword(role, password), Host: addr, Path: "/" + db, RawQuery: "sslmode=disable"}
	if password == "" {
		u.User = url.User(role)
	}
	return u.String()
}

// Owned is a database created the way a city sets its central store up:
// owned by a login role of its own, which is not a superuser and may
// create roles. The roles of the database are named "DB." and more
// (central.RoleName); DropDB drops them with it.
type Owned struct {
	DB, Role, Password string
	// DSN is the owner's URL, with its password.
	DSN string
}

// CreateOwnedDB creates a fresh database named after name, owned by a new
// role DB.owner with a random password.
func (c *Cluster) CreateOwnedDB(ctx context.Context, name string) (Owned, error) {
	db, err := c.CreateDB(ctx, name)
	if err != nil {
		return Owned{}, err
	}
	o := Owned{DB: db, Role: db + ".owner", Password: fmt.Sprintf("pw-%d-%d", time.Now().UnixNano(), dbSeq.Load())}
	conn, err := pgx.Connect(ctx, c.DSN("postgres", ""))
	if err != nil {
		return o, fmt.Errorf("pgtest: %w", err)
	}
	defer conn.Close(ctx)
	id := pgx.Identifier{o.Role}.Sanitize()
	for _, q := range []string{
		`CREATE ROLE ` + id + ` LOGIN CREATEROLE PASSWORD '` + o.Password + `'`,
		`ALTER DATABASE ` + db + ` OWNER TO ` + id,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			return o, fmt.Errorf("pgtest: %s: %w", q, err)
		}
	}
	o.DSN = c.RoleDSN(db, o.Role, o.Password, "")
	return o, nil
}

// DropDB drops a database, ending its connections, and the roles named
// after it ("DB." and more), the owner last.
func (c *Cluster) DropDB(ctx context.Context, db string) error {
	conn, err := pgx.Connect(ctx, c.DSN("postgres", ""))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if _, err = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+db+" WITH (FORCE)"); err != nil {
		return err
	}
	rows, err := conn.Query(ctx, `SELECT rolname FROM pg_roles WHERE left(rolname, length($1)) = $1 ORDER BY rolname = $2, rolname`,
		db+".", db+".owner")
	if err != nil {
		return err
	}
	roles, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for _, r := range roles {
		if _, err := conn.Exec(ctx, "DROP ROLE "+pgx.Identifier{r}.Sanitize()); err != nil {
			return fmt.Errorf("pgtest: drop role %s: %w", r, err)
		}
	}
	return nil
}

// writeFile writes a file of the cluster's data directory, as its owner.
func (c *Cluster) writeFile(path, text string) error {
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	if c.as != "" {
		u, err := user.Lookup(c.as)
		if err != nil {
			return err
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		return os.Chown(path, uid, gid)
	}
	return nil
}

func (c *Cluster) run(name string, args ...string) ([]byte, error) {
	path := filepath.Join(c.bin, name)
	var cmd *exec.Cmd
	if c.as != "" {
		cmd = exec.Command("runuser", append([]string{"-u", c.as, "--", path}, args...)...)
	} else {
		cmd = exec.Command(path, args...)
	}
	cmd.Dir = c.dir
	return cmd.CombinedOutput()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func tail(b []byte) string {
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

var (
	shared      *Cluster
	unavailable string
	mainOnce    sync.Once
)

// Main runs a package's tests with one shared cluster; call it from
// TestMain. Without PostgreSQL the tests run and those that need it skip,
// except under CI=true, where the binary fails with the reason.
func Main(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if !flag.Parsed() {
		flag.Parse()
	}
	start := time.Now()
	c, err := Start()
	if err != nil {
		if errors.Is(err, ErrNoPostgres) && os.Getenv("CI") != "true" {
			unavailable = err.Error()
			return m.Run()
		}
		fmt.Fprintf(os.Stderr, "%v\n(CI=true: the PostgreSQL tests must run; install Debian's postgresql package)\n", err)
		return 1
	}
	defer c.Close()
	shared = c
	if testing.Verbose() {
		fmt.Fprintf(os.Stderr, "pgtest: PostgreSQL at %s (%s), started in %v\n", c.Addr(), c.bin, time.Since(start).Round(time.Millisecond))
	}
	return m.Run()
}

// Shared is the cluster Main started; a test without one is skipped.
func Shared(t testing.TB) *Cluster {
	t.Helper()
	if shared == nil {
		if unavailable == "" {
			unavailable = "pgtest: no cluster: call pgtest.Main from TestMain"
		}
		t.Skip(unavailable)
	}
	return shared
}

// NewOwnedDB creates a fresh database on the shared cluster for t, owned by
// a role of its own (see Owned), dropped with its roles when t ends.
func NewOwnedDB(t testing.TB) Owned {
	t.Helper()
	c := Shared(t)
	o, err := c.CreateOwnedDB(context.Background(), t.Name())
	if o.DB != "" {
		t.Cleanup(func() {
			if err := c.DropDB(context.Background(), o.DB); err != nil {
				t.Errorf("pgtest: %v", err)
			}
		})
	}
	if err != nil {
		t.Fatal(err)
	}
	return o
}
