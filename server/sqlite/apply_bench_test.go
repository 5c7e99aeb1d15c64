package sqlite_test

import (
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"testing"
	"time"

	"github.com/hallq/hallq/internal/cputime"
	"github.com/hallq/hallq/server/config"
	"github.com/hallq/hallq/server/hall"
	"github.com/hallq/hallq/server/queue"
)

// BenchmarkApplyIssue writes issued tickets, batch at a time in one
// transaction (synchronous=FULL), as the hall's group commit does: the
// engine's issue, the store's writes and the fsync. cpu-ns/ticket is the
// CPU the engine and the store spend per ticket, whatever the disk does.
//
//	go test -run '^$' -bench ApplyIssue -benchmem ./server/sqlite
func BenchmarkApplyIssue(b *testing.B) {
	for _, batch := range []int{1, 16} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			db, _ := open(&testing.T{})
			d := config.Demo()
			for i := range d.Services {
				// As wide as a ticket allows (hallsim load's hall): 19,999 numbers each.
				d.Services[i].RangeFrom, d.Services[i].RangeTo = i*20_000+1, i*20_000+19_999
			}
			if err := db.Seed(b.Context(), d.Settings, d.Services, d.Counters); err != nil {
				b.Fatal(err)
			}
			st, err := db.LoadState(b.Context())
			if err != nil {
				b.Fatal(err)
			}
			e, err := queue.New(st)
			if err != nil {
				b.Fatal(err)
			}
			now := time.Now()
			changes := []*queue.Change{e.Tick(now)}
			services := []string{"A", "B", "C", "D", "E"}
			b.ResetTimer()
			cpu := cputime.Now()
			for i := 0; i < b.N; i += batch {
				for j := range batch {
					id, _ := hall.NewTicketID()
					_, ch, err := e.Issue(now, queue.IssueRequest{Service: services[(i+j)%5], ID: id, Secret: "s",
						Device: "kiosk", IdempotencyKey: randomKey(16)})
					if err != nil {
						b.Fatal(err)
					}
					changes = append(changes, ch)
				}
				if err := db.Apply(b.Context(), changes); err != nil {
					b.Fatal(err)
				}
				changes = changes[:0]
			}
			cputime.Report(b, cpu, 0, "ticket")
		})
	}
}

// randomKey is n random bytes in base32, as a kiosk's idempotency keys
// are: random keys land on random pages of their index, and each page is
// one more for the commit to write.
func randomKey(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return keyEncoding.EncodeToString(b)
}

var keyEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)
