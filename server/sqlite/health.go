package sqlite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"syscall"
	"time"
)

// CheckWritable proves the database takes writes: it commits a small row
// (meta "write_check") durably. Open refuses a database that fails it, and
// the hall runtime asks again after a failed commit. The error names the
// file and, where SQLite says, the cause (read-only, disk full).
func (db *DB) CheckWritable(ctx context.Context) error {
	_, err := db.w.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('write_check', ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, time.Now().UTC().Format(time.RFC3339Nano))
	if err != nil {
		return fmt.Errorf("sqlite: %s cannot be written (%s): %w", db.path, WriteFailure(err), err)
	}
	return nil
}

// WriteFailure says in a few words why SQLite refused a write: "read-only
// (file, folder or mount)", "disk full", "I/O error", "busy", or "" when err
// is not SQLite's.
func WriteFailure(err error) string {
	var coded interface{ Code() int }
	if !errors.As(err, &coded) {
		return ""
	}
	switch coded.Code() & 0xff {
	case 8: // SQLITE_READONLY
		return "read-only: check the permissions of the file and its folder, and that the disk is not mounted read-only"
	case 13: // SQLITE_FULL
		return "disk full"
	case 10: // SQLITE_IOERR
		return "I/O error: the disk may be full, failing or gone"
	case 14: // SQLITE_CANTOPEN
		return "cannot open the file or its journal: check the folder's permissions"
	case 3: // SQLITE_PERM
		return "permission denied"
	case 5, 6: // SQLITE_BUSY, SQLITE_LOCKED
		return "busy: another program holds the database"
	}
	return "SQLite error"
}

// FreeBytes is the free space, for unprivileged users, on the disk that
// holds the database.
func (db *DB) FreeBytes() (uint64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(filepath.Dir(db.path), &st); err != nil {
		return 0, err
	}
	return st.Bavail * uint64(st.Bsize), nil
}
