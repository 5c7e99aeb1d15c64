package central_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/central"
	"github.com/hallq/hallq/central/pgtest"
	"github.com/hallq/hallq/report"
	"github.com/hallq/hallq/server/config"
	"github.com/hallq/hallq/server/hall"
	"github.com/hallq/hallq/server/queue"
)

// The benchmark city: 30 halls × one month (1,000 tickets a day each,
// 900,000 tickets) and one busy hall × one year (2,740 a day, 1,000,000
// tickets, as server/sqlite's report benchmarks), generated straight into
// the central store's tickets table. Built once per process (about a
// minute on a laptop).
const (
	cityHalls     = 30
	cityDays      = 30
	cityPerDay    = 1000
	yearDays      = 365
	yearPerDay    = 2740
	benchFirstDay = "2026-01-01"
)

var (
	cityOnce sync.Once
	cityDSN  string
	cityErr  error
)

func benchCity(b *testing.B) *central.DB {
	b.Helper()
	c := pgtest.Shared(b)
	ctx := context.Background()
	cityOnce.Do(func() {
		start := time.Now()
		name, err := c.CreateDB(ctx, "bench_city")
		if err != nil {
			cityErr = err
			return
		}
		cityDSN = c.DSN(name, "")
		if _, cityErr = central.Migrate(ctx, cityDSN); cityErr != nil {
			return
		}
		for i := range cityHalls {
			if cityErr = generate(ctx, fmt.Sprintf("ward-%02d", i+1), cityDays, cityPerDay, uint64(i)); cityErr != nil {
				return
			}
		}
		if cityErr = generate(ctx, "year-hall", yearDays, yearPerDay, 99); cityErr != nil {
			return
		}
		b.Logf("generated %d tickets in %v", cityHalls*cityDays*cityPerDay+yearDays*yearPerDay, time.Since(start).Round(time.Second))
	})
	if cityErr != nil {
		b.Fatal(cityErr)
	}
	db, err := central.Open(ctx, cityDSN, central.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(db.Close)
	return db
}

// generate writes a hall's profile (the demo's) and days × perDay tickets
// with realistic waits, services, no-shows, cancellations, transfers and
// ratings, and marks its log as reaching the day after.
func generate(ctx context.Context, hall string, days, perDay int, seed uint64) error {
	demo := config.Demo()
	var counters []central.CounterName
	for _, ct := range demo.Counters {
		counters = append(counters, central.CounterName{ID: ct.ID, Name: ct.Name})
	}
	set, _ := json.Marshal(demo.Settings)
	svc, _ := json.Marshal(demo.Services)
	ctr, _ := json.Marshal(counters)
	conn, err := pgx.Connect(ctx, cityDSN)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `INSERT INTO halls (hall_id, name, settings, services, counters) VALUES ($1, $2, $3, $4, $5)`,
		hall, demo.Settings.Name, string(set), string(svc), string(ctr)); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	first, _ := time.ParseInLocation(time.DateOnly, benchFirstDay, hcm)
	d, n := 0, 0
	next := func() ([]any, error) {
		if n == perDay {
			d, n = d+1, 0
		}
		if d == days {
			return nil, nil
		}
		defer func() { n++ }()
		day := first.AddDate(0, 0, d)
		open := day.Add(7*time.Hour + 30*time.Minute)
		svc := string(rune('A' + rng.IntN(5)))
		issued := open.Add(time.Duration(rng.Int64N(int64(9 * time.Hour))))
		wait := time.Duration(rng.ExpFloat64() * float64(12*time.Minute))
		serve := time.Duration(rng.ExpFloat64()*float64(6*time.Minute)) + 30*time.Second
		counter := rng.IntN(6) + 1
		state, reason, to := hallq.StateDone, "", ""
		called, started, finished := ms(issued.Add(wait)), ms(issued.Add(wait+20*time.Second)), ms(issued.Add(wait+20*time.Second+serve))
		rating := 0
		switch r := rng.IntN(100); {
		case r < 6:
			state, started, finished = hallq.StateNoShow, nil, called
		case r < 10:
			state, reason, called, started, counter = hallq.StateCancelled, "left", nil, nil, 0
		case r < 12:
			state, to, started = hallq.StateTransferred, "B", nil
		default:
			if rng.IntN(10) < 6 {
				rating = 1 + rng.IntN(3)
			}
		}
		officer := ""
		if counter != 0 {
			officer = fmt.Sprintf("canbo%d", counter)
		}
		return []any{hall, fmt.Sprintf("%s-%d-%d", hall, d, n), int64(0), day.Format(time.DateOnly), svc, 1000 + n, fmt.Sprintf("%s%03d", svc, n),
			"", string(state), issued.UnixMilli(), called, started, finished, counter, officer, 0, false, reason, false, to, "",
			rating, int(wait.Seconds()) + rng.IntN(300) - 150, rng.IntN(20), "kiosk-1"}, nil
	}
	var row []any
	rows := pgx.CopyFromFunc(func() ([]any, error) {
		var err error
		row, err = next()
		return row, err
	})
	_, err = conn.CopyFrom(ctx, pgx.Identifier{"tickets"}, []string{"hall_id", "id", "seq", "day", "service", "number", "label",
		"priority", "state", "issued_at", "called_at", "started_at", "finished_at", "counter", "officer", "recalls", "out_of_order",
		"reason", "flagged", "transferred_to", "transferred_from", "rating", "issue_estimate_s", "issue_ahead", "device"}, rows)
	if err != nil {
		return err
	}
	_, err = conn.Exec(ctx, `UPDATE halls SET last_seq = 1, last_event_at = $2 WHERE hall_id = $1; ANALYZE tickets`,
		hall, first.AddDate(0, 0, days).Add(8*time.Hour).UnixMilli())
	if err != nil {
		// A multi-statement Exec with arguments is refused: do it in two.
		if _, err = conn.Exec(ctx, `UPDATE halls SET last_seq = 1, last_event_at = $2 WHERE hall_id = $1`,
			hall, first.AddDate(0, 0, days).Add(8*time.Hour).UnixMilli()); err != nil {
			return err
		}
		_, err = conn.Exec(ctx, `ANALYZE tickets`)
	}
	return err
}

func ms(t time.Time) *int64 {
	v := t.UnixMilli()
	return &v
}

// BenchmarkCentralSummary times the central reports: across the 30 halls
// over their month by hall and by service, and the one hall over its year
// by service; "cold" drops the roll-ups first, so each query rolls every
// day up again (the first query after shipping), "warm" reads them.
func BenchmarkCentralSummary(b *testing.B) {
	db := benchCity(b)
	ctx := context.Background()
	halls, err := db.Halls(ctx)
	if err != nil {
		b.Fatal(err)
	}
	i := slices.IndexFunc(halls, func(h central.HallRecord) bool { return h.ID == "year-hall" })
	year, wards := halls[i:i+1], slices.Delete(slices.Clone(halls), i, i+1)
	first, _ := time.ParseInLocation(time.DateOnly, benchFirstDay, hcm)
	monthTo := first.AddDate(0, 0, cityDays-1).Format(time.DateOnly)
	yearTo := first.AddDate(0, 0, yearDays-1).Format(time.DateOnly)
	now := first.AddDate(1, 0, 2)
	cases := []struct {
		name  string
		halls []central.HallRecord
		to    string
		by    report.Dim
	}{
		{"30halls-month/by-hall", wards, monthTo, central.ByHall},
		{"30halls-month/by-service", wards, monthTo, report.ByService},
		{"1hall-year/by-service", year, yearTo, report.ByService},
		{"1hall-year/by-day", year, yearTo, report.ByDay},
	}
	for _, c := range cases {
		q := report.Query{From: benchFirstDay, To: c.to, By: c.by, Now: now}
		for _, mode := range []string{"cold", "warm"} {
			b.Run(c.name+"/"+mode, func(b *testing.B) {
				conn, err := pgx.Connect(ctx, cityDSN)
				if err != nil {
					b.Fatal(err)
				}
				defer conn.Close(ctx)
				ids := make([]string, len(c.halls))
				for i, h := range c.halls {
					ids[i] = h.ID
				}
				drop := func() {
					if _, err := conn.Exec(ctx, `DELETE FROM report_groups WHERE hall_id = ANY($1)`, ids); err != nil {
						b.Fatal(err)
					}
					if _, err := conn.Exec(ctx, `DELETE FROM report_days WHERE hall_id = ANY($1)`, ids); err != nil {
						b.Fatal(err)
					}
				}
				if mode == "warm" {
					if _, err := db.Summarize(ctx, c.halls, q); err != nil {
						b.Fatal(err)
					}
				}
				b.ResetTimer()
				for b.Loop() {
					if mode == "cold" {
						b.StopTimer()
						drop()
						b.StartTimer()
					}
					res, err := db.Summarize(ctx, c.halls, q)
					if err != nil {
						b.Fatal(err)
					}
					if res.Total.Issued == 0 {
						b.Fatal("no tickets")
					}
				}
			})
		}
	}
}

// BenchmarkReplicationLag runs a hall at a steady load of issues, calls
// and finishes with a shipper to the central store, and reports how long
// each event took from its commit in the hall to the store's
// acknowledgement: p50, p99 and max, in milliseconds, at 1, 20 and 100
// tickets a second (each issued, called and finished: about three events
// a ticket). The busiest hall's peak hour is about 0.2 tickets a second.
func BenchmarkReplicationLag(b *testing.B) {
	city := newCity(b)
	for _, rate := range []int{1, 20, 100} {
		b.Run(fmt.Sprintf("tickets-per-s=%d", rate), func(b *testing.B) {
			var lags []time.Duration
			for b.Loop() {
				lags = append(lags, lagRun(b, city, rate, 5*time.Second)...)
			}
			slices.Sort(lags)
			pct := func(p float64) float64 {
				return float64(lags[min(len(lags)-1, int(p*float64(len(lags))))].Microseconds()) / 1000
			}
			b.ReportMetric(pct(0.5), "p50-ms")
			b.ReportMetric(pct(0.99), "p99-ms")
			b.ReportMetric(pct(1), "max-ms")
			b.ReportMetric(float64(len(lags))/b.Elapsed().Seconds(), "events/s")
		})
	}
}

func lagRun(b *testing.B, city *testCity, rate int, d time.Duration) []time.Duration {
	clk := &clock{t: time.Now().In(hcm)}
	h := newHall(b, fmt.Sprintf("lag-%d-%d", rate, time.Now().UnixNano()%1e9), clk)
	dsn := city.addHall(h.id, "")
	var mu sync.Mutex
	committed := map[int64]time.Time{}
	var lags []time.Duration
	acked := int64(0)
	h.beforeRun = func() {
		h.shipper.Poll, h.shipper.Batch = time.Second, 1000
		ship := h.hl.OnCommit
		h.hl.OnCommit = func(evs []hallq.Event) {
			now := time.Now()
			mu.Lock()
			for _, ev := range evs {
				committed[ev.Seq] = now
			}
			mu.Unlock()
			ship(evs)
		}
		h.shipper.OnAck = func(seq int64) {
			now := time.Now()
			mu.Lock()
			for s := acked + 1; s <= seq; s++ {
				if t, ok := committed[s]; ok {
					lags = append(lags, now.Sub(t))
					delete(committed, s)
				}
			}
			acked = seq
			mu.Unlock()
		}
	}
	h.start(dsn)
	tick := time.NewTicker(time.Second / time.Duration(rate))
	end := time.After(d)
	n := 0
loop:
	for {
		select {
		case <-end:
			break loop
		case <-tick.C:
		}
		clk.Set(time.Now().In(hcm))
		n++
		c := n%6 + 1
		by := queue.Actor{User: fmt.Sprintf("canbo%d", c), Role: hallq.RoleOfficer}
		id, secret := hall.NewTicketID()
		h.do(func(e *queue.Engine, now time.Time) (any, *queue.Change, error) {
			return res(e.Issue(now, queue.IssueRequest{Service: "A", ID: id, Secret: secret}))
		})
		h.do(func(e *queue.Engine, now time.Time) (any, *queue.Change, error) { return res(e.Open(now, c, by)) })
		h.do(func(e *queue.Engine, now time.Time) (any, *queue.Change, error) { return res(e.Finish(now, c, by)) })
		h.do(func(e *queue.Engine, now time.Time) (any, *queue.Change, error) { return res(e.Next(now, c, by)) })
	}
	tick.Stop()
	h.waitShipped()
	h.stop()
	mu.Lock()
	defer mu.Unlock()
	return lags
}
