package sqlite_test

import (
	"bytes"
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/server/queue"
	"github.com/hallq/hallq/server/sqlite"
)

// TestLogIsChained: every event carries the hash chain of the log up to it
// (hallq.ChainNext over the stored bodies), across batches; a log written
// before the chain existed is chained on the next opening, to the same
// values; two logs that part ways differ from the first event they do not
// share.
func TestLogIsChained(t *testing.T) {
	db, path := seeded(t)
	ctx := t.Context()
	issue := func(db *sqlite.DB, n int, ids string) {
		t.Helper()
		e, _ := engine(t, db)
		now := time.Date(2026, 11, 27, 8, 15, 0, 0, time.UTC)
		if ch := e.Tick(now); ch != nil {
			if err := db.Apply(ctx, []*queue.Change{ch}); err != nil {
				t.Fatal(err)
			}
		}
		for i := range n {
			_, ch, err := e.Issue(now, queue.IssueRequest{Service: "A", ID: ids + string(rune('a'+i)), Secret: "s", Device: "kiosk-1"})
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Apply(ctx, []*queue.Change{ch}); err != nil {
				t.Fatal(err)
			}
		}
	}
	check := func(db *sqlite.DB) []hallq.RawEvent {
		t.Helper()
		evs, err := db.EventsRaw(ctx, 0, 1000)
		if err != nil || len(evs) == 0 {
			t.Fatalf("events: %d, %v", len(evs), err)
		}
		var prev []byte
		for _, ev := range evs {
			prev = hallq.ChainNext(prev, ev.Seq, ev.JSON)
			if !bytes.Equal(ev.Chain, prev) {
				t.Fatalf("event %d: chain %x, want %x", ev.Seq, ev.Chain, prev)
			}
			if c, err := db.ChainAt(ctx, ev.Seq); err != nil || !bytes.Equal(c, prev) {
				t.Fatalf("ChainAt(%d): %x, %v", ev.Seq, c, err)
			}
		}
		return evs
	}
	issue(db, 5, "t")
	before := check(db)
	if _, err := db.ChainAt(ctx, 99); hallq.ErrorCode(err) != hallq.ENOTFOUND {
		t.Errorf("ChainAt past the end: %v, want ENOTFOUND", err)
	}

	// A log from before the chain: chained on opening, to the same values.
	db.Close()
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE events SET chain = NULL WHERE seq > 2`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	db, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	after := check(db)
	if !bytes.Equal(after[len(after)-1].Chain, before[len(before)-1].Chain) {
		t.Errorf("re-chained log ends at %x, want %x", after[len(after)-1].Chain, before[len(before)-1].Chain)
	}

	// A copy that goes on differently differs from its first own event.
	cp := t.TempDir() + "/copy.db"
	if err := db.Backup(ctx, cp); err != nil {
		t.Fatal(err)
	}
	other, err := sqlite.Open(context.Background(), cp)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	issue(db, 2, "x")
	issue(other, 2, "y")
	a, b := check(db), check(other)
	n := len(before)
	if !bytes.Equal(a[n-1].Chain, b[n-1].Chain) || bytes.Equal(a[n].Chain, b[n].Chain) || bytes.Equal(a[n+1].Chain, b[n+1].Chain) {
		t.Errorf("two histories: shared event %d chains equal %v, own events equal %v %v", n,
			bytes.Equal(a[n-1].Chain, b[n-1].Chain), bytes.Equal(a[n].Chain, b[n].Chain), bytes.Equal(a[n+1].Chain, b[n+1].Chain))
	}
}

// BenchmarkChainOldLog: the first start after the upgrade that brought the
// hash chain chains the whole log the hall had (fillChains, inside Open).
// The log here is a year of a busy hall's size in events (1,000,000
// ticket.issued events of about 400 bytes), unchained as a log from before
// was; one iteration is one Open.
//
//	go test ./server/sqlite/ -run '^$' -bench ChainOldLog -benchtime 1x
func BenchmarkChainOldLog(b *testing.B) {
	const events = 1_000_000
	body := `{"type":"ticket.issued","at":"2026-11-27T08:15:00+07:00","ticket":{"id":"7x4k2m9q3p8rt","day":"2026-11-27",` +
		`"service":"A","number":1001,"label":"1001","state":"waiting","issued_at":"2026-11-27T08:15:00+07:00","counter":0,` +
		`"recalls":0,"issue_estimate_s":420,"issue_ahead":6,"device":"kiosk-1","queued_at":"2026-11-27T08:15:00+07:00",` +
		`"waited_ms":0,"target_wait_s":900},"ahead":6,"estimate_s":420}`
	for range b.N {
		b.StopTimer()
		path := filepath.Join(b.TempDir(), "old.db")
		db, err := sqlite.Open(context.Background(), path)
		if err != nil {
			b.Fatal(err)
		}
		db.Close()
		raw, err := sql.Open("sqlite", "file:"+path)
		if err != nil {
			b.Fatal(err)
		}
		_, err = raw.Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
			INSERT INTO events (seq, type, at, body) SELECT i, 'ticket.issued', 1796000000000 + i, ? FROM n`, events, body)
		raw.Close()
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		db, err = sqlite.Open(context.Background(), path)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		db.Close()
	}
	b.ReportMetric(float64(events)/(b.Elapsed().Seconds()/float64(b.N)), "events/s")
}
