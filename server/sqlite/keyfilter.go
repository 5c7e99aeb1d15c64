package sqlite

import (
	"hash/maphash"
	"sync"
)

// keyFilter answers "may a ticket with this device and idempotency key
// exist?" without asking the database: a Bloom filter of every key in the
// tickets table, built from the table the first time it is needed and
// kept up to date by Apply (no other process issues tickets while the
// hall server runs). A new key — every issue's — is then answered from
// memory; a key that may exist (a retry, or about one in a hundred others)
// is looked up. Until it is built, every key may exist.
type keyFilter struct {
	once    sync.Once
	mu      sync.Mutex
	ready   bool
	bits    []uint64
	pending []string // added while the filter was being built
	seed    maphash.Seed
	done    chan struct{} // closed when the build has ended
}

// About ten bits a key and seven hashes: under 1 % of new keys look like
// old ones. The filter is sized at build time for twice the keys there
// were then (at least a million: 1.2 MB), and a restart sizes it again.
const (
	filterBitsPerKey = 10
	filterHashes     = 7
	filterMinKeys    = 1 << 20
)

func filterKey(device, key string) string { return device + "\x00" + key }

// mayExist reports whether a ticket with the key may exist, starting the
// filter's build the first time it is asked.
func (db *DB) mayExist(device, key string) bool {
	f := &db.keys
	f.once.Do(func() {
		f.done = make(chan struct{})
		go db.buildKeys()
	})
	f.mu.Lock()
	defer f.mu.Unlock()
	return !f.ready || f.test(filterKey(device, key))
}

// keyAdded notes a key Apply wrote.
func (db *DB) keyAdded(device, key string) {
	f := &db.keys
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ready {
		f.set(filterKey(device, key))
	} else if f.done != nil {
		f.pending = append(f.pending, filterKey(device, key))
	}
}

// buildKeys reads every key from the tickets table into a new filter.
func (db *DB) buildKeys() {
	f := &db.keys
	defer close(f.done)
	ctx := db.bg
	var n int
	if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM tickets WHERE idem_key <> ''`).Scan(&n); err != nil {
		return // stays not ready: every key is looked up
	}
	nf := keyFilter{seed: maphash.MakeSeed(), bits: make([]uint64, (max(2*n, filterMinKeys)*filterBitsPerKey+63)/64)}
	rows, err := db.r.QueryContext(ctx, `SELECT device, idem_key FROM tickets WHERE idem_key <> ''`)
	if err != nil {
		return
	}
	defer rows.Close()
	for rows.Next() {
		var device, key string
		if err := rows.Scan(&device, &key); err != nil {
			return
		}
		nf.set(filterKey(device, key))
	}
	if rows.Err() != nil {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.bits, f.seed = nf.bits, nf.seed
	for _, k := range f.pending {
		f.set(k)
	}
	f.pending, f.ready = nil, true
}

// positions calls fn with the key's bit positions (double hashing).
func (f *keyFilter) positions(k string, fn func(uint64)) {
	h := maphash.String(f.seed, k)
	h1, h2 := h, h>>32|1
	m := uint64(len(f.bits)) * 64
	for i := range uint64(filterHashes) {
		fn((h1 + i*h2) % m)
	}
}

func (f *keyFilter) set(k string) {
	f.positions(k, func(p uint64) { f.bits[p/64] |= 1 << (p % 64) })
}

func (f *keyFilter) test(k string) bool {
	all := true
	f.positions(k, func(p uint64) { all = all && f.bits[p/64]&(1<<(p%64)) != 0 })
	return all
}

// stopKeys waits for a build under way (its queries end with db.bg).
func (db *DB) stopKeys() {
	if db.keys.done != nil {
		<-db.keys.done
	}
}
