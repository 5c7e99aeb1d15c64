package simhall

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/hallq/hallq/server"
	"github.com/hallq/hallq/server/queue"
	"github.com/hallq/hallq/server/sqlite"
)

func TestSeed(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hall.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := server.SeedDemo(ctx, db); err != nil {
		t.Fatal(err)
	}
	end := time.Date(2026, 11, 16, 12, 0, 0, 0, time.UTC) // a Monday
	rep, err := Seed(ctx, db, SeedConfig{Days: 14, End: end, TicketsPerDay: 40, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	// Two weeks: 10 weekdays of 40, 2 Saturdays of 20, Sundays closed.
	if rep.Days != 12 || rep.Tickets != 440 || rep.From != "2026-11-02" || rep.To != "2026-11-15" {
		t.Errorf("got %+v, want 12 days, 440 tickets, 2026-11-02 to 2026-11-15", rep)
	}
	// The store holds what a server would: the engine resumes from it on
	// the next day with an empty queue and the numbering restarted.
	st, err := db.LoadState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Day != "2026-11-16" || st.LastSeq != int64(rep.Events) || len(st.Tickets) != 0 {
		t.Errorf("got day %s, last seq %d (want %d), %d active tickets; want 2026-11-16 and none", st.Day, st.LastSeq, rep.Events, len(st.Tickets))
	}
	if _, err := queue.New(st); err != nil {
		t.Errorf("the engine cannot resume: %v", err)
	}
	var tickets, ratings, events, gaps int
	raw, err := sql.Open("sqlite", "file:"+db.Path()+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	q := func(query string, v *int) {
		t.Helper()
		if err := raw.QueryRowContext(ctx, query).Scan(v); err != nil {
			t.Fatal(err)
		}
	}
	q(`SELECT COUNT(*) FROM tickets WHERE transferred_from = ''`, &tickets)
	q(`SELECT COUNT(*) FROM ratings`, &ratings)
	q(`SELECT COUNT(*) FROM events`, &events)
	q(`SELECT COUNT(*) FROM events e WHERE seq > 1 AND NOT EXISTS (SELECT 1 FROM events p WHERE p.seq = e.seq - 1)`, &gaps)
	if tickets != rep.Tickets || ratings != rep.Ratings || events != rep.Events || gaps != 0 {
		t.Errorf("got %d tickets, %d ratings, %d events (%d gaps); want %d, %d, %d, 0", tickets, ratings, events, gaps, rep.Tickets, rep.Ratings, rep.Events)
	}
	var rated int
	q(`SELECT COUNT(*) FROM tickets WHERE rating > 0`, &rated)
	if rated == 0 || rated > ratings {
		t.Errorf("got %d rated tickets for %d ratings", rated, ratings)
	}

	// Seeding again is refused, and changes nothing.
	if _, err := Seed(ctx, db, SeedConfig{Days: 3, End: end, TicketsPerDay: 40}); !errors.Is(err, ErrHasHistory) {
		t.Errorf("second seed: got %v, want ErrHasHistory", err)
	}
	var again int
	q(`SELECT COUNT(*) FROM events`, &again)
	if again != events {
		t.Errorf("got %d events after a refused seed, want %d", again, events)
	}
}
