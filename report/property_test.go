package report_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/report"
	"github.com/hallq/hallq/server/queue"
	"github.com/hallq/hallq/simday"
)

// TestReportsEqualTheLog plays random simulated days (package simday) on
// the queue engine and the SQLite store — with officers who press start,
// requeue no-shows, kiosks that cancel, pads pressed at any moment, a
// target changed during the day, a closing that finds tickets waiting,
// called and in service, and an evening whose tickets cross midnight —
// and checks every figure of every grouping against a computation of its
// own, straight from the hall's event log (oracle, below), which uses
// nothing of package report.
func TestReportsEqualTheLog(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			h := newTestHall(t, day1, func(s *hallq.Settings) { s.ClosingTime = "16:00" })
			sim := &simHall{testHall: h, rng: rand.New(rand.NewPCG(seed, 7)), called: map[int]string{}, requeued: map[string]bool{}}
			days := []simday.Profile{dayProfile(seed, "07:30", "15:50"), dayProfile(seed+10, "07:30", "15:55"), dayProfile(seed+20, "20:00", "23:55")}
			for i, p := range days {
				date := day1.AddDate(0, 0, i)
				if i == 2 { // an evening without closing: midnight ends it
					set := h.e.Settings()
					set.ClosingTime = ""
					_, ch, err := h.e.PutSettings(h.now, set, admin)
					if err != nil {
						t.Fatal(err)
					}
					sim.keep(ch)
				}
				sim.plan(date, p)
				until := time.Date(date.Year(), date.Month(), date.Day(), 16, 1, 0, 0, hcm)
				if i == 2 {
					until = time.Date(date.Year(), date.Month(), date.Day(), 23, 59, 59, 0, hcm)
				}
				d := &simday.Day{Hall: sim, Profile: &p, Date: simday.LocalMidnight(date, hcm),
					Counters: []simday.Counter{{ID: 1, Services: []string{"A", "B"}}, {ID: 2, Services: []string{"B", "A"}}}, Until: until}
				if _, err := d.Run(t.Context()); err != nil {
					t.Fatal(err)
				}
			}
			sim.Advance(t.Context(), day1.AddDate(0, 0, len(days)+1)) // every day closed
			sim.flush()

			o := newOracle(t, h)
			if o.called == 0 || o.requeued == 0 || o.transfers == 0 || o.started == 0 || o.unattached == 0 || o.targetChanges == 0 ||
				o.closed[report.ClosedWaiting] == 0 || o.closed[report.ClosedCalled]+o.closed[report.ClosedServing] == 0 {
				t.Fatalf("the simulated days lack a case: %+v", o.summary())
			}
			t.Logf("log: %+v", o.summary())
			first, last := day1.Format(time.DateOnly), day1.AddDate(0, 0, len(days)-1).Format(time.DateOnly)
			for _, rg := range [][2]string{{first, last}, {first, first}, {last, last}} {
				for _, by := range report.Dims {
					for _, perDay := range []bool{false, true} {
						if perDay && by == report.ByDay {
							continue
						}
						want := o.figures(rg[0], rg[1], by, perDay)
						for _, today := range []string{rg[0], ""} { // live, then rolled up
							q := h.query(rg[0], rg[1], by, today)
							q.PerDay = perDay
							got := h.figures(q)
							what := fmt.Sprintf("%s–%s by %s (per day %v, today %q)", rg[0], rg[1], by, perDay, today)
							compareFigs(t, what, got, want)
						}
					}
				}
			}
		})
	}
}

func dayProfile(seed uint64, from, to string) simday.Profile {
	return simday.Profile{
		Arrivals: 160, First: simday.Clock(from), Last: simday.Clock(to), MorningShare: 0.6, Noon: simday.Clock("12:00"),
		Services:    []simday.Share{{Service: "A", Share: 0.6}, {Service: "B", Share: 0.4}},
		ServiceMean: 5 * time.Minute, ServiceSD: 3 * time.Minute,
		NoShowShare: 0.15, TransferShare: 0.1, RateShare: 0.7, Ratings: []float64{0.6, 0.3, 0.1},
		CountersOpen: simday.Clock(from) - 10, Seed: seed,
	}
}

func compareFigs(t *testing.T, what string, got, want map[string]map[string]any) {
	t.Helper()
	if g, w := slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)); !slices.Equal(g, w) {
		t.Errorf("%s: groups %q, want %q", what, g, w)
		return
	}
	for key, w := range want {
		for field, wv := range w {
			if gv := got[key][field]; fmt.Sprint(gv) != fmt.Sprint(wv) {
				t.Errorf("%s: %s %s: got %v, want %v", what, key, field, gv, wv)
			}
		}
	}
}

// simHall is the test hall as simday drives it, with the officers,
// kiosks and pads doing more than simday's: start, requeue, cancel,
// presses at random moments and a change of target.
type simHall struct {
	*testHall
	rng      *rand.Rand
	pending  []*queue.Change
	due      []deferred
	called   map[int]string  // counter → the ticket it called last
	requeued map[string]bool // tickets requeued
}

type deferred struct {
	at time.Time
	fn func()
}

func (s *simHall) keep(ch *queue.Change) {
	if ch != nil {
		s.pending = append(s.pending, ch)
		if len(s.pending) >= 500 {
			s.flush()
		}
	}
}

func (s *simHall) flush() {
	if len(s.pending) == 0 {
		return
	}
	if err := s.db.Apply(context.Background(), s.pending); err != nil {
		s.t.Fatal(err)
	}
	s.pending = s.pending[:0]
}

func (s *simHall) later(at time.Time, fn func()) {
	s.due = append(s.due, deferred{at, fn})
	slices.SortStableFunc(s.due, func(a, b deferred) int { return a.at.Compare(b.at) })
}

// plan schedules the day's random doings besides simday's.
func (s *simHall) plan(date time.Time, p simday.Profile) {
	minute := func(m int) time.Time { return simday.LocalMidnight(date, hcm).Add(time.Duration(m) * time.Minute) }
	span := p.Last - p.First + 30
	for range 25 { // pads pressed at any moment: called, serving, done, nobody
		c, score := 1+s.rng.IntN(2), 1+s.rng.IntN(3)
		s.later(minute(p.First+s.rng.IntN(span)), func() {
			s.pad[c]++
			_, ch, err := s.e.Rate(s.now, queue.RateRequest{Counter: c, Score: score, Device: fmt.Sprintf("pad%d", c), DeviceSeq: s.pad[c]})
			if err == nil {
				s.keep(ch)
			}
		})
	}
	for range 4 { // a kiosk's print fails: its newest waiting ticket is cancelled
		s.later(minute(p.First+s.rng.IntN(span)), func() {
			if w := s.e.Waiting(s.now, nil); len(w) > 0 {
				_, ch, err := s.e.Cancel(s.now, w[len(w)-1].ID, "print_failed", queue.Actor{Device: "kiosk-1"})
				if err == nil {
					s.keep(ch)
				}
			}
		})
	}
	svc, mins := []string{"A", "B"}[s.rng.IntN(2)], []int{3, 5, 10, 20}[s.rng.IntN(4)]
	s.later(minute(p.First+s.rng.IntN(span)), func() {
		for _, sv := range s.e.Services() {
			if sv.Code == svc {
				sv.TargetWaitMin = mins
				_, ch, err := s.e.PutService(s.now, sv, admin)
				if err != nil {
					s.t.Fatal(err)
				}
				s.keep(ch)
			}
		}
	})
}

func (s *simHall) tick() { s.keep(s.e.Tick(s.now)) }

func (s *simHall) Advance(_ context.Context, t time.Time) error {
	for len(s.due) > 0 && !s.due[0].at.After(t) {
		d := s.due[0]
		s.due = s.due[1:]
		if d.at.After(s.now) {
			s.now = d.at
		}
		s.tick()
		d.fn()
	}
	// Times a little past the second, as a real clock gives them.
	if t = t.Add(time.Duration(s.rng.IntN(1000)) * time.Millisecond); t.After(s.now) {
		s.now = t
	}
	s.tick()
	return nil
}

func (s *simHall) Open(_ context.Context, c int) error {
	_, ch, err := s.e.Open(s.now, c, officer(c))
	s.keep(ch)
	return err
}

func (s *simHall) Close(_ context.Context, c int) error {
	_, ch, err := s.e.Close(s.now, c, officer(c))
	s.keep(ch)
	return err
}

func (s *simHall) Issue(_ context.Context, v *simday.Visitor) (string, error) {
	s.ids++
	t, ch, err := s.e.Issue(s.now, queue.IssueRequest{Service: v.Service, Priority: v.Priority, ID: fmt.Sprintf("t%05d", s.ids), Secret: "s"})
	if err != nil {
		return "", err
	}
	s.keep(ch)
	return t.ID, nil
}

func (s *simHall) Next(_ context.Context, c int) (string, error) {
	t, ch, err := s.e.Next(s.now, c, officer(c))
	if err != nil || t == nil {
		return "", err
	}
	s.keep(ch)
	s.called[c] = t.ID
	if s.rng.IntN(10) < 3 { // the officer presses start a little later
		s.later(s.now.Add(time.Duration(5+s.rng.IntN(60))*time.Second), func() {
			if _, ch, err := s.e.Start(s.now, c, officer(c)); err == nil {
				s.keep(ch)
			}
		})
	}
	return t.ID, nil
}

func (s *simHall) act(fn func(time.Time, int, queue.Actor) (*hallq.Ticket, *queue.Change, error), c int) error {
	_, ch, err := fn(s.now, c, officer(c))
	s.keep(ch)
	return err
}

func (s *simHall) Recall(_ context.Context, c int) error { return s.act(s.e.Recall, c) }
func (s *simHall) Finish(_ context.Context, c int) error { return s.act(s.e.Finish, c) }

// NoShow marks a no-show, and half of them are requeued a little later;
// a ticket the officer has started is served instead, and so is half of
// the requeued ones (the citizen came back).
func (s *simHall) NoShow(_ context.Context, c int) error {
	id := s.called[c]
	if s.requeued[id] && s.rng.IntN(2) == 0 {
		return s.act(s.e.Finish, c)
	}
	_, ch, err := s.e.NoShow(s.now, c, officer(c))
	if err != nil {
		return s.act(s.e.Finish, c)
	}
	s.keep(ch)
	if s.rng.IntN(2) == 0 {
		s.later(s.now.Add(time.Duration(1+s.rng.IntN(15))*time.Minute), func() {
			if _, ch, err := s.e.Requeue(s.now, id, officer(c)); err == nil {
				s.keep(ch)
				s.requeued[id] = true
			}
		})
	}
	return nil
}

func (s *simHall) Transfer(_ context.Context, c int, service string) (string, error) {
	t, ch, err := s.e.Transfer(s.now, c, service, officer(c))
	if err != nil {
		return "", err
	}
	s.keep(ch)
	return t.ID, nil
}

func (s *simHall) Rate(_ context.Context, c, score int) error {
	s.pad[c]++
	_, ch, err := s.e.Rate(s.now, queue.RateRequest{Counter: c, Score: score, Device: fmt.Sprintf("pad%d", c), DeviceSeq: s.pad[c]})
	s.keep(ch)
	return err
}

// oracle computes the report's figures straight from the hall's event
// log, by the definitions of docs/REPORTS.md, without package report.
type oracle struct {
	loc     *time.Location
	legs    map[string]*leg
	order   []string
	presses []press // presses no ticket took
	targets []targetsAt

	called, requeued, transfers, started, unattached, targetChanges int
	closed                                                          map[report.Outcome]int
}

type targetsAt struct {
	at        int64
	t, before hallq.Targets
}

type press struct {
	at      int64
	counter int
	score   int
}

// leg is one ticket row as the log tells it.
type leg struct {
	id, service, day, from string
	issued, joined         int64
	waited                 int64 // every wait before a call
	calls                  int
	firstCall, lastCall    int64
	started, finished      int64
	counter                int
	officer                string
	outcome                report.Outcome
	rating, estimate       int
	target                 int // seconds
}

func newOracle(t *testing.T, h *testHall) *oracle {
	t.Helper()
	o := &oracle{loc: hcm, legs: map[string]*leg{}, closed: map[report.Outcome]int{}}
	var since int64
	for {
		evs, err := h.db.Events(t.Context(), since, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 {
			break
		}
		for i := range evs {
			o.apply(t, &evs[i])
		}
		since = evs[len(evs)-1].Seq
	}
	return o
}

// targetsAt are the hall's targets at ms: those of the last change before,
// or before any change those it replaced, or without changes the hall's
// as seeded.
func (o *oracle) targetsAt(ms int64) hallq.Targets {
	set := hallq.DefaultSettings()
	v := set.Targets(testServices())
	for i, t := range o.targets {
		if i == 0 {
			v = t.before
		}
		if t.at <= ms {
			v = t.t
		}
	}
	return v
}

// targetAt is a service's target wait at ms, in seconds.
func (o *oracle) targetAt(service string, ms int64) int { return o.targetsAt(ms).WaitMin[service] * 60 }

func (o *oracle) apply(t *testing.T, ev *hallq.Event) {
	at := ev.At.UnixMilli()
	var l *leg
	if ev.Ticket != nil {
		l = o.legs[ev.Ticket.ID]
	}
	closed := ev.Reason == "day_closed"
	switch ev.Type {
	case hallq.EventHallTargets:
		o.targetChanges++
		o.targets = append(o.targets, targetsAt{at, *ev.Targets, *ev.PreviousTargets})
	case hallq.EventTicketIssued:
		tk := ev.Ticket
		l = &leg{id: tk.ID, service: tk.Service, day: tk.Day, issued: at, joined: at, estimate: tk.IssueEstimateS,
			target: o.targetAt(tk.Service, at), outcome: report.InQueue}
		o.legs[tk.ID] = l
		o.order = append(o.order, tk.ID)
	case hallq.EventTicketCalled:
		l.waited += at - l.joined
		if l.firstCall == 0 {
			l.firstCall = at
		}
		l.lastCall, l.counter, l.officer, l.outcome = at, ev.Counter, ev.Officer, report.AtCounter
		l.calls++
		o.called++
	case hallq.EventTicketStarted:
		l.started = at
		o.started++
	case hallq.EventTicketFinished:
		l.finished, l.outcome = at, report.Served
		if closed {
			l.outcome = report.ClosedServing
		}
	case hallq.EventTicketNoShow:
		l.finished, l.outcome = at, report.NoShow
		if closed {
			l.outcome = report.ClosedCalled
		}
	case hallq.EventTicketCancelled:
		l.finished, l.outcome = at, report.Cancelled
		if closed {
			l.outcome = report.ClosedWaiting
		}
	case hallq.EventTicketRequeued:
		l.joined, l.finished, l.counter, l.officer, l.outcome = at, 0, 0, "", report.InQueue
		o.requeued++
	case hallq.EventTicketTransferred:
		l.finished, l.outcome = at, report.Transferred
		nt := ev.NewTicket
		o.legs[nt.ID] = &leg{id: nt.ID, service: nt.Service, day: nt.Day, from: l.id, issued: l.issued, joined: at,
			target: o.targetAt(nt.Service, at), outcome: report.InQueue}
		o.order = append(o.order, nt.ID)
		o.transfers++
	case hallq.EventRatingRecorded:
		r := ev.Rating
		if r.TicketID != "" {
			o.legs[r.TicketID].rating = r.Score
		} else {
			o.presses = append(o.presses, press{at, r.Counter, r.Score})
			o.unattached++
		}
	}
	if closed && l != nil {
		o.closed[l.outcome]++
	}
}

func (o *oracle) summary() map[string]int {
	return map[string]int{"tickets": len(o.legs), "called": o.called, "requeued": o.requeued, "transfers": o.transfers,
		"started": o.started, "unattached presses": o.unattached, "target changes": o.targetChanges,
		"closed waiting": o.closed[report.ClosedWaiting], "closed called": o.closed[report.ClosedCalled],
		"closed serving": o.closed[report.ClosedServing]}
}

func secs(ms int64) int { return int((ms + 500) / 1000) }

// group is what the oracle gathers of one group.
type group struct {
	issued, calls, served, noShows, cancelled, transferred int
	closedW, closedC, closedS                              int
	waits, svc, scores                                     []int
	within, over, unattached, rated                        int
	estN                                                   int
	estSum, estAbs                                         int
}

func (o *oracle) figures(from, to string, by report.Dim, perDay bool) map[string]map[string]any {
	groups := map[string]*group{}
	get := func(day, key string) *group {
		if perDay {
			key = day + "/" + key
		}
		g := groups[key]
		if g == nil {
			g = &group{}
			groups[key] = g
		}
		return g
	}
	total := &group{}
	hour := func(ms int64) string { return fmt.Sprintf("%02d", time.UnixMilli(ms).In(o.loc).Hour()) }
	for _, id := range o.order {
		l := o.legs[id]
		if l.day < from || l.day > to {
			continue
		}
		key := map[report.Dim]string{report.ByService: l.service, report.ByCounter: strconv.Itoa(l.counter),
			report.ByOfficer: l.officer, report.ByDay: l.day, report.ByHour: hour(l.issued)}[by]
		for _, g := range []*group{get(l.day, key), total} {
			switch l.outcome {
			case report.Served:
				g.served++
				from := l.lastCall
				if l.started != 0 {
					from = l.started
				}
				g.svc = append(g.svc, secs(l.finished-from))
				if l.rating != 0 {
					g.rated++
				}
			case report.NoShow:
				g.noShows++
			case report.Cancelled:
				g.cancelled++
			case report.Transferred:
				g.transferred++
			case report.ClosedWaiting:
				g.closedW++
			case report.ClosedCalled:
				g.closedC++
			case report.ClosedServing:
				g.closedS++
			}
			if l.rating != 0 {
				g.scores = append(g.scores, l.rating)
			}
			if l.calls > 0 {
				g.calls++
			}
			if l.from == "" {
				g.issued++
				if l.firstCall != 0 {
					d := secs(l.firstCall-l.issued) - l.estimate
					g.estN++
					g.estSum += d
					g.estAbs += max(d, -d)
				}
			}
			leftWaiting := l.outcome == report.Cancelled || l.outcome == report.ClosedWaiting || l.outcome == report.InQueue
			switch {
			case l.calls > 0 && !leftWaiting:
				w := secs(l.waited)
				g.waits = append(g.waits, w)
				if l.target > 0 && w <= l.target {
					g.within++
				} else if l.target > 0 {
					g.over++
				}
			case leftWaiting && l.target > 0 && secs(l.waited+l.finished-l.joined) > l.target:
				g.over++
			}
		}
	}
	for _, p := range o.presses {
		day := time.UnixMilli(p.at).In(o.loc).Format(time.DateOnly)
		if day < from || day > to {
			continue
		}
		key := map[report.Dim]string{report.ByCounter: strconv.Itoa(p.counter), report.ByDay: day, report.ByHour: hour(p.at)}[by]
		for _, g := range []*group{get(day, key), total} {
			g.scores = append(g.scores, p.score)
			g.unattached++
		}
	}
	if by == report.ByDay {
		for d := range slices.Values(dayRange(from, to)) {
			get(d, d)
		}
	}
	toT, _ := time.ParseInLocation(time.DateOnly, to, o.loc)
	goals := o.targetsAt(toT.AddDate(0, 0, 1).UnixMilli() - 1)
	out := map[string]map[string]any{"total": total.figures(goals, false)}
	for k, g := range groups {
		inner := k
		if perDay {
			inner = k[len("2006-01-02/"):]
		}
		unassigned := (by == report.ByCounter && inner == "0") || ((by == report.ByOfficer || by == report.ByService) && inner == "")
		out[k] = g.figures(goals, unassigned)
	}
	return out
}

func dayRange(from, to string) []string {
	var out []string
	f, _ := time.Parse(time.DateOnly, from)
	t, _ := time.Parse(time.DateOnly, to)
	for d := f; !d.After(t); d = d.AddDate(0, 0, 1) {
		out = append(out, d.Format(time.DateOnly))
	}
	return out
}

// figures are the group's figures as the API's JSON names them.
func (g *group) figures(goals hallq.Targets, unassigned bool) map[string]any {
	share := func(n, d int) any {
		if d == 0 {
			return nil
		}
		return math.Round(1000*float64(n)/float64(d)) / 10
	}
	mean := func(v []int) any {
		if len(v) == 0 {
			return nil
		}
		s := 0
		for _, x := range v {
			s += x
		}
		return math.Round(10*float64(s)/float64(len(v))) / 10
	}
	median := func(v []int) any {
		if len(v) == 0 {
			return nil
		}
		s := slices.Sorted(slices.Values(v))
		if len(s)%2 == 1 {
			return float64(s[len(s)/2])
		}
		return float64(s[len(s)/2-1]+s[len(s)/2]) / 2
	}
	rank := func(v []int, p float64) any {
		if len(v) == 0 {
			return nil
		}
		s := slices.Sorted(slices.Values(v))
		return float64(s[max(int(math.Ceil(p/100*float64(len(s)))), 1)-1])
	}
	sat, very := 0, 0
	for _, s := range g.scores {
		if s >= goals.SatisfiedMin {
			sat++
		}
		if s >= goals.TopScore {
			very++
		}
	}
	f := map[string]any{
		"issued": g.issued, "calls": g.calls, "served": g.served, "no_shows": g.noShows, "cancelled": g.cancelled,
		"transferred": g.transferred, "closed_waiting": g.closedW, "closed_called": g.closedC, "closed_serving": g.closedS,
		"no_show_pct": share(g.noShows, g.issued),
		"wait_mean_s": mean(g.waits), "wait_median_s": median(g.waits), "wait_p90_s": rank(g.waits, 90), "wait_max_s": rank(g.waits, 100),
		"service_mean_s": mean(g.svc), "service_median_s": median(g.svc),
		"within_target_pct": share(g.within, g.within+g.over), "over_target_pct": share(g.over, g.within+g.over),
		"rated": g.rated, "rated_pct": share(g.rated, g.served), "presses": len(g.scores), "unattached_presses": g.unattached,
		"satisfied_pct": share(sat, len(g.scores)), "very_satisfied_pct": share(very, len(g.scores)),
	}
	if g.estN > 0 {
		f["estimate_error_mean_s"] = math.Round(10*float64(g.estSum)/float64(g.estN)) / 10
		f["estimate_error_mean_abs_s"] = math.Round(10*float64(g.estAbs)/float64(g.estN)) / 10
	} else {
		f["estimate_error_mean_s"], f["estimate_error_mean_abs_s"] = nil, nil
	}
	over, _ := f["over_target_pct"].(float64)
	satPct, _ := f["satisfied_pct"].(float64)
	f["over_target_missed"] = !unassigned && f["over_target_pct"] != nil && over > float64(goals.OverWaitPct)
	f["satisfied_missed"] = !unassigned && f["satisfied_pct"] != nil && satPct < float64(goals.SatisfiedPct)
	// JSON numbers, as the report's figures come back from JSON.
	b, _ := json.Marshal(f)
	var m map[string]any
	json.Unmarshal(b, &m)
	return m
}
