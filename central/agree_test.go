package central_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/central"
	"github.com/hallq/hallq/hallclient"
	"github.com/hallq/hallq/server"
	"github.com/hallq/hallq/server/api"
	cityserver "github.com/hallq/hallq/server/city"
	"github.com/hallq/hallq/server/hall"
	"github.com/hallq/hallq/server/queue"
	"github.com/hallq/hallq/server/reports"
)

// TestCentralReportsAgreeWithHalls: two halls work three days and ship to
// the central store; the central server's reports of each hall equal the
// hall's own, figure for figure and ticket for ticket (closed days from
// roll-ups and today live, on both sides), and the reports across halls
// add the halls up. Hall a holds itself to other goals than hall b (a
// satisfaction target of 50 %, the default being 80 %): its figures are
// judged by them on the central store as on the hall, and in the reports
// across halls its own rows (by hall, its counters) too.
func TestCentralReportsAgreeWithHalls(t *testing.T) {
	city := newCity(t)
	ctx := context.Background()
	clk := &clock{t: day1}
	a, b := city.startHall("hall-a", clk), city.startHall("hall-b", clk)
	err := a.do(func(e *queue.Engine, now time.Time) (any, *queue.Change, error) {
		set := e.Settings()
		set.TargetSatisfiedPct = 50
		return res(e.PutSettings(now, set, queue.Actor{User: "admin", Role: hallq.RoleAdmin}))
	})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	brng := rand.New(rand.NewPCG(19, 8)) // the bookings', apart: the days stay as they were
	for d := range 3 {
		clk.Set(day1.AddDate(0, 0, d))
		a.bookings(t, brng)
		b.bookings(t, brng)
		a.drive(rng, 300)
		a.bookings(t, brng)
		b.bookings(t, brng)
		b.drive(rng, 250)
		a.bookings(t, brng)
		b.bookings(t, brng)
	}
	a.waitShipped()
	b.waitShipped()

	hash, err := api.HashPassword("city-manager")
	if err != nil {
		t.Fatal(err)
	}
	if err := city.owner.AddUser(ctx, hallq.User{Username: "tp", Role: hallq.RoleManager}, hash); err != nil {
		t.Fatal(err)
	}
	if err := city.owner.AddUser(ctx, hallq.User{Username: "cb", Role: hallq.RoleOfficer}, hash); err != nil {
		t.Fatal(err)
	}
	// The city server reads with its own role: the reports, their
	// roll-ups and sign-in need no more.
	cs := cityserver.New(city.open(city.cityServer()), quiet())
	cs.Now = clk.Now
	cent := httptest.NewServer(cs.Handler())
	defer cent.Close()
	ha, hb := httptest.NewServer(a.srv.Handler()), httptest.NewServer(b.srv.Handler())
	defer ha.Close()
	defer hb.Close()
	ct := login(t, cent.URL, "tp", "city-manager")
	halls := map[string]struct{ url, token string }{
		"hall-a": {ha.URL, login(t, ha.URL, "quanly", "demo-quanly")},
		"hall-b": {hb.URL, login(t, hb.URL, "quanly", "demo-quanly")},
	}
	first, last := day1.Format(time.DateOnly), day1.AddDate(0, 0, 2).Format(time.DateOnly)
	ranges := [][2]string{{first, last}, {first, first}, {last, last}, {day1.AddDate(0, 0, -3).Format(time.DateOnly), last}}
	for id, h := range halls {
		for _, rg := range ranges {
			for _, by := range []string{"service", "counter", "officer", "day", "hour"} {
				q := url.Values{"from": {rg[0]}, "to": {rg[1]}, "by": {by}}
				var local, central reports.SummaryResponse
				get(t, h.url+"/api/v1/reports/summary?"+q.Encode(), h.token, &local)
				q.Set("hall", id)
				get(t, cent.URL+"/api/v1/reports/summary?"+q.Encode(), ct, &central)
				if testing.Verbose() && by == "service" {
					t.Logf("%s %v: %d issued, %d served, wait median %v", id, rg, local.Total.Issued, local.Total.Served, show(local.Total.WaitMedianS))
				}
				if len(local.Rows) == 0 || local.Total.Issued == 0 {
					t.Fatalf("%s %v by %s: the hall reports nothing", id, rg, by)
				}
				if bk := local.Total.Bookings; rg[0] != rg[1] && (bk == nil || bk.CheckedIn == 0 || bk.Missed == 0 || bk.CancelledByCitizen == 0 ||
					bk.CancelledByStaff == 0 || bk.Imported == 0 || bk.Capacity == 0) {
					t.Fatalf("%s %v by %s: the hall's bookings lack a kind to compare: %+v", id, rg, by, bk)
				}
				if local.Total.Booked == 0 || local.Total.SlotWaitMeanS == nil || local.Total.WalkInWaitMeanS == nil {
					t.Fatalf("%s %v by %s: no booked tickets or no booked and walk-in waits to compare: %+v", id, rg, by, local.Total)
				}
				central.Halls = nil
				same(t, id+" summary "+q.Encode(), local, central)
			}
			q := url.Values{"from": {rg[0]}, "to": {rg[1]}}
			var local, central struct {
				Tickets []reports.TicketLogRow `json:"tickets"`
			}
			get(t, h.url+"/api/v1/reports/tickets?"+q.Encode(), h.token, &local)
			q.Set("hall", id)
			get(t, cent.URL+"/api/v1/reports/tickets?"+q.Encode(), ct, &central)
			for i := range central.Tickets {
				central.Tickets[i].Hall = ""
			}
			same(t, id+" tickets "+q.Encode(), local, central)

			// The files for Excel: the ticket log, its legs and the
			// summary by service and day, the city's with the hall's name
			// first.
			for _, file := range []string{"/api/v1/reports/tickets?format=csv", "/api/v1/reports/tickets?format=csv&legs=1",
				"/api/v1/reports/summary?format=csv&by=service&per_day=1"} {
				q := url.Values{"from": {rg[0]}, "to": {rg[1]}}
				local := getCSV(t, h.url+file+"&"+q.Encode(), h.token)
				q.Set("hall", id)
				central := getCSV(t, cent.URL+file+"&"+q.Encode(), ct)
				if strings.Contains(file, "tickets") {
					for i := range central {
						central[i] = central[i][1:]
					}
				}
				if len(local) < 2 {
					t.Fatalf("%s %s: the hall's file is empty", id, file)
				}
				same(t, id+" "+file+" "+q.Encode(), local, central)
			}
		}
		// The monthly report.
		var local, central reports.MonthlyResponse
		month := "month=" + day1.Format("2006-01")
		get(t, h.url+"/api/v1/reports/monthly?"+month, h.token, &local)
		get(t, cent.URL+"/api/v1/reports/monthly?hall="+id+"&"+month, ct, &central)
		central.Halls = nil
		if local.Total.Issued == 0 {
			t.Fatalf("%s: the monthly report is empty", id)
		}
		same(t, id+" monthly", local, central)
	}

	// Both sides computed the closed days from roll-ups.
	conn := pgConn(t, city.super)
	defer conn.Close(ctx)
	var rolled int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM report_days WHERE hall_id = 'hall-a' AND day BETWEEN $1 AND $2`, first, last).Scan(&rolled); err != nil || rolled != 2 {
		t.Errorf("central roll-ups of hall-a: got %d days (%v), want the 2 closed ones", rolled, err)
	}

	// Across halls: by hall, each row is the hall's own total; by service,
	// the total adds the halls up.
	q := url.Values{"from": {first}, "to": {last}}
	var byHall, byService reports.SummaryResponse
	get(t, cent.URL+"/api/v1/reports/summary?by=hall&"+q.Encode(), ct, &byHall)
	get(t, cent.URL+"/api/v1/reports/summary?by=service&"+q.Encode(), ct, &byService)
	if len(byHall.Rows) != 2 {
		t.Fatalf("by hall: got %d rows, want 2", len(byHall.Rows))
	}
	if byHall.Targets.SatisfiedPct != 80 {
		t.Errorf("by hall, halls with different goals: the answer's satisfaction goal is %d, want the default 80", byHall.Targets.SatisfiedPct)
	}
	issued, made, places := 0, 0, 0
	for _, row := range byHall.Rows {
		h := halls[row.Key]
		var local reports.SummaryResponse
		get(t, h.url+"/api/v1/reports/summary?"+q.Encode(), h.token, &local)
		want := 80
		if row.Key == "hall-a" {
			want = 50
			if s := local.Total.SatisfiedPct; s == nil || *s < 50 || *s >= 80 {
				t.Fatalf("hall-a satisfied %v %%: the test needs it between its own goal (50) and the default (80)", show(s))
			}
		}
		got := byHall.Targets
		if row.Targets != nil {
			got = *row.Targets
		}
		if got.SatisfiedPct != want || local.Targets.SatisfiedPct != want {
			t.Errorf("by hall, %s: held to %d %% satisfied (its own report: %d), want %d", row.Key, got.SatisfiedPct, local.Targets.SatisfiedPct, want)
		}
		row.Key, row.Label, row.Targets, local.Total.Key, local.Total.Label = "", "", nil, "", ""
		same(t, "by hall "+h.url, local.Total, row)
		issued += local.Total.Issued
		made += local.Total.Bookings.Made
		places += local.Total.Bookings.Capacity
	}
	if byService.Total.Issued != issued || byHall.Total.Issued != issued {
		t.Errorf("across halls: issued by service %d, by hall %d; want %d", byService.Total.Issued, byHall.Total.Issued, issued)
	}
	if bk := byService.Total.Bookings; bk == nil || bk.Made != made || bk.Capacity != places {
		t.Errorf("across halls by service: bookings %+v; want %d made and %d places offered, the halls' own added up", bk, made, places)
	}
	var byCounter reports.SummaryResponse
	get(t, cent.URL+"/api/v1/reports/summary?by=counter&"+q.Encode(), ct, &byCounter)
	if k := byCounter.Rows[0].Key; !strings.HasPrefix(k, "hall-a/") || !strings.Contains(byCounter.Rows[0].Label, "·") {
		t.Errorf("counters across halls: got key %q label %q, want them per hall", k, byCounter.Rows[0].Label)
	}
	// Hall a's counters are held to its goals, as on the hall.
	var localCounters reports.SummaryResponse
	get(t, halls["hall-a"].url+"/api/v1/reports/summary?by=counter&"+q.Encode(), halls["hall-a"].token, &localCounters)
	var cityCounters []reports.SummaryRow
	for _, row := range byCounter.Rows {
		if _, k, _ := central.SplitKey(row.Key); strings.HasPrefix(row.Key, "hall-a/") {
			if row.Targets == nil || row.Targets.SatisfiedPct != 50 {
				t.Errorf("counter %s across halls: held to %+v, want hall-a's own goals", row.Key, row.Targets)
			}
			row.Key, row.Label, row.Targets = k, "", nil
			cityCounters = append(cityCounters, row)
		}
	}
	for i := range localCounters.Rows {
		localCounters.Rows[i].Label = ""
	}
	same(t, "hall-a's counters across halls", localCounters.Rows, cityCounters)

	// The dashboard, for managers only; unknown halls are refused.
	page := getPage(t, cent.URL+"/manager?hall=hall-b&by=hall&"+q.Encode(), ct)
	if !strings.Contains(page, `<option value="hall-b" selected>`) || strings.Contains(page, `id="live"`) {
		t.Errorf("central dashboard: want hall-b chosen and no live hall:\n%s", page)
	}
	// By hall, hall a's row names its own goals, and is judged by them.
	page = getPage(t, cent.URL+"/manager?by=hall&"+q.Encode(), ct)
	_, rowA, _ := strings.Cut(page, `<tr data-key="hall-a">`)
	rowA, _, _ = strings.Cut(rowA, "</tr>")
	cell := rowA[:max(strings.Index(rowA, "(≥ 50)"), 0)]
	if cell = cell[max(strings.LastIndex(cell, "<td"), 0):]; !strings.HasPrefix(cell, `<td class="">`) {
		t.Errorf("central dashboard by hall: hall-a's satisfaction not shown as met against its own goal (≥ 50):\n%s", rowA)
	}
	// By hall, the table of bookings has each hall's own counts.
	_, bookings, _ := strings.Cut(page, `<table id="bookings"`)
	bookings, _, _ = strings.Cut(bookings, "</table>")
	for _, row := range byHall.Rows {
		_, tr, _ := strings.Cut(bookings, `<tr data-key="`+row.Key+`">`)
		if want := fmt.Sprintf(`<td class="bk-made">%d</td>`, row.Bookings.Made); !strings.Contains(tr[:max(strings.Index(tr, "</tr>"), 0)], want) {
			t.Errorf("central dashboard by hall: %s's bookings row lacks %s:\n%s", row.Key, want, bookings)
		}
	}
	if code := status(t, cent.URL+"/api/v1/reports/summary?hall=nowhere", ct); code != http.StatusBadRequest {
		t.Errorf("unknown hall: got %d, want 400", code)
	}
	if code := status(t, cent.URL+"/api/v1/reports/summary", login(t, cent.URL, "cb", "city-manager")); code != http.StatusForbidden {
		t.Errorf("officer on the central reports: got %d, want 403", code)
	}
	if code := status(t, cent.URL+"/api/v1/reports/summary", ""); code != http.StatusUnauthorized {
		t.Errorf("anonymous on the central reports: got %d, want 401", code)
	}

	// The hall shows its shipping on /metrics and to its admin.
	var st server.CentralStatus
	get(t, ha.URL+"/api/v1/central/status", login(t, ha.URL, "admin", "demo-admin"), &st)
	if !st.Configured || st.Acked == nil || *st.Acked != a.head() || *st.Pending != 0 {
		t.Errorf("central status: got %+v", st)
	}
	metrics := getPage(t, ha.URL+"/metrics", "")
	for _, m := range []string{"hallq_central_connected 1", "hallq_central_pending_events 0", "hallq_central_lag_seconds 0"} {
		if !strings.Contains(metrics, m+"\n") {
			t.Errorf("/metrics lacks %q", m)
		}
	}
}

// bookings plays a hall's bookings at this moment of its day: four of
// A or C, three in the slot about to start (its check-in open) and one a
// few hours later, one in five of them imported; of them, a fifth
// cancelled by the citizen, a fifth by staff, and two in five checked in
// if their window is open; then the chores that mark the bookings whose
// window closed as missed and record the day's offer.
func (h *testHall) bookings(t *testing.T, rng *rand.Rand) {
	t.Helper()
	next := h.clock.Now().Truncate(15 * time.Minute).Add(15 * time.Minute)
	for i := range 4 {
		start := next
		if i == 3 {
			start = next.Add(time.Duration(2+rng.IntN(4)) * time.Hour)
		}
		code := make([]byte, hallq.BookingCodeLen)
		for j := range code {
			code[j] = hallq.BookingCodeAlphabet[rng.IntN(len(hallq.BookingCodeAlphabet))]
		}
		req := queue.BookRequest{Service: []string{"A", "C"}[rng.IntN(2)], Start: start, Name: "Công dân", Phone: "0905123456",
			Code: string(code), Secret: "s"}
		imported := rng.IntN(5) == 0
		err := h.do(func(e *queue.Engine, now time.Time) (any, *queue.Change, error) {
			if imported {
				req.ExternalID, req.Source = "DVC-"+req.Code, "portal-tinh"
				a, ch, err := e.ImportBookings(now, []queue.BookRequest{req}, queue.Actor{Device: "portal-tinh"})
				return a, ch, err
			}
			return res(e.Book(now, req, queue.Actor{}))
		})
		if err != nil {
			continue // the slot is full
		}
		var fn func(e *queue.Engine, now time.Time) (any, *queue.Change, error)
		switch r := rng.IntN(10); {
		case r < 2:
			fn = func(e *queue.Engine, now time.Time) (any, *queue.Change, error) {
				return res(e.CancelBooking(now, req.Code, "s", queue.Actor{}))
			}
		case r < 4:
			fn = func(e *queue.Engine, now time.Time) (any, *queue.Change, error) {
				return res(e.CancelBooking(now, req.Code, "", queue.Actor{User: "quanly", Role: hallq.RoleManager}))
			}
		case r < 8:
			id, secret := hall.NewTicketID()
			fn = func(e *queue.Engine, now time.Time) (any, *queue.Change, error) {
				t, _, ch, err := e.CheckIn(now, queue.CheckInRequest{Code: req.Code, Device: "kiosk-1", ID: id, Secret: secret})
				return t, ch, err
			}
		}
		if fn != nil {
			h.do(fn) // too early: it waits, and may be missed
		}
	}
	for _, chore := range []func(*queue.Engine, time.Time) *queue.Change{(*queue.Engine).ExpireBookings, (*queue.Engine).OfferBookings} {
		if err := h.do(func(e *queue.Engine, now time.Time) (any, *queue.Change, error) { return nil, chore(e, now), nil }); err != nil {
			t.Fatal(err)
		}
	}
}

func same(t *testing.T, what string, want, got any) {
	t.Helper()
	w, _ := json.Marshal(want)
	g, _ := json.Marshal(got)
	if !bytes.Equal(w, g) {
		t.Errorf("%s: central differs from the hall:\n hall    %s\n central %s", what, w, g)
	}
}

// client is the hall API's client for the server whose URL u is (a hall's
// or the city's: they speak the same API), and u's path and query.
func client(t *testing.T, u string) (*hallclient.Client, string) {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	return hallclient.New(p.Scheme+"://"+p.Host, time.Minute), p.RequestURI()
}

func login(t *testing.T, base, user, pw string) string {
	t.Helper()
	c, _ := client(t, base)
	s, err := c.Login(t.Context(), user, pw)
	if err != nil {
		t.Fatalf("at %s: %v", base, err)
	}
	return s.Token
}

func get(t *testing.T, u, token string, out any) {
	t.Helper()
	c, path := client(t, u)
	if _, err := c.Do(t.Context(), http.MethodGet, path, token, nil, out); err != nil {
		t.Fatal(err)
	}
}

// getCSV reads a CSV file of the reports.
func getCSV(t *testing.T, u, token string) [][]string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(getPage(t, u, token), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	return rows
}

func getPage(t *testing.T, u, token string) string {
	t.Helper()
	c, path := client(t, u)
	a, err := c.Raw(t.Context(), http.MethodGet, path, token, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", u, a.Status, a.Body)
	}
	return string(a.Body)
}

func status(t *testing.T, u, token string) int {
	t.Helper()
	c, path := client(t, u)
	a, err := c.Raw(t.Context(), http.MethodGet, path, token, nil)
	if err != nil {
		t.Fatal(err)
	}
	return a.Status
}

func show(v *float64) any {
	if v == nil {
		return nil
	}
	return *v
}
