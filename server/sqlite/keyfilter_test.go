package sqlite_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/internal/eventually"
	"github.com/hallq/hallq/server/queue"
	"github.com/hallq/hallq/server/sqlite"
)

// TicketByKey answers new keys from a filter of the keys in the table:
// every key written (before the filter was built, while it was, after) is
// still found, and a new key is answered without the table nearly always.
func TestTicketByKeyFilter(t *testing.T) {
	db, path := seeded(t)
	ctx := t.Context()
	issue := func(db *sqlite.DB, e *queue.Engine, keys ...string) {
		t.Helper()
		var chs []*queue.Change
		for _, k := range keys {
			_, ch, err := e.Issue(time.Now(), queue.IssueRequest{Service: "A", ID: "id-" + k, Secret: "s", Device: "kiosk", IdempotencyKey: k})
			if err != nil {
				t.Fatal(err)
			}
			chs = append(chs, ch)
		}
		if err := db.Apply(ctx, chs); err != nil {
			t.Fatal(err)
		}
	}
	engine := func(db *sqlite.DB) *queue.Engine {
		st, err := db.LoadState(ctx)
		if err != nil {
			t.Fatal(err)
		}
		e, err := queue.New(st)
		if err != nil {
			t.Fatal(err)
		}
		if ch := e.Tick(time.Now()); ch != nil {
			if err := db.Apply(ctx, []*queue.Change{ch}); err != nil {
				t.Fatal(err)
			}
		}
		return e
	}
	// Keys another process wrote before this one asked.
	other, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	var old []string
	for i := range 300 {
		old = append(old, fmt.Sprint("old-", i))
	}
	issue(other, engine(other), old...)
	other.Close()

	e := engine(db)
	found := func(k string) bool {
		tk, err := db.TicketByKey(ctx, "kiosk", k, time.UTC)
		if err != nil && hallq.ErrorCode(err) != hallq.ENOTFOUND {
			t.Fatal(err)
		}
		return err == nil && tk.IdempotencyKey == k
	}
	if !found("old-0") || found("never") {
		t.Fatal("before the filter: want old-0 found and never not")
	}
	issue(db, e, "while-building")
	eventually.True(t, 30*time.Second, "the key filter to be built", func() bool { return sqlite.KeysReady(db) })
	issue(db, e, "after")
	for _, k := range append(old, "while-building", "after") {
		if !found(k) {
			t.Errorf("key %s: not found", k)
		}
	}
	maybe := 0
	const n = 10_000
	for i := range n {
		k := fmt.Sprint("new-", i)
		if found(k) {
			t.Fatalf("new key %s found", k)
		}
		if sqlite.KeyMayExist(db, "kiosk", k) {
			maybe++
		}
	}
	if share := float64(maybe) / n; share > 0.03 {
		t.Errorf("%.1f %% of new keys needed the table, want about 1 %%", 100*share)
	}
	if sqlite.KeyMayExist(db, "kiosk-2", "old-0") && sqlite.KeyMayExist(db, "kiosk-2", "old-1") && sqlite.KeyMayExist(db, "kiosk-2", "old-2") {
		t.Error("another device's keys all look like kiosk's")
	}
}
