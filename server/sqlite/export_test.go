package sqlite

import "time"

// SetAuthRecheck shortens how long token answers are kept, for tests.
func SetAuthRecheck(db *DB, d time.Duration) { db.auth.recheck = d }

// KeysReady reports whether the idempotency-key filter has been built;
// KeyMayExist asks it.
func KeysReady(db *DB) bool {
	db.keys.mu.Lock()
	defer db.keys.mu.Unlock()
	return db.keys.ready
}

func KeyMayExist(db *DB, device, key string) bool { return db.mayExist(device, key) }
