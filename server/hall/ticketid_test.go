package hall_test

import (
	"strings"
	"testing"

	"github.com/hallq/hallq/server/hall"
)

// TestTicketIDsInOrder: ticket ids are 13 characters of the id alphabet,
// never repeat, and each sorts after the one made before it (so the
// tickets table's key and the events' ticket index take a new ticket on
// the pages the last ones went to), but where the count of the
// millisecond wraps around, once in 65,536 ids; secrets are 20 characters.
func TestTicketIDsInOrder(t *testing.T) {
	const n = 200_000
	seen := make(map[string]bool, n)
	prev, descents := "", 0
	for range n {
		id, secret := hall.NewTicketID()
		if len(id) != 13 || len(secret) != 20 || strings.Trim(id+secret, "23456789abcdefghijkmnpqrstuvwxyz") != "" {
			t.Fatalf("id %q, secret %q: want 13 and 20 characters of the id alphabet", id, secret)
		}
		if seen[id] {
			t.Fatalf("id %q made twice", id)
		}
		seen[id] = true
		if id < prev {
			descents++
		}
		prev = id
	}
	if descents > n/65536+1 {
		t.Errorf("%d of %d ids sort before the one made before them, want at most %d", descents, n, n/65536+1)
	}
}
