package central

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hallq/hallq"
)

// HallProfile is what the central store keeps of a hall besides its log: what
// names the rows of its reports and the targets they are held against.
// Configuration changes are not in the log's payload, so the shipper sends
// the profile on connecting and after every hall.configured event.
type HallProfile struct {
	Settings hallq.Settings
	Services []hallq.Service
	Counters []CounterName
}

// CounterName names a counter of a hall.
type CounterName struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// HallRecord is one hall as the central store knows it: its profile, its
// zone, and how far its log has arrived.
type HallRecord struct {
	ID       string
	Profile  HallProfile
	Loc      *time.Location
	LastSeq  int64
	LastAt   time.Time // of the last event held; zero if none
	Shipped  time.Time // when the last batch arrived; zero if never
	Profiled time.Time
	// ProfileErr says the profile the hall sent could not be read: its
	// reports use the default settings meanwhile.
	ProfileErr string
	// Diverged, if not nil, is the divergence the hall last reported.
	Diverged *HallDivergence
}

// HallDivergence is a hall's report that its history differs from the
// store's (hallserver central new-epoch resolves it).
type HallDivergence struct {
	At    time.Time // when it was last reported
	After int64     // the last event both histories share
	Head  int64     // the hall's last event then
	Note  string
}

// Name is the hall's name, or its id when it has sent no profile.
func (h *HallRecord) Name() string {
	if h.Profile.Settings.Name != "" {
		return h.Profile.Settings.Name
	}
	return h.ID
}

// PutProfile stores this role's hall's profile (hallq_hall_profile),
// creating the hall if it is new.
func (db *DB) PutProfile(ctx context.Context, p HallProfile) error {
	set, err := json.Marshal(p.Settings)
	if err != nil {
		return err
	}
	svc, err := json.Marshal(p.Services)
	if err != nil {
		return err
	}
	ctr, err := json.Marshal(p.Counters)
	if err != nil {
		return err
	}
	_, err = db.pool.Exec(ctx, `SELECT hallq_hall_profile($1, $2, $3, $4)`, p.Settings.Name, string(set), string(svc), string(ctr))
	if err != nil {
		return fmt.Errorf("central: profile: %w", db.hallOnly(err))
	}
	return nil
}

// ReportDivergence records, for the city's dashboard, that this role's
// hall found its history differs from the store's after event after (its
// own log ending at head); after < 0 says it ships again.
func (db *DB) ReportDivergence(ctx context.Context, after, head int64, note string) error {
	var a any
	if after >= 0 {
		a = after
	}
	if _, err := db.pool.Exec(ctx, `SELECT hallq_hall_diverged($1, $2, $3)`, a, head, note); err != nil {
		return fmt.Errorf("central: report divergence: %w", db.hallOnly(err))
	}
	return nil
}

// Halls lists the halls known, by id.
func (db *DB) Halls(ctx context.Context) ([]HallRecord, error) {
	rows, err := db.pool.Query(ctx, `SELECT hall_id, settings, services, counters, profile_at, last_seq, last_event_at, shipped_at,
		diverged_at, diverged_after, diverged_head, diverged_note
		FROM halls ORDER BY hall_id`)
	if err != nil {
		return nil, fmt.Errorf("central: halls: %w", err)
	}
	defer rows.Close()
	var out []HallRecord
	for rows.Next() {
		var h HallRecord
		var set, svc, ctr string
		var prof, lastAt, shipped, divAt int64
		var div HallDivergence
		if err := rows.Scan(&h.ID, &set, &svc, &ctr, &prof, &h.LastSeq, &lastAt, &shipped,
			&divAt, &div.After, &div.Head, &div.Note); err != nil {
			return nil, fmt.Errorf("central: halls: %w", err)
		}
		if divAt != 0 {
			div.At = time.UnixMilli(divAt)
			h.Diverged = &div
		}
		// A hall's profile is its own to send: one that cannot be read
		// costs that hall its names and targets, never the city its
		// reports.
		h.Profile.Settings = hallq.DefaultSettings()
		err := errors.Join(json.Unmarshal([]byte(set), &h.Profile.Settings), json.Unmarshal([]byte(svc), &h.Profile.Services),
			json.Unmarshal([]byte(ctr), &h.Profile.Counters))
		if err != nil {
			h.Profile = HallProfile{Settings: hallq.DefaultSettings()}
			h.ProfileErr = err.Error()
		}
		if h.Loc, err = h.Profile.Settings.Location(); err != nil {
			h.Loc = time.UTC
		}
		h.LastAt, h.Shipped, h.Profiled = msTime(lastAt), msTime(shipped), msTime(prof)
		out = append(out, h)
	}
	return out, rows.Err()
}

func msTime(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v)
}
