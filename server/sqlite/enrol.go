package sqlite

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/hallq/hallq"
)

// AddEnrolment stores a new pending enrolment request with the hash of its
// poll secret, after dropping expired ones. EUNAVAILABLE when maxPending
// requests already wait: nobody on the LAN can fill the database or bury
// the admin's list.
func (db *DB) AddEnrolment(ctx context.Context, e hallq.Enrolment, secretHash string, maxPending int) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: enrolment: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM enrolments WHERE expires_at <= ?`, e.CreatedAt.UnixMilli()); err != nil {
		return fmt.Errorf("sqlite: enrolment: %w", err)
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM enrolments WHERE state = 'pending'`).Scan(&n); err != nil {
		return fmt.Errorf("sqlite: enrolment: %w", err)
	}
	if n >= maxPending {
		return &hallq.Error{Code: hallq.EUNAVAILABLE, Reason: "too_many_pending",
			Message: fmt.Sprintf("%d enrolment requests already wait for an admin: approve or reject them first", n)}
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO enrolments (id, name, kind, code, state, secret_hash, remote, created_at, expires_at)
		VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?)`,
		e.ID, e.Name, string(e.Kind), e.Code, secretHash, e.Remote, e.CreatedAt.UnixMilli(), e.ExpiresAt.UnixMilli())
	if err != nil {
		return fmt.Errorf("sqlite: enrolment %s: %w", e.Name, err)
	}
	return tx.Commit()
}

// Enrolments lists the requests that have not expired, oldest first.
func (db *DB) Enrolments(ctx context.Context, now time.Time, loc *time.Location) ([]hallq.Enrolment, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+enrolCols+` FROM enrolments WHERE expires_at > ? ORDER BY created_at, id`, now.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("sqlite: enrolments: %w", err)
	}
	defer rows.Close()
	out := []hallq.Enrolment{}
	for rows.Next() {
		e, _, err := scanEnrolment(rows, loc)
		if err != nil {
			return nil, err
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
// a pending request. ENOTFOUND if there is no such unexpired request,
// ECONFLICT if it was already decided or, on approval, a live device has
// its name.
func (db *DB) DecideEnrolment(ctx context.Context, id string, state hallq.EnrolState, counter int, by string, now time.Time, loc *time.Location) (hallq.Enrolment, error) {
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
	_, err = tx.ExecContext(ctx, `UPDATE enrolments SET state = ?, counter = ?, decided_at = ?, decided_by = ? WHERE id = ?`,
		string(state), counter, now.UnixMilli(), by, id)
	if err != nil {
		return e, fmt.Errorf("sqlite: enrolment: %w", err)
	}
	e.State, e.Counter, e.DecidedBy = state, counter, by
	return e, tx.Commit()
}

// CollectEnrolment is a device asking for its answer with its poll
// secret's hash. A pending request is returned unchanged. An approved one
// becomes a device holding tokenHash, and a rejected one is answered; both
// are then consumed, so an answer is given exactly once. ENOTFOUND if there
// is no such unexpired request (or it was consumed), EFORBIDDEN if the
// secret is wrong, ECONFLICT if a live device took the name since approval.
func (db *DB) CollectEnrolment(ctx context.Context, id, secretHash, tokenHash string, now time.Time, loc *time.Location) (hallq.Enrolment, error) {
	// Most polls find the request pending: answer those from a reader.
	e, stored, err := enrolment(ctx, db.r, id, now, loc)
	if err != nil {
		return e, err
	}
	if subtle.ConstantTimeCompare([]byte(stored), []byte(secretHash)) != 1 {
		return hallq.Enrolment{}, hallq.Errorf(hallq.EFORBIDDEN, "wrong secret for enrolment %s", id)
	}
	if e.State == hallq.EnrolPending {
		return e, nil
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return hallq.Enrolment{}, fmt.Errorf("sqlite: enrolment: %w", err)
	}
	defer tx.Rollback()
	// Read again in the write transaction: two polls at once must not both
	// collect.
	e, stored, err = enrolment(ctx, tx, id, now, loc)
	if err != nil {
		return e, err
	}
	if subtle.ConstantTimeCompare([]byte(stored), []byte(secretHash)) != 1 {
		return hallq.Enrolment{}, hallq.Errorf(hallq.EFORBIDDEN, "wrong secret for enrolment %s", id)
	}
	if e.State == hallq.EnrolApproved {
		if err := nameFree(ctx, tx, e.Name); err != nil {
			return e, err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM devices WHERE name = ?`, e.Name); err != nil { // a revoked one
			return e, fmt.Errorf("sqlite: enrolment: %w", err)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO devices (name, kind, counter, token_hash, created_at) VALUES (?, ?, ?, ?, ?)`,
			e.Name, string(e.Kind), e.Counter, tokenHash, now.UnixMilli())
		if err != nil {
			return e, fmt.Errorf("sqlite: enrolment device %s: %w", e.Name, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM enrolments WHERE id = ?`, id); err != nil {
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

func scanEnrolment(row interface{ Scan(...any) error }, loc *time.Location) (hallq.Enrolment, string, error) {
	var e hallq.Enrolment
	var kind, state, hash string
	var created, expires int64
	err := row.Scan(&e.ID, &e.Name, &kind, &e.Code, &e.Counter, &state, &hash, &e.Remote, &created, &expires, &e.DecidedBy)
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
