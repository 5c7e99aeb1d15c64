package sqlite

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hallq/hallq"
)

// EnrolLimits bounds the enrolment requests waiting for an admin, so that
// nobody on the LAN can fill the database or bury the admin's list, and a
// few machines cannot take every place from the real devices.
type EnrolLimits struct {
	// Pending is how many may wait at once in the hall.
	Pending int
	// PerAddress is how many may wait from one address: a kiosk asks for
	// itself and each of its pads.
	PerAddress int
}

// AddEnrolment stores a new pending enrolment request with the hash of its
// poll secret, after dropping expired ones and the same device's earlier
// request (same name from the same address: it restarted, or lost its
// request). EUNAVAILABLE when lim.PerAddress requests from e.Remote, or
// lim.Pending in all, already wait.
func (db *DB) AddEnrolment(ctx context.Context, e hallq.Enrolment, secretHash string, lim EnrolLimits) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: enrolment: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM enrolments WHERE expires_at <= ?`, e.CreatedAt.UnixMilli()); err != nil {
		return fmt.Errorf("sqlite: enrolment: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM enrolments WHERE state = 'pending' AND name = ? AND remote = ?`, e.Name, e.Remote); err != nil {
		return fmt.Errorf("sqlite: enrolment: %w", err)
	}
	var fromAddr, all int
	err = tx.QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE remote = ?), count(*) FROM enrolments WHERE state = 'pending'`, e.Remote).Scan(&fromAddr, &all)
	if err != nil {
		return fmt.Errorf("sqlite: enrolment: %w", err)
	}
	switch {
	case fromAddr >= lim.PerAddress:
		return &hallq.Error{Code: hallq.EUNAVAILABLE, Reason: "address_pending",
			Message: fmt.Sprintf("%d enrolment requests from %s already wait for an admin: approve or reject them first", fromAddr, e.Remote)}
	case all >= lim.Pending:
		return &hallq.Error{Code: hallq.EUNAVAILABLE, Reason: "too_many_pending",
			Message: fmt.Sprintf("%d enrolment requests already wait for an admin: approve or reject them first", all)}
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO enrolments (id, name, kind, code, state, secret_hash, remote, created_at, expires_at)
		VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?)`,
		e.ID, e.Name, string(e.Kind), e.Code, secretHash, e.Remote, e.CreatedAt.UnixMilli(), e.ExpiresAt.UnixMilli())
	if err != nil {
		return fmt.Errorf("sqlite: enrolment %s: %w", e.Name, err)
	}
	return tx.Commit()
}

// Enrolments lists the requests that have not expired, oldest first, each
// with the live devices last heard from its address.
func (db *DB) Enrolments(ctx context.Context, now time.Time, loc *time.Location) ([]hallq.Enrolment, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+enrolCols+`,
		(SELECT group_concat(name, ' ') FROM devices
			WHERE address = enrolments.remote AND address != '' AND revoked_at IS NULL)
		FROM enrolments WHERE expires_at > ? ORDER BY created_at, id`, now.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("sqlite: enrolments: %w", err)
	}
	defer rows.Close()
	out := []hallq.Enrolment{}
	for rows.Next() {
		var same sql.NullString
		e, _, err := scanEnrolment(rows, loc, &same)
		if err != nil {
			return nil, err
		}
		if same.String != "" {
			e.SameAddress = strings.Fields(same.String)
			sort.Strings(e.SameAddress)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Enrolment reads one unexpired request. ENOTFOUND if there is none.
func (db *DB) Enrolment(ctx context.Context, id string, now time.Time, loc *time.Location) (hallq.Enrolment, error) {
	e, _, err := enrolment(ctx, db.r, id, now, loc)
	return e, err
}

// DecideEnrolment approves (with the counter a pad is bound to) or rejects
// a pending request, which then waits for its device until keepUntil.
// ENOTFOUND if there is no such unexpired request, ECONFLICT if it was
// already decided or, on approval, a live device has its name.
func (db *DB) DecideEnrolment(ctx context.Context, id string, state hallq.EnrolState, counter int, by string, now, keepUntil time.Time, loc *time.Location) (hallq.Enrolment, error) {
	defer db.auth.forgetDevices()
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return hallq.Enrolment{}, fmt.Errorf("sqlite: enrolment: %w", err)
	}
	defer tx.Rollback()
	e, _, err := enrolment(ctx, tx, id, now, loc)
	if err != nil {
		return e, err
	}
	if e.State != hallq.EnrolPending {
		return e, &hallq.Error{Code: hallq.ECONFLICT, Reason: "decided",
			Message: fmt.Sprintf("enrolment %s (%s) is already %s", e.ID, e.Name, e.State)}
	}
	if state == hallq.EnrolApproved {
		if err := nameFree(ctx, tx, e.Name); err != nil {
			return e, err
		}
	}
	_, err = tx.ExecContext(ctx, `UPDATE enrolments SET state = ?, counter = ?, decided_at = ?, decided_by = ?, expires_at = max(expires_at, ?) WHERE id = ?`,
		string(state), counter, now.UnixMilli(), by, keepUntil.UnixMilli(), id)
	if err != nil {
		return e, fmt.Errorf("sqlite: enrolment: %w", err)
	}
	e.State, e.Counter, e.DecidedBy = state, counter, by
	e.ExpiresAt = fromMS(max(e.ExpiresAt.UnixMilli(), keepUntil.UnixMilli()), loc)
	return e, tx.Commit()
}

// RejectPending rejects every pending request — only those from remote
// when it is not "" — as DecideEnrolment would one by one, and returns how
// many: the admin's way out of a flood.
func (db *DB) RejectPending(ctx context.Context, remote, by string, now, keepUntil time.Time) (int, error) {
	res, err := db.w.ExecContext(ctx, `UPDATE enrolments SET state = 'rejected', decided_at = ?, decided_by = ?, expires_at = max(expires_at, ?)
		WHERE state = 'pending' AND expires_at > ? AND (? = '' OR remote = ?)`,
		now.UnixMilli(), by, keepUntil.UnixMilli(), now.UnixMilli(), remote, remote)
	if err != nil {
		return 0, fmt.Errorf("sqlite: reject pending: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// EnrolPoll is a device asking for its enrolment's answer.
type EnrolPoll struct {
	ID         string
	SecretHash string // of the poll secret it was given
	TokenHash  string // of the token it gets if approved
	Remote     string // its address, kept as the device's
	Now        time.Time
	// KeepUntil: a request still pending is kept at least until then, so
	// that a device waiting for the admin keeps its place while one
	// that stopped asking loses it.
	KeepUntil time.Time
}

// keepSlack is how far a pending request's expiry may lag its last poll's
// KeepUntil: polls every few seconds then cost a write a minute, not one
// each.
const keepSlack = time.Minute

// CollectEnrolment answers a device's poll. A pending request is returned
// unchanged, kept until p.KeepUntil. An approved one becomes a device
// holding p.TokenHash, and a rejected one is answered; both are then
// consumed, so an answer is given exactly once. ENOTFOUND if there is no
// such unexpired request (or it was consumed), EFORBIDDEN if the secret is
// wrong, ECONFLICT if a live device took the name since approval.
func (db *DB) CollectEnrolment(ctx context.Context, p EnrolPoll, loc *time.Location) (hallq.Enrolment, error) {
	defer db.auth.forgetDevices()
	// Most polls find the request pending: answer those from a reader.
	e, stored, err := enrolment(ctx, db.r, p.ID, p.Now, loc)
	if err != nil {
		return e, err
	}
	if subtle.ConstantTimeCompare([]byte(stored), []byte(p.SecretHash)) != 1 {
		return hallq.Enrolment{}, hallq.Errorf(hallq.EFORBIDDEN, "wrong secret for enrolment %s", p.ID)
	}
	if e.State == hallq.EnrolPending {
		if p.KeepUntil.Sub(e.ExpiresAt) > keepSlack {
			_, err := db.w.ExecContext(ctx, `UPDATE enrolments SET expires_at = max(expires_at, ?) WHERE id = ? AND state = 'pending'`,
				p.KeepUntil.UnixMilli(), p.ID)
			if err != nil {
				return e, fmt.Errorf("sqlite: enrolment: %w", err)
			}
			e.ExpiresAt = fromMS(p.KeepUntil.UnixMilli(), loc)
		}
		return e, nil
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return hallq.Enrolment{}, fmt.Errorf("sqlite: enrolment: %w", err)
	}
	defer tx.Rollback()
	// Read again in the write transaction: two polls at once must not both
	// collect.
	e, stored, err = enrolment(ctx, tx, p.ID, p.Now, loc)
	if err != nil {
		return e, err
	}
	if subtle.ConstantTimeCompare([]byte(stored), []byte(p.SecretHash)) != 1 {
		return hallq.Enrolment{}, hallq.Errorf(hallq.EFORBIDDEN, "wrong secret for enrolment %s", p.ID)
	}
	if e.State == hallq.EnrolApproved {
		if err := nameFree(ctx, tx, e.Name); err != nil {
			return e, err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM devices WHERE name = ?`, e.Name); err != nil { // a revoked one
			return e, fmt.Errorf("sqlite: enrolment: %w", err)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO devices (name, kind, counter, token_hash, created_at, address) VALUES (?, ?, ?, ?, ?, ?)`,
			e.Name, string(e.Kind), e.Counter, p.TokenHash, p.Now.UnixMilli(), p.Remote)
		if err != nil {
			return e, fmt.Errorf("sqlite: enrolment device %s: %w", e.Name, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM enrolments WHERE id = ?`, p.ID); err != nil {
		return e, fmt.Errorf("sqlite: enrolment: %w", err)
	}
	return e, tx.Commit()
}

const enrolCols = `id, name, kind, code, counter, state, secret_hash, remote, created_at, expires_at, decided_by`

func enrolment(ctx context.Context, q querier, id string, now time.Time, loc *time.Location) (hallq.Enrolment, string, error) {
	row := q.QueryRowContext(ctx, `SELECT `+enrolCols+` FROM enrolments WHERE id = ? AND expires_at > ?`, id, now.UnixMilli())
	e, hash, err := scanEnrolment(row, loc)
	if errors.Is(err, sql.ErrNoRows) {
		return e, "", &hallq.Error{Code: hallq.ENOTFOUND, Reason: "unknown",
			Message: fmt.Sprintf("no enrolment request %q: it expired, was answered already, or never existed; ask again", id)}
	}
	return e, hash, err
}

// scanEnrolment reads enrolCols, and into more whatever the query selects
// after them.
func scanEnrolment(row interface{ Scan(...any) error }, loc *time.Location, more ...any) (hallq.Enrolment, string, error) {
	var e hallq.Enrolment
	var kind, state, hash string
	var created, expires int64
	err := row.Scan(append([]any{&e.ID, &e.Name, &kind, &e.Code, &e.Counter, &state, &hash, &e.Remote, &created, &expires, &e.DecidedBy}, more...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return e, "", err
	}
	if err != nil {
		return e, "", fmt.Errorf("sqlite: enrolment: %w", err)
	}
	e.Kind, e.State = hallq.DeviceKind(kind), hallq.EnrolState(state)
	e.CreatedAt, e.ExpiresAt = fromMS(created, loc), fromMS(expires, loc)
	return e, hash, nil
}

// nameFree is ECONFLICT when a live device already has name.
func nameFree(ctx context.Context, tx *sql.Tx, name string) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM devices WHERE name = ? AND revoked_at IS NULL`, name).Scan(&n); err != nil {
		return fmt.Errorf("sqlite: enrolment: %w", err)
	}
	if n > 0 {
		return &hallq.Error{Code: hallq.ECONFLICT, Reason: "name_taken",
			Message: fmt.Sprintf("a device named %q already exists: revoke it first (hallserver device revoke), or reject this request", name)}
	}
	return nil
}
