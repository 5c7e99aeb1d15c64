package central

import (
	"context"
	"fmt"
	"time"

	"github.com/hallq/hallq"
)

// Staff of the central reports sign in against the central store's own
// users table (hallserver user add -db postgres://…), with sessions as in a
// hall. No device is ever known centrally.

// AddUser creates a staff account; ECONFLICT if one of that name exists
// (PutUser replaces it).
func (db *DB) AddUser(ctx context.Context, u hallq.User, pwhash string) error {
	tag, err := db.pool.Exec(ctx, `INSERT INTO users (username, role, pwhash, disabled, created_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (username) DO NOTHING`, u.Username, string(u.Role), pwhash, u.Disabled, time.Now().UnixMilli())
	if err != nil {
		return fmt.Errorf("central: user %s: %w", u.Username, db.ownerOnly(err))
	}
	if tag.RowsAffected() == 0 {
		return hallq.Errorf(hallq.ECONFLICT, "the central store has a user %q already: -replace gives it this role and password", u.Username)
	}
	return nil
}

// PutUser creates a staff account, or replaces the role and password hash
// of an existing one.
func (db *DB) PutUser(ctx context.Context, u hallq.User, pwhash string) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO users (username, role, pwhash, disabled, created_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (username) DO UPDATE SET role = excluded.role, pwhash = excluded.pwhash, disabled = excluded.disabled`,
		u.Username, string(u.Role), pwhash, u.Disabled, time.Now().UnixMilli())
	if err != nil {
		return fmt.Errorf("central: user %s: %w", u.Username, db.ownerOnly(err))
	}
	return nil
}

// UserHash reads a user and its password hash. ENOTFOUND if there is none.
func (db *DB) UserHash(ctx context.Context, username string) (hallq.User, string, error) {
	var u hallq.User
	var role, hash string
	err := db.pool.QueryRow(ctx, `SELECT username, role, pwhash, disabled FROM users WHERE username = $1`, username).
		Scan(&u.Username, &role, &hash, &u.Disabled)
	if isNoRows(err) {
		return u, "", hallq.Errorf(hallq.ENOTFOUND, "no user %q", username)
	}
	if err != nil {
		return u, "", fmt.Errorf("central: user: %w", err)
	}
	u.Role = hallq.Role(role)
	return u, hash, nil
}

// Users lists the staff accounts.
func (db *DB) Users(ctx context.Context) ([]hallq.User, error) {
	rows, err := db.pool.Query(ctx, `SELECT username, role, disabled FROM users ORDER BY username`)
	if err != nil {
		return nil, fmt.Errorf("central: users: %w", err)
	}
	defer rows.Close()
	var out []hallq.User
	for rows.Next() {
		var u hallq.User
		var role string
		if err := rows.Scan(&u.Username, &role, &u.Disabled); err != nil {
			return nil, fmt.Errorf("central: users: %w", err)
		}
		u.Role = hallq.Role(role)
		out = append(out, u)
	}
	return out, rows.Err()
}

// PutSession stores a session by the hash of its token.
func (db *DB) PutSession(ctx context.Context, tokenHash, username string, expires time.Time) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO sessions (token_hash, username, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
		tokenHash, username, time.Now().UnixMilli(), expires.UnixMilli())
	if err != nil {
		return fmt.Errorf("central: session: %w", err)
	}
	return nil
}

// DeleteSession ends a session.
func (db *DB) DeleteSession(ctx context.Context, tokenHash string) error {
	if _, err := db.pool.Exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, tokenHash); err != nil {
		return fmt.Errorf("central: session: %w", err)
	}
	return nil
}

// SessionUser finds the user of an unexpired session. ENOTFOUND otherwise.
func (db *DB) SessionUser(ctx context.Context, tokenHash string, now time.Time) (hallq.User, error) {
	var u hallq.User
	var role string
	err := db.pool.QueryRow(ctx, `SELECT u.username, u.role FROM sessions s JOIN users u USING (username)
		WHERE s.token_hash = $1 AND s.expires_at > $2 AND NOT u.disabled`, tokenHash, now.UnixMilli()).Scan(&u.Username, &role)
	if isNoRows(err) {
		return u, hallq.Errorf(hallq.ENOTFOUND, "no such session")
	}
	if err != nil {
		return u, fmt.Errorf("central: session: %w", err)
	}
	u.Role = hallq.Role(role)
	return u, nil
}

// DeviceByToken is always ENOTFOUND: devices belong to halls.
func (db *DB) DeviceByToken(ctx context.Context, tokenHash string) (hallq.Device, error) {
	return hallq.Device{}, hallq.Errorf(hallq.ENOTFOUND, "no devices in the central store")
}
