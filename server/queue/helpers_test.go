package queue

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/hallq/hallq"
)

var hcm = mustLoc("Asia/Ho_Chi_Minh")

func mustLoc(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// local is a time in the hall's zone; monday(9, 0) is 2026-03-02 09:00.
func local(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, hcm)
}

func monday(hh, mm int) time.Time { return local(2026, 3, 2, hh, mm) }

// The actors of the tests.
var (
	ann  = Actor{User: "ann", Role: hallq.RoleOfficer}
	bob  = Actor{User: "bob", Role: hallq.RoleOfficer}
	meg  = Actor{User: "meg", Role: hallq.RoleManager}
	root = Actor{User: "root", Role: hallq.RoleAdmin}
	pad1 = Actor{Device: "pad1"}
)

// testServices: A and B with prefixes, C with the range 1001…1003.
func testServices() []hallq.Service {
	return []hallq.Service{
		{Code: "C", NameVI: "Đất đai", RangeFrom: 1001, RangeTo: 1003, Order: 3},
		{Code: "A", NameVI: "Hộ tịch", Prefix: "A", Order: 1},
		{Code: "B", NameVI: "Chứng thực", Prefix: "B", Order: 2},
	}
}

// testCounters: 1 serves A then B, 2 serves B then A, 3 serves C.
func testCounters() []hallq.Counter {
	return []hallq.Counter{
		{ID: 3, Name: "Quầy 3", Services: []string{"C"}, State: hallq.CounterClosed},
		{ID: 1, Name: "Quầy 1", Services: []string{"A", "B"}, State: hallq.CounterClosed},
		{ID: 2, Name: "Quầy 2", Services: []string{"B", "A"}, State: hallq.CounterClosed},
	}
}

func testState() State {
	return State{Settings: hallq.DefaultSettings(), Services: testServices(), Counters: testCounters()}
}

// hall drives an engine like the server does: every Change is checked and
// written to a memory store, from which the engine can be rebuilt.
type hall struct {
	t     *testing.T
	e     *Engine
	now   time.Time
	store *memStore
	ids   int // issued ticket ids
	newID int // NewID calls
}

func newHall(t *testing.T, opts ...func(*State)) *hall {
	t.Helper()
	return newHallAt(t, monday(9, 0), opts...)
}

func newHallAt(t *testing.T, now time.Time, opts ...func(*State)) *hall {
	t.Helper()
	st := testState()
	for _, o := range opts {
		o(&st)
	}
	h := &hall{t: t, now: now, store: newMemStore(st)}
	h.build(st)
	h.tick()
	return h
}

func (h *hall) build(st State) {
	h.t.Helper()
	e, err := New(st)
	if err != nil {
		h.t.Fatalf("New: %v", err)
	}
	e.NewID = func() (string, string) {
		h.newID++
		return fmt.Sprintf("x%d", h.newID), fmt.Sprintf("xsecret%d", h.newID)
	}
	h.e = e
}

// restart builds a new engine from what the store holds, as after a crash.
func (h *hall) restart() {
	h.t.Helper()
	h.build(h.store.state())
}

func (h *hall) at(t time.Time)          { h.now = t }
func (h *hall) advance(d time.Duration) { h.now = h.now.Add(d) }
func (h *hall) minutes(n int)           { h.advance(time.Duration(n) * time.Minute) }
func (h *hall) tick() *Change           { h.t.Helper(); return h.apply(h.e.Tick(h.now)) }
func (h *hall) req(service, prio string) IssueRequest {
	h.ids++
	return IssueRequest{Service: service, Priority: prio, ID: fmt.Sprintf("t%d", h.ids), Secret: fmt.Sprintf("s%d", h.ids)}
}

// apply checks a change and writes it to the store.
func (h *hall) apply(ch *Change) *Change {
	h.t.Helper()
	if ch == nil {
		if got, want := h.e.LastSeq(), h.store.lastSeq; got != want {
			h.t.Fatalf("nil change but LastSeq moved: got %d, want %d", got, want)
		}
		return nil
	}
	want := h.store.lastSeq
	for _, ev := range ch.Events {
		want++
		if ev.Seq != want {
			h.t.Fatalf("event %s: got seq %d, want %d (gap-free)", ev.Type, ev.Seq, want)
		}
		if !ev.At.Equal(h.now) || ev.At.Location() != h.e.loc {
			h.t.Fatalf("event %s: got at %v, want %v in the hall's zone", ev.Type, ev.At, h.now.In(hcm))
		}
		if ev.Actor == "" {
			h.t.Fatalf("event %s has no actor", ev.Type)
		}
	}
	if got := h.e.LastSeq(); got != want {
		h.t.Fatalf("LastSeq: got %d, want %d", got, want)
	}
	for _, t := range ch.Tickets {
		if t == h.e.tickets[t.ID] {
			h.t.Fatalf("change ticket %s aliases engine state", t.ID)
		}
	}
	for _, c := range ch.Counters {
		if c == h.e.counters[c.ID] {
			h.t.Fatalf("change counter %d aliases engine state", c.ID)
		}
	}
	h.store.apply(ch)
	return ch
}

// ticket checks a command that returns a ticket.
func (h *hall) ticket(t *hallq.Ticket, ch *Change, err error) *hallq.Ticket {
	h.t.Helper()
	if err != nil {
		h.t.Fatalf("unexpected error: %v", err)
	}
	h.apply(ch)
	return t
}

// counter checks a command that returns a counter.
func (h *hall) counter(c *hallq.Counter, ch *Change, err error) *hallq.Counter {
	h.t.Helper()
	if err != nil {
		h.t.Fatalf("unexpected error: %v", err)
	}
	h.apply(ch)
	return c
}

func (h *hall) issue(service, prio string) *hallq.Ticket {
	h.t.Helper()
	return h.ticket(h.e.Issue(h.now, h.req(service, prio)))
}

func (h *hall) open(counter int, by Actor) {
	h.t.Helper()
	h.counter(h.e.Open(h.now, counter, by))
}

func (h *hall) next(counter int, by Actor) *hallq.Ticket {
	h.t.Helper()
	return h.ticket(h.e.Next(h.now, counter, by))
}

func (h *hall) finish(counter int, by Actor) *hallq.Ticket {
	h.t.Helper()
	return h.ticket(h.e.Finish(h.now, counter, by))
}

// drain calls and finishes tickets at a counter until nobody waits and
// returns the labels in calling order.
func (h *hall) drain(counter int, by Actor) []string {
	h.t.Helper()
	var labels []string
	for {
		t := h.next(counter, by)
		if t == nil {
			return labels
		}
		labels = append(labels, t.Label)
		h.finish(counter, by)
	}
}

// snapshot is everything a caller can see of the engine.
type snapshot struct {
	Hall    hallq.HallView
	Waiting []*hallq.Ticket
	Tickets []*hallq.Ticket
	LastSeq int64
	Day     string
	Set     hallq.Settings
}

func (h *hall) snapshot() snapshot {
	s := snapshot{Hall: h.e.Hall(h.now), Waiting: h.e.Waiting(h.now, nil), LastSeq: h.e.LastSeq(), Day: h.e.Day(), Set: h.e.Settings()}
	for _, id := range slices.Sorted(maps.Keys(h.e.tickets)) {
		t, err := h.e.Ticket(h.now, id)
		if err != nil {
			h.t.Fatal(err)
		}
		s.Tickets = append(s.Tickets, t)
	}
	return s
}

// wantErr checks an error's code and reason.
func wantErr(t *testing.T, err error, code, reason string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s (%s)", code, reason)
	}
	if _, ok := err.(*hallq.Error); !ok {
		t.Fatalf("got error %T %v, want *hallq.Error", err, err)
	}
	if got := hallq.ErrorCode(err); got != code {
		t.Errorf("got code %q (%v), want %q", got, err, code)
	}
	if got := hallq.ErrorReason(err); got != reason {
		t.Errorf("got reason %q (%v), want %q", got, err, reason)
	}
}

func labels(ts []*hallq.Ticket) []string {
	out := []string{}
	for _, t := range ts {
		out = append(out, t.Label)
	}
	return out
}

func eventTypes(ch *Change) []hallq.EventType {
	var out []hallq.EventType
	if ch != nil {
		for _, ev := range ch.Events {
			out = append(out, ev.Type)
		}
	}
	return out
}

func equal(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: got %v, want %v", what, got, want)
	}
}

// memStore keeps what the Changes say, as the SQLite store would.
type memStore struct {
	settings  hallq.Settings
	services  []hallq.Service
	counters  map[int]hallq.Counter
	tickets   map[string]hallq.Ticket
	numbers   map[[2]string]int
	ratings   []hallq.Rating
	day       string
	closedDay string
	lastSeq   int64
	events    []hallq.Event
	extra     []hallq.Ticket // loaded whatever their day
}

func newMemStore(st State) *memStore {
	m := &memStore{
		settings: st.Settings, services: st.Services,
		counters: map[int]hallq.Counter{}, tickets: map[string]hallq.Ticket{}, numbers: map[[2]string]int{},
		day: st.Day, closedDay: st.ClosedDay, lastSeq: st.LastSeq, ratings: st.Ratings,
	}
	for _, c := range st.Counters {
		m.counters[c.ID] = c
	}
	for _, t := range st.Tickets {
		m.tickets[t.ID] = t
	}
	for code, n := range st.LastNumbers {
		m.numbers[[2]string{st.Day, code}] = n
	}
	return m
}

func (m *memStore) apply(ch *Change) {
	for _, t := range ch.Tickets {
		m.tickets[t.ID] = *t.Clone()
	}
	for _, c := range ch.Counters {
		cc := *c
		cc.Current = nil
		cc.Services = slices.Clone(c.Services)
		m.counters[c.ID] = cc
	}
	for _, n := range ch.Numbers {
		m.numbers[[2]string{n.Day, n.Service}] = n.Last
	}
	for _, r := range ch.Ratings {
		m.ratings = append(m.ratings, *r)
	}
	if ch.Day != nil {
		m.day, m.closedDay = ch.Day.Day, ch.Day.ClosedDay
	}
	if ch.Settings != nil {
		m.settings = *ch.Settings
	}
	for _, s := range ch.Services {
		i := slices.IndexFunc(m.services, func(x hallq.Service) bool { return x.Code == s.Code })
		if i < 0 {
			m.services = append(slices.Clone(m.services), *s)
		} else {
			m.services = slices.Clone(m.services)
			m.services[i] = *s
		}
	}
	m.events = append(m.events, ch.Events...)
	if n := len(ch.Events); n > 0 {
		m.lastSeq = ch.Events[n-1].Seq
	}
}

// state is what LoadState would read.
func (m *memStore) state() State {
	st := State{
		Settings: m.settings, Services: m.services, Day: m.day, ClosedDay: m.closedDay,
		LastSeq: m.lastSeq, LastNumbers: map[string]int{},
	}
	for _, id := range slices.Sorted(maps.Keys(m.counters)) {
		st.Counters = append(st.Counters, m.counters[id])
	}
	for _, id := range slices.Sorted(maps.Keys(m.tickets)) {
		t := m.tickets[id]
		if t.Day == m.day || t.State.Active() {
			st.Tickets = append(st.Tickets, t)
		}
	}
	st.Tickets = append(st.Tickets, m.extra...)
	for _, r := range m.ratings {
		if r.At.In(hcm).Format(time.DateOnly) == m.day {
			st.Ratings = append(st.Ratings, r)
		}
	}
	for k, n := range m.numbers {
		if k[0] == m.day {
			st.LastNumbers[k[1]] = n
		}
	}
	for _, ev := range m.events {
		if ev.Type == hallq.EventHallTargets {
			st.Targets = ev.Targets
		}
		st.LastEventAt = ev.At
	}
	return st
}
