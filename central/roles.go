package central

import (
	"context"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Who may do what in the central store (docs/CENTRAL.md, "Who can do
// what"):
//
//   - the owner of the database (the role that runs hallserver central
//     migrate) owns every table and function, makes the other roles and
//     manages staff accounts; its password stays with the city's
//     administrators;
//   - a hall's role (KindHall, bound to one hall id in table roles) may only
//     call the hallq_hall_* functions: read where its own log ends, append
//     to it, store its own profile, report a divergence. It has no
//     privilege on any table: it cannot read users, change or delete an
//     event, or write as another hall;
//   - the city server's role (KindCity) reads the halls' tickets, ratings,
//     changes of targets, booking events and the staff accounts, and writes only its roll-ups (a cache of figures it can
//     compute again) and sessions.
//
// The grants are made here rather than in migrations, for every role the
// store knows, so that Migrate can make them again after a new table.

// Kinds of role.
const (
	KindHall = "hall"
	KindCity = "city"
)

// hallFunctions are what a hall's role may call (migrations/0003_roles_and_chain.sql).
var hallFunctions = []string{
	"hallq_hall_head()",
	"hallq_hall_chain(bigint)",
	"hallq_hall_ship(bigint[], text[], bigint[], text[], integer[], text[], bytea[], jsonb, jsonb)",
	"hallq_hall_profile(text, text, text, text)",
	"hallq_hall_diverged(bigint, bigint, text)",
}

// cityGrants are the city server's privileges, table by table.
var cityGrants = []struct{ privileges, table string }{
	{"SELECT", "schema_migrations"},
	{"SELECT", "halls"},
	{"SELECT", "target_events"},  // a hall's targets over time; not the rest of its log
	{"SELECT", "booking_events"}, // its bookings (no name or phone) and the slots it offered
	{"SELECT", "tickets"},
	{"SELECT", "ratings"},
	{"SELECT", "epochs"},
	{"SELECT", "users"},
	{"SELECT, INSERT, UPDATE, DELETE", "report_days"},
	{"SELECT, INSERT, UPDATE, DELETE", "report_groups"},
	{"SELECT, INSERT, DELETE", "sessions"},
}

// hallConnectionLimit bounds a hall's connections (its shipper uses one),
// so that a leaked password cannot take the server's connections.
const hallConnectionLimit = 4

// Credential is a role made for a hall or the city server, with the
// password it was given. The password is not kept anywhere: it is shown
// once, by the command that made it.
type Credential struct {
	Role     string
	Password string
	Hall     string // "" for the city server
}

// RoleName is the default name of a role of this store: the database's
// name, then "hall." and the hall's id, or "city" for the city server,
// e.g. hallq_city.hall.nhatrang-loc-tho. Role names are the PostgreSQL
// server's, shared by its databases; the prefix keeps two stores apart.
func RoleName(database, hall string) string {
	if hall == "" {
		return database + ".city"
	}
	return database + ".hall." + hall
}

// AddHall makes hall's login role (named role, or RoleName's if ""), with a
// new password, binds it to the hall, and grants it what a hall may do.
// With rotate, the hall's existing role gets a new password instead (the
// old one stops working at once) and any divergence the hall reported is
// cleared.
func (db *DB) AddHall(ctx context.Context, hall, role string, rotate bool) (Credential, error) {
	if err := HallID(hall); err != nil {
		return Credential{}, err
	}
	return db.addRole(ctx, KindHall, hall, role, rotate)
}

// AddCityServer makes the city server's login role (named role, or
// RoleName's if ""), or with rotate gives it a new password.
func (db *DB) AddCityServer(ctx context.Context, role string, rotate bool) (Credential, error) {
	return db.addRole(ctx, KindCity, "", role, rotate)
}

func (db *DB) addRole(ctx context.Context, kind, hall, role string, rotate bool) (Credential, error) {
	if err := db.CheckSchema(ctx); err != nil {
		return Credential{}, err
	}
	var known string
	var err error
	if kind == KindHall {
		err = db.pool.QueryRow(ctx, `SELECT role FROM roles WHERE hall_id = $1`, hall).Scan(&known)
	} else if role == "" {
		err = db.pool.QueryRow(ctx, `SELECT role FROM roles WHERE kind = 'city' ORDER BY created_at LIMIT 1`).Scan(&known)
	} else {
		err = db.pool.QueryRow(ctx, `SELECT role FROM roles WHERE kind = 'city' AND role = $1`, role).Scan(&known)
	}
	if err != nil && !isNoRows(err) {
		return Credential{}, fmt.Errorf("central: roles: %w", db.ownerOnly(err))
	}
	what := "the city server"
	if kind == KindHall {
		what = "hall " + hall
	}
	switch {
	case rotate && known == "":
		return Credential{}, fmt.Errorf("central: %s has no role to give a new password to: make it without -rotate", what)
	case !rotate && known != "":
		return Credential{}, fmt.Errorf("central: %s already has role %s: -rotate gives it a new password (the old one stops working)", what, known)
	case rotate:
		role = known
	case role == "":
		role = RoleName(db.database, hall)
	}
	if len(role) > 63 {
		return Credential{}, fmt.Errorf("central: role name %q is over PostgreSQL's 63 bytes: name it with -role", role)
	}
	pw, err := newPassword()
	if err != nil {
		return Credential{}, err
	}
	verifier, err := scramVerifier(pw)
	if err != nil {
		return Credential{}, err
	}
	id := pgx.Identifier{role}.Sanitize()
	err = pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if rotate {
			// The verifier, not the password, goes to the server: nothing
			// that logs statements ever sees it.
			if _, err := tx.Exec(ctx, `ALTER ROLE `+id+` PASSWORD `+quote(verifier)); err != nil {
				return err
			}
			if kind == KindHall {
				_, err := tx.Exec(ctx, `UPDATE halls SET diverged_at = 0, diverged_after = 0, diverged_head = 0, diverged_note = '' WHERE hall_id = $1`, hall)
				return err
			}
			return nil
		}
		limit := -1
		if kind == KindHall {
			limit = hallConnectionLimit
		}
		_, err := tx.Exec(ctx, fmt.Sprintf(`CREATE ROLE %s LOGIN NOINHERIT NOCREATEDB NOCREATEROLE CONNECTION LIMIT %d PASSWORD %s`,
			id, limit, quote(verifier)))
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "42710" {
			return fmt.Errorf("a role %s exists already on this PostgreSQL server (another store's, or made by hand): name another with -role", role)
		}
		if err != nil {
			return err
		}
		var hallArg any
		if kind == KindHall {
			hallArg = hall
		}
		if _, err := tx.Exec(ctx, `INSERT INTO roles (role, kind, hall_id, created_at) VALUES ($1, $2, $3, $4)`,
			role, kind, hallArg, time.Now().UnixMilli()); err != nil {
			return err
		}
		return db.grant(ctx, tx, role, kind)
	})
	if err != nil {
		return Credential{}, fmt.Errorf("central: %s: %w", what, db.ownerOnly(err))
	}
	return Credential{Role: role, Password: pw, Hall: hall}, nil
}

// grant gives role what its kind may do, and nothing more.
func (db *DB) grant(ctx context.Context, tx pgx.Tx, role, kind string) error {
	id := pgx.Identifier{role}.Sanitize()
	stmts := []string{`GRANT CONNECT ON DATABASE ` + pgx.Identifier{db.database}.Sanitize() + ` TO ` + id}
	switch kind {
	case KindHall:
		for _, f := range hallFunctions {
			stmts = append(stmts, `GRANT EXECUTE ON FUNCTION `+f+` TO `+id)
		}
	case KindCity:
		for _, g := range cityGrants {
			stmts = append(stmts, `GRANT `+g.privileges+` ON `+g.table+` TO `+id)
		}
	}
	for _, s := range stmts {
		if _, err := tx.Exec(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

// regrant grants again to every role the store knows.
func (db *DB) regrant(ctx context.Context) error {
	rows, err := db.pool.Query(ctx, `SELECT r.role, r.kind FROM roles r JOIN pg_roles p ON p.rolname = r.role ORDER BY r.role`)
	if err != nil {
		return fmt.Errorf("central: roles: %w", err)
	}
	type rk struct{ Role, Kind string }
	known, err := pgx.CollectRows(rows, pgx.RowToStructByPos[rk])
	if err != nil {
		return fmt.Errorf("central: roles: %w", err)
	}
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		for _, r := range known {
			if err := db.grant(ctx, tx, r.Role, r.Kind); err != nil {
				return fmt.Errorf("central: grant to %s: %w", r.Role, db.ownerOnly(err))
			}
		}
		return nil
	})
}

// harden makes sure that no role but the owner can create objects in the
// schema the tables live in. PostgreSQL 15 and later give PUBLIC no such
// right; older ones do, on schema public, which the database's owner may
// not own: then the administrator has to revoke it.
func (db *DB) harden(ctx context.Context) error {
	var open bool
	q := `SELECT EXISTS (SELECT 1 FROM pg_namespace n, aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a
		WHERE n.nspname = 'public' AND a.grantee = 0 AND a.privilege_type = 'CREATE')`
	if err := db.pool.QueryRow(ctx, q).Scan(&open); err != nil {
		return fmt.Errorf("central: schema public: %w", err)
	}
	if !open {
		return nil
	}
	if _, err := db.pool.Exec(ctx, `REVOKE CREATE ON SCHEMA public FROM PUBLIC`); err != nil {
		return fmt.Errorf("central: schema public: %w", err)
	}
	if err := db.pool.QueryRow(ctx, q).Scan(&open); err != nil {
		return fmt.Errorf("central: schema public: %w", err)
	}
	if open {
		return fmt.Errorf("central: every role may create objects in schema public of %s (PostgreSQL before 15), and role %s cannot revoke it: "+
			"as the server's administrator run REVOKE CREATE ON SCHEMA public FROM PUBLIC in that database, then migrate again", db.database, db.user)
	}
	return nil
}

// newPassword is 24 random bytes, base64url: 32 characters with neither
// ':' nor '\', so that it goes into a password file as it is.
func newPassword() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// scramVerifier is what PostgreSQL stores for password under
// scram-sha-256 (RFC 5802, RFC 7677), in its own notation:
// SCRAM-SHA-256$iterations:salt$StoredKey:ServerKey. Sending it instead of
// the password keeps the password off the server's statement log.
func scramVerifier(password string) (string, error) {
	const iterations = 4096 // PostgreSQL's default (scram_iterations)
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	salted, err := pbkdf2.Key(sha256.New, password, salt, iterations, sha256.Size)
	if err != nil {
		return "", err
	}
	mac := func(key []byte, msg string) []byte {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(msg))
		return h.Sum(nil)
	}
	stored := sha256.Sum256(mac(salted, "Client Key"))
	b64 := base64.StdEncoding.EncodeToString
	return fmt.Sprintf("SCRAM-SHA-256$%d:%s$%s:%s", iterations, b64(salt), b64(stored[:]), b64(mac(salted, "Server Key"))), nil
}

// quote is a SQL string literal.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// PasswordFileLine is the line of a PostgreSQL password file (PGPASSFILE)
// that gives role's password for database on any host and port.
func PasswordFileLine(database string, c Credential) string {
	esc := strings.NewReplacer(`\`, `\\`, `:`, `\:`)
	return "*:*:" + esc.Replace(database) + ":" + esc.Replace(c.Role) + ":" + esc.Replace(c.Password)
}
