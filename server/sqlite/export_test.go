package sqlite

import "time"

// SetAuthRecheck shortens how long token answers are kept, for tests.
func SetAuthRecheck(db *DB, d time.Duration) { db.auth.recheck = d }
