package cli_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/server/sqlite"
)

// A backup taken while kiosks issue tickets is a consistent database: it
// passes SQLite's integrity check, its event log has no gap, its tickets
// and their events come from one moment, and it holds every ticket
// acknowledged before the backup began.
func TestBackupWhileRunning(t *testing.T) {
	h := serve(t)
	r := run(t, "", "device", "add", "-db", h.db, "-kind", "kiosk", "-name", "kiosk-load")
	if r.code != 0 {
		t.Fatalf("device add: %v", r)
	}
	token := strings.TrimSpace(r.stdout)

	const workers, maxTickets = 8, 800 // service A has 999 numbers a day
	var (
		mu      sync.Mutex
		acked   []string // ticket ids, in the order answered
		loadErr error
	)
	progress := make(chan int, 1000)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			client := &http.Client{Timeout: 10 * time.Second}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				body := fmt.Sprintf(`{"service":"A","idempotency_key":"backup-%d-%d"}`, w, i)
				req, _ := http.NewRequest("POST", h.url+"/api/v1/tickets", strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := client.Do(req)
				var tk hallq.Ticket
				if err == nil {
					if resp.StatusCode != http.StatusCreated {
						err = fmt.Errorf("status %d", resp.StatusCode)
					} else {
						err = json.NewDecoder(resp.Body).Decode(&tk)
					}
					resp.Body.Close()
				}
				mu.Lock()
				if err != nil {
					loadErr = fmt.Errorf("issue %s: %w", body, err)
				} else {
					acked = append(acked, tk.ID)
				}
				n := len(acked)
				mu.Unlock()
				if err != nil {
					progress <- -1
					return
				}
				progress <- n
				if n >= maxTickets {
					return
				}
			}
		})
	}
	stopLoad := func() {
		close(stop)
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		if loadErr != nil {
			t.Fatal(loadErr)
		}
	}
	// waitFor waits until the load has had n tickets acknowledged.
	waitFor := func(n int) {
		t.Helper()
		timeout := time.After(20 * time.Second)
		for {
			select {
			case got := <-progress:
				if got < 0 {
					stopLoad()
					t.Fatalf("the load failed before %d tickets", n)
				}
				if got >= n {
					return
				}
			case <-timeout:
				stopLoad()
				t.Fatalf("fewer than %d tickets within 20 s", n)
			}
		}
	}

	waitFor(50)
	mu.Lock()
	before := append([]string(nil), acked...)
	mu.Unlock()
	copyPath := filepath.Join(t.TempDir(), "copy.db")
	r = run(t, "", "backup", "-db", h.db, "-o", copyPath)
	if r.code != 0 {
		stopLoad()
		t.Fatalf("backup: %v", r)
	}
	mu.Lock()
	during := len(acked) - len(before)
	mu.Unlock()
	// The load went on after the backup (up to its last ticket: a fast
	// server may have issued nearly all of them while the backup ran).
	waitFor(min(len(before)+during+20, maxTickets))
	stopLoad()
	t.Logf("%d tickets before the backup, %d while it ran, %d in all", len(before), during, len(acked))
	if !strings.Contains(r.stdout, copyPath) {
		t.Errorf("backup said %q, want it to name the copy", r.stdout)
	}

	checkIntegrity(t, copyPath)
	checkConsistent(t, copyPath, before)

	// An existing file is never overwritten.
	old, err := os.ReadFile(copyPath)
	if err != nil {
		t.Fatal(err)
	}
	r = run(t, "", "backup", "-db", h.db, "-o", copyPath)
	if r.code != 1 || !strings.Contains(r.stderr, copyPath) || !strings.Contains(r.stderr, "already exists") {
		t.Errorf("backup onto an existing file: got %v, want exit 1 saying it already exists", r)
	}
	if now, _ := os.ReadFile(copyPath); !bytes.Equal(now, old) {
		t.Error("backup onto an existing file changed it")
	}
}

func TestBackupOfAMissingDatabase(t *testing.T) {
	dir := t.TempDir()
	db, out := filepath.Join(dir, "none.db"), filepath.Join(dir, "copy.db")
	r := run(t, "", "backup", "-db", db, "-o", out)
	if r.code != 1 || !strings.Contains(r.stderr, db) {
		t.Errorf("got %v, want exit 1 naming %s", r, db)
	}
	for _, p := range []string{db, out} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("backup of a missing database created %s", p)
		}
	}
}

// checkIntegrity runs SQLite's own check on the copy, read-only.
func checkIntegrity(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`PRAGMA integrity_check`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var msgs []string
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, m)
	}
	if len(msgs) != 1 || msgs[0] != "ok" {
		t.Errorf("integrity_check of the copy: %v, want [ok]", msgs)
	}
	// Tickets, events and numbers come from one snapshot.
	var orphans, behind int
	if err := db.QueryRow(`SELECT count(*) FROM tickets t WHERE NOT EXISTS
		(SELECT 1 FROM events e WHERE e.ticket_id = t.id AND e.type = 'ticket.issued')`).Scan(&orphans); err != nil {
		t.Fatal(err)
	}
	if orphans > 0 {
		t.Errorf("the copy has %d tickets without their ticket.issued event", orphans)
	}
	if err := db.QueryRow(`SELECT count(*) FROM numbers n WHERE n.last <
		(SELECT max(number) FROM tickets t WHERE t.day = n.day AND t.service = n.service)`).Scan(&behind); err != nil {
		t.Fatal(err)
	}
	if behind > 0 {
		t.Errorf("the copy has %d services whose last number is behind their tickets", behind)
	}
}

// checkConsistent opens the copy as the hall server would and checks the
// event log and that every ticket acknowledged before the backup is there.
func checkConsistent(t *testing.T, path string, before []string) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatalf("open the copy: %v", err)
	}
	defer db.Close()
	st, err := db.LoadState(ctx)
	if err != nil {
		t.Fatalf("load the copy's state: %v", err)
	}
	loc, err := st.Settings.Location()
	if err != nil {
		t.Fatal(err)
	}
	var seq int64
	issued := 0
	for {
		evs, err := db.Events(ctx, seq, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 {
			break
		}
		for _, ev := range evs {
			if ev.Seq != seq+1 {
				t.Fatalf("the copy's event log: seq %d follows %d", ev.Seq, seq)
			}
			seq = ev.Seq
			if ev.Type != hallq.EventTicketIssued {
				continue
			}
			issued++
			tk, err := db.Ticket(ctx, ev.Ticket.ID, loc)
			if err != nil {
				t.Errorf("event %d issued ticket %s, which the copy lacks: %v", ev.Seq, ev.Ticket.ID, err)
				continue
			}
			if tk.Number != ev.Ticket.Number || tk.Service != ev.Ticket.Service {
				t.Errorf("ticket %s is %s #%d in the copy, %s #%d in its event", tk.ID, tk.Service, tk.Number, ev.Ticket.Service, ev.Ticket.Number)
			}
		}
	}
	if seq != st.LastSeq {
		t.Errorf("the event log ends at %d, the state says %d", seq, st.LastSeq)
	}
	if issued < len(before) {
		t.Errorf("the copy has %d ticket.issued events, but %d tickets were acknowledged before the backup", issued, len(before))
	}
	for _, id := range before {
		if _, err := db.Ticket(ctx, id, loc); err != nil {
			t.Errorf("ticket %s, acknowledged before the backup, is not in the copy: %v", id, err)
		}
	}
}
