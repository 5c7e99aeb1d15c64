package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hallq/hallq"
)

// PutUser creates a staff account, or replaces the role and password hash of
// an existing one.
func (db *DB) PutUser(ctx context.Context, u hallq.User, pwhash string) error {
	defer db.auth.forgetSessions()
	_, err := db.w.ExecContext(ctx, `INSERT INTO users (username, role, pwhash, disabled, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (username) DO UPDATE SET role = excluded.role, pwhash = excluded.pwhash, disabled = excluded.disabled`,
		u.Username, string(u.Role), pwhash, b2i(u.Disabled), time.Now().UnixMilli())
	if err != nil {
		return fmt.Errorf("sqlite: user %s: %w", u.Username, err)
	}
	return nil
}

// UserHash reads a user and its password hash. ENOTFOUND if there is none.
func (db *DB) UserHash(ctx context.Context, username string) (hallq.User, string, error) {
	var u hallq.User
	var role, hash string
	var disabled int
	err := db.r.QueryRowContext(ctx, `SELECT username, role, pwhash, disabled FROM users WHERE username = ?`, username).Scan(&u.Username, &role, &hash, &disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return u, "", hallq.Errorf(hallq.ENOTFOUND, "no user %q", username)
	}
	if err != nil {
		return u, "", fmt.Errorf("sqlite: user: %w", err)
	}
	u.Role = hallq.Role(role)
	u.Disabled = disabled != 0
	return u, hash, nil
}

// Users lists the staff accounts.
func (db *DB) Users(ctx context.Context) ([]hallq.User, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT username, role, disabled FROM users ORDER BY username`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: users: %w", err)
	}
	defer rows.Close()
	var out []hallq.User
	for rows.Next() {
		var u hallq.User
		var role string
		var disabled int
		if err := rows.Scan(&u.Username, &role, &disabled); err != nil {
			return nil, err
		}
		u.Role, u.Disabled = hallq.Role(role), disabled != 0
		out = append(out, u)
	}
	return out, rows.Err()
}

// PutSession stores a session by the hash of its token.
func (db *DB) PutSession(ctx context.Context, tokenHash, username string, expires time.Time) error {
	defer db.auth.forgetSession(tokenHash)
	_, err := db.w.ExecContext(ctx, `INSERT INTO sessions (token_hash, username, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		tokenHash, username, time.Now().UnixMilli(), expires.UnixMilli())
	if err != nil {
		return fmt.Errorf("sqlite: session: %w", err)
	}
	return nil
}

// DeleteSession ends a session.
func (db *DB) DeleteSession(ctx context.Context, tokenHash string) error {
	defer db.auth.forgetSession(tokenHash)
	_, err := db.w.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, tokenHash)
	return err
}

// SessionUser finds the user of an unexpired session. ENOTFOUND otherwise.
// The answer is remembered for authRecheck (see authCache).
func (db *DB) SessionUser(ctx context.Context, tokenHash string, now time.Time) (hallq.User, error) {
	s, ok, gen := db.auth.session(tokenHash)
	if ok {
		if s.found && now.Before(s.expires) {
			return s.user, nil
		}
		return hallq.User{}, hallq.Errorf(hallq.ENOTFOUND, "no such session")
	}
	var u hallq.User
	var role string
	var expires int64
	err := db.rc.QueryRowContext(ctx, `SELECT u.username, u.role, s.expires_at FROM sessions s JOIN users u USING (username)
		WHERE s.token_hash = ? AND s.expires_at > ? AND u.disabled = 0`, tokenHash, now.UnixMilli()).Scan(&u.Username, &role, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		db.auth.putSession(tokenHash, cachedSession{}, gen)
		return u, hallq.Errorf(hallq.ENOTFOUND, "no such session")
	}
	if err != nil {
		return u, fmt.Errorf("sqlite: session: %w", err)
	}
	u.Role = hallq.Role(role)
	db.auth.putSession(tokenHash, cachedSession{found: true, user: u, expires: time.UnixMilli(expires)}, gen)
	return u, nil
}

// AddDevice registers a device by the hash of its token. A revoked device's
// name may be used again; a live one's may not (ECONFLICT).
func (db *DB) AddDevice(ctx context.Context, d hallq.Device, tokenHash string) error {
	defer db.auth.forgetDevices()
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: device: %w", err)
	}
	defer tx.Rollback()
	var revoked sql.NullInt64
	err = tx.QueryRowContext(ctx, `SELECT revoked_at FROM devices WHERE name = ?`, d.Name).Scan(&revoked)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return fmt.Errorf("sqlite: device: %w", err)
	case !revoked.Valid:
		return hallq.Errorf(hallq.ECONFLICT, "device %q already exists: revoke it first to give it a new token", d.Name)
	default:
		if _, err := tx.ExecContext(ctx, `DELETE FROM devices WHERE name = ?`, d.Name); err != nil {
			return fmt.Errorf("sqlite: device: %w", err)
		}
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO devices (name, kind, counter, token_hash, created_at) VALUES (?, ?, ?, ?, ?)`,
		d.Name, string(d.Kind), d.Counter, tokenHash, time.Now().UnixMilli())
	if err != nil {
		return fmt.Errorf("sqlite: device %s: %w", d.Name, err)
	}
	return tx.Commit()
}

// RevokeDevice revokes a device's token. ENOTFOUND if there is no live device of that name.
func (db *DB) RevokeDevice(ctx context.Context, name string) error {
	defer db.auth.forgetDevices()
	res, err := db.w.ExecContext(ctx, `UPDATE devices SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL`, time.Now().UnixMilli(), name)
	if err != nil {
		return fmt.Errorf("sqlite: revoke: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return hallq.Errorf(hallq.ENOTFOUND, "no live device %q", name)
	}
	return nil
}

// DeviceByToken finds the live device holding a token hash. ENOTFOUND
// otherwise. A device found is remembered for authRecheck (see authCache),
// its last-seen time and health as they were then.
func (db *DB) DeviceByToken(ctx context.Context, tokenHash string) (hallq.Device, error) {
	d, ok, gen := db.auth.device(tokenHash)
	if ok {
		return d, nil
	}
	ds, err := db.devices(ctx, `WHERE token_hash = ? AND revoked_at IS NULL`, tokenHash)
	if err != nil {
		return hallq.Device{}, err
	}
	if len(ds) == 0 {
		return hallq.Device{}, hallq.Errorf(hallq.ENOTFOUND, "no such device token")
	}
	db.auth.putDevice(tokenHash, ds[0], gen)
	return ds[0], nil
}

// Devices lists every device, revoked ones included.
func (db *DB) Devices(ctx context.Context) ([]hallq.Device, error) {
	return db.devices(ctx, `ORDER BY name`)
}

func (db *DB) devices(ctx context.Context, where string, args ...any) ([]hallq.Device, error) {
	rows, err := db.rc.QueryContext(ctx, `SELECT name, kind, counter, created_at, revoked_at, last_seen, health, address FROM devices `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: devices: %w", err)
	}
	defer rows.Close()
	var out []hallq.Device
	for rows.Next() {
		var d hallq.Device
		var kind, health string
		var created int64
		var revoked, seen sql.NullInt64
		if err := rows.Scan(&d.Name, &kind, &d.Counter, &created, &revoked, &seen, &health, &d.Address); err != nil {
			return nil, fmt.Errorf("sqlite: devices: %w", err)
		}
		d.Kind = hallq.DeviceKind(kind)
		d.CreatedAt = time.UnixMilli(created)
		d.RevokedAt = fromNullMS(revoked, time.Local)
		d.LastSeen = fromNullMS(seen, time.Local)
		if strings.TrimSpace(health) != "" {
			json.Unmarshal([]byte(health), &d.Health)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Heartbeat records a device's health report, last-seen time and the
// address it was sent from.
func (db *DB) Heartbeat(ctx context.Context, name string, health map[string]any, addr string, at time.Time) error {
	b, err := json.Marshal(health)
	if err != nil {
		return hallq.Errorf(hallq.EINVALID, "health: %v", err)
	}
	_, err = db.w.ExecContext(ctx, `UPDATE devices SET last_seen = ?, health = ?, address = ? WHERE name = ?`, at.UnixMilli(), string(b), addr, name)
	if err != nil {
		return fmt.Errorf("sqlite: heartbeat: %w", err)
	}
	return nil
}

// TouchMany records when each device was last seen, in one transaction.
func (db *DB) TouchMany(ctx context.Context, seen map[string]time.Time) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: last seen: %w", err)
	}
	defer tx.Rollback()
	for name, at := range seen {
		if _, err := tx.ExecContext(ctx, `UPDATE devices SET last_seen = max(coalesce(last_seen, 0), ?) WHERE name = ?`, at.UnixMilli(), name); err != nil {
			return fmt.Errorf("sqlite: last seen of %s: %w", name, err)
		}
	}
	return tx.Commit()
}

// Touch records that a device was seen, without changing its health report.
func (db *DB) Touch(ctx context.Context, name string, at time.Time) error {
	_, err := db.w.ExecContext(ctx, `UPDATE devices SET last_seen = ? WHERE name = ?`, at.UnixMilli(), name)
	return err
}
