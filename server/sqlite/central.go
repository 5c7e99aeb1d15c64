package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
)

// metaCentralAck is the last event the central store was known to hold
// (central.Shipper), kept so that a hall restarted while the central store
// is out of reach still reports how much it has not shipped.
const metaCentralAck = "central_ack"

type centralAck struct {
	Hall string `json:"hall"`
	Seq  int64  `json:"seq"`
}

// CentralAck is the last event of the log that the central store was known
// to hold for hall, as PutCentralAck last recorded it; ok is false if none
// was recorded for that hall.
func (db *DB) CentralAck(ctx context.Context, hall string) (seq int64, ok bool, err error) {
	var v string
	err = db.r.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, metaCentralAck).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("sqlite: central ack: %w", err)
	}
	var a centralAck
	if err := json.Unmarshal([]byte(v), &a); err != nil || a.Hall != hall {
		return 0, false, nil
	}
	return a.Seq, true, nil
}

// PutCentralAck records that the central store holds hall's log up to seq.
// It is one small write on the writer connection: the shipper calls it
// seldom (every few seconds at most).
func (db *DB) PutCentralAck(ctx context.Context, hall string, seq int64) error {
	b, _ := json.Marshal(centralAck{hall, seq})
	_, err := db.w.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
		metaCentralAck, string(b))
	if err != nil {
		return fmt.Errorf("sqlite: central ack: %w", err)
	}
	return nil
}
