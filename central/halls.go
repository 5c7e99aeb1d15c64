package central

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hallq/hallq"
)

// Profile is what the central store keeps of a hall besides its log: what
// names the rows of its reports and the targets they are held against.
// Configuration changes are not in the log's payload, so the shipper sends
// the profile on connecting and after every hall.configured event.
type Profile struct {
	Settings hallq.Settings
	Services []hallq.Service
	Counters []CounterName
}

// CounterName names a counter of a hall.
type CounterName struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// Hall is one hall as the central store knows it.
type Hall struct {
	ID       string
	Profile  Profile
	Loc      *time.Location
	LastSeq  int64
	LastAt   time.Time // of the last event held; zero if none
	Shipped  time.Time // when the last batch arrived; zero if never
	Profiled time.Time
}

// Name is the hall's name, or its id when it has sent no profile.
func (h *Hall) Name() string {
	if h.Profile.Settings.Name != "" {
		return h.Profile.Settings.Name
	}
	return h.ID
}

// PutHall stores hall's profile, creating the hall if it is new.
func (db *DB) PutHall(ctx context.Context, hall string, p Profile) error {
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
	_, err = db.pool.Exec(ctx, `INSERT INTO halls (hall_id, name, settings, services, counters, profile_at) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (hall_id) DO UPDATE SET name = excluded.name, settings = excluded.settings, services = excluded.services,
			counters = excluded.counters, profile_at = excluded.profile_at`,
		hall, p.Settings.Name, string(set), string(svc), string(ctr), time.Now().UnixMilli())
	if err != nil {
		return fmt.Errorf("central: hall %s: %w", hall, err)
	}
	return nil
}

// Halls lists the halls known, by id.
func (db *DB) Halls(ctx context.Context) ([]Hall, error) {
	rows, err := db.pool.Query(ctx, `SELECT hall_id, settings, services, counters, profile_at, last_seq, last_event_at, shipped_at
		FROM halls ORDER BY hall_id`)
	if err != nil {
		return nil, fmt.Errorf("central: halls: %w", err)
	}
	defer rows.Close()
	var out []Hall
	for rows.Next() {
		var h Hall
		var set, svc, ctr string
		var prof, lastAt, shipped int64
		if err := rows.Scan(&h.ID, &set, &svc, &ctr, &prof, &h.LastSeq, &lastAt, &shipped); err != nil {
			return nil, fmt.Errorf("central: halls: %w", err)
		}
		h.Profile.Settings = hallq.DefaultSettings()
		if err := json.Unmarshal([]byte(set), &h.Profile.Settings); err != nil {
			return nil, fmt.Errorf("central: hall %s: settings: %w", h.ID, err)
		}
		if err := json.Unmarshal([]byte(svc), &h.Profile.Services); err != nil {
			return nil, fmt.Errorf("central: hall %s: services: %w", h.ID, err)
		}
		if err := json.Unmarshal([]byte(ctr), &h.Profile.Counters); err != nil {
			return nil, fmt.Errorf("central: hall %s: counters: %w", h.ID, err)
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
