package sqlite

import (
	"context"
	"path/filepath"
	"testing"
)

// TestCacheCapped: every connection gets the small page cache (the pragma
// runs per connection, so several readers are held at once).
func TestCacheCapped(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "hall.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Hold three reader connections at once, so that the pool opens three.
	for range 3 {
		c, err := db.r.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		var n int
		if err := c.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != -cacheKiB {
			t.Errorf("reader cache_size = %d, want %d (KiB)", n, -cacheKiB)
		}
	}
	var n int
	if err := db.w.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != -cacheKiB {
		t.Errorf("writer cache_size = %d, want %d (KiB)", n, -cacheKiB)
	}
}
