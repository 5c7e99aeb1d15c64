package queue

import (
	"cmp"
	"crypto/rand"
	"slices"
	"strings"
	"time"

	"github.com/hallq/hallq"
)

// dayLayout formats a local date as Ticket.Day and State.Day hold it.
const dayLayout = time.DateOnly

// Engine holds the hall's live state and applies commands to it.
type Engine struct {
	// NewID returns a fresh random ticket id and secret; used for the waiting
	// ticket a transfer creates. Set by New to a crypto/rand generator; tests
	// may replace it.
	NewID func() (id, secret string)

	settings hallq.Settings
	loc      *time.Location
	closeMin int // the closing time in minutes after local midnight; -1 for none

	services map[string]*hallq.Service
	counters map[int]*hallq.Counter // CurrentID is kept, Current is always nil
	byID     []*hallq.Counter       // the same, by number
	tickets  map[string]*hallq.Ticket
	queues   map[string]*svcQueue // the waiting tickets, by service
	nWaiting int
	idem     map[idemKey]*hallq.Ticket
	ratings  map[ratingKey]*hallq.Rating
	rated    map[string]bool // ids of tickets that have a rating

	lastNumbers map[string]int
	day         string
	closedDay   string
	lastSeq     int64
	lastAt      time.Time // the latest time an event carries

	recent     []hallq.Event              // call and recall events of the day, newest first
	lastCalled map[string]string          // service code → label most recently called
	lastCallAt map[string]time.Time       // ticket id → its latest call (CalledAt is the first)
	served     map[string][]time.Duration // service code → recent service times, oldest first
	// occupied and occupiedAll are recent occupancies (estimate.go) per
	// service and over the hall, oldest first.
	occupied    map[string]*window
	occupiedAll window
	turnaround  window          // recent pauses between a counter's tickets
	transfers   []transferIn    // the day's transfers, in order
	issued      []*hallq.Ticket // the day's printed tickets in issue order (estimate.go)
	pace        pace            // the last hour's part of issued, counted
	freedAt     map[int]time.Time
	// expected is the arrival forecast of expectedDay (expected.go).
	expected    map[string]*dayCurve
	expectedDay string
	usual       map[string]time.Duration // occupancy on past days, by service
	given       Foresight                // both as given, for Foresight

	// targets are the hall's targets as its log knows them: the ones its
	// settings and services set, once any change is recorded. unrecorded
	// are the targets the log last recorded when they differ from those
	// (a change made while the hall was stopped): the next Tick records it.
	targets    hallq.Targets
	unrecorded *hallq.Targets

	book bookingBook // booking.go
}

type idemKey struct{ device, key string }

type ratingKey struct {
	device string
	seq    int64
}

// New builds an engine from a stored state. It validates the settings and
// services and returns EINVALID naming the problem.
func New(st State) (*Engine, error) {
	if err := st.Settings.ValidateStored(); err != nil {
		return nil, err
	}
	loc, err := st.Settings.Location()
	if err != nil {
		return nil, hallq.Errorf(hallq.EINVALID, "unknown time zone %q", st.Settings.TimeZone)
	}
	e := &Engine{
		NewID:       randomID,
		settings:    cloneSettings(st.Settings),
		loc:         loc,
		closeMin:    -1,
		services:    map[string]*hallq.Service{},
		counters:    map[int]*hallq.Counter{},
		tickets:     map[string]*hallq.Ticket{},
		queues:      map[string]*svcQueue{},
		pace:        pace{count: map[arrivalKey]int{}, day: map[arrivalKey]int{}},
		idem:        map[idemKey]*hallq.Ticket{},
		ratings:     map[ratingKey]*hallq.Rating{},
		rated:       map[string]bool{},
		lastNumbers: map[string]int{},
		day:         st.Day,
		closedDay:   st.ClosedDay,
		lastSeq:     st.LastSeq,
		lastAt:      st.LastEventAt,
		lastCalled:  map[string]string{},
		lastCallAt:  map[string]time.Time{},
		served:      map[string][]time.Duration{},
		occupied:    map[string]*window{},
		freedAt:     map[int]time.Time{},
	}
	if st.Settings.ClosingTime != "" {
		e.closeMin, _ = hallq.ParseClock(st.Settings.ClosingTime) // checked by Validate
	}
	if err := e.loadServices(st.Services); err != nil {
		return nil, err
	}
	if err := e.loadTickets(st.Tickets); err != nil {
		return nil, err
	}
	if err := e.loadCounters(st.Counters); err != nil {
		return nil, err
	}
	e.loadRatings(st.Ratings)
	e.loadBookings(st.Bookings)
	for code, n := range st.LastNumbers {
		e.lastNumbers[code] = max(e.lastNumbers[code], n)
	}
	e.rebuildDayFigures()
	e.targets = e.currentTargets()
	if st.Targets != nil && !st.Targets.Equal(e.targets) {
		t := st.Targets.Clone()
		e.unrecorded = &t
	}
	if len(st.RecentCalls) > 0 {
		// The logged events themselves, with their seq and recalls, beat
		// what the tickets can tell.
		e.recent = nil
		for i := len(st.RecentCalls) - 1; i >= 0; i-- {
			e.recent = hallq.PushRecentCall(e.recent, st.RecentCalls[i], recentMax)
		}
	}
	return e, nil
}

func (e *Engine) loadServices(services []hallq.Service) error {
	for i := range services {
		s := cloneService(services[i])
		if err := s.ValidateStored(); err != nil {
			return err
		}
		if e.services[s.Code] != nil {
			return hallq.Errorf(hallq.EINVALID, "service %s is defined twice", s.Code)
		}
		e.services[s.Code] = &s
	}
	return nil
}

func (e *Engine) loadTickets(tickets []hallq.Ticket) error {
	for i := range tickets {
		t := tickets[i].Clone()
		if t.ID == "" {
			return hallq.Errorf(hallq.EINVALID, "ticket %s of %s has no id", t.Label, t.Day)
		}
		if e.tickets[t.ID] != nil {
			return hallq.Errorf(hallq.EINVALID, "ticket %s appears twice", t.ID)
		}
		if !validTicketState(t.State) {
			return hallq.Errorf(hallq.EINVALID, "ticket %s has unknown state %q", t.ID, t.State)
		}
		e.localTimes(t)
		keepWaitTimes(t)
		e.tickets[t.ID] = t
		if t.State == hallq.StateWaiting {
			e.addWaiting(t)
		}
		if t.IdempotencyKey != "" {
			e.idem[idemKey{t.Device, t.IdempotencyKey}] = t
		}
		if t.Rating != 0 {
			e.rated[t.ID] = true
		}
		// A number given on the day is never given again, even if the
		// stored last numbers lag behind (transfers keep their source's number).
		if t.Day == e.day && t.TransferredFrom == "" {
			e.lastNumbers[t.Service] = max(e.lastNumbers[t.Service], t.Number)
		}
	}
	return nil
}

// keepWaitTimes starts keeping the waiting times (QueuedAt, WaitedMS,
// LastCalledAt) of a ticket from before the hall kept them, where its own
// times tell them: an original ticket joined its queue at issue and waited
// until its first call. A transfer's new ticket does not say when it
// joined, and is left as it is; a requeued one does not say when it was requeued, and is left too.
func keepWaitTimes(t *hallq.Ticket) {
	if t.QueuedAt != nil || t.TransferredFrom != "" || (t.State == hallq.StateWaiting && t.CalledAt != nil) {
		return
	}
	t.QueuedAt = new(t.IssuedAt)
	if t.CalledAt != nil {
		t.WaitedMS = max(t.CalledAt.Sub(t.IssuedAt).Milliseconds(), 0)
		if t.LastCalledAt == nil {
			t.LastCalledAt = new(*t.CalledAt)
		}
	}
}

// localTimes puts a loaded ticket's times in the hall's time zone.
func (e *Engine) localTimes(t *hallq.Ticket) {
	t.IssuedAt = t.IssuedAt.In(e.loc)
	for _, p := range []*time.Time{t.CalledAt, t.StartedAt, t.FinishedAt, t.QueuedAt, t.LastCalledAt, t.SlotAt} {
		if p != nil {
			*p = p.In(e.loc)
		}
	}
}

func validTicketState(s hallq.TicketState) bool {
	switch s {
	case hallq.StateWaiting, hallq.StateCalled, hallq.StateServing, hallq.StateDone,
		hallq.StateNoShow, hallq.StateTransferred, hallq.StateCancelled:
		return true
	}
	return false
}

func (e *Engine) loadCounters(counters []hallq.Counter) error {
	for i := range counters {
		c := cloneCounter(&counters[i])
		c.Current = nil
		if c.ID <= 0 {
			return hallq.Errorf(hallq.EINVALID, "counter number %d: must be a positive integer", c.ID)
		}
		if e.counters[c.ID] != nil {
			return hallq.Errorf(hallq.EINVALID, "counter %d is defined twice", c.ID)
		}
		for _, code := range c.Services {
			if e.services[code] == nil {
				return hallq.Errorf(hallq.EINVALID, "counter %d serves unknown service %q", c.ID, code)
			}
		}
		switch c.State {
		case "":
			c.State, c.Officer = hallq.CounterClosed, ""
		case hallq.CounterClosed:
			c.Officer = "" // a closed counter is nobody's
		case hallq.CounterOpen, hallq.CounterPaused:
		default:
			return hallq.Errorf(hallq.EINVALID, "counter %d has unknown state %q", c.ID, c.State)
		}
		if c.CurrentID != "" {
			t := e.tickets[c.CurrentID]
			if t == nil || (t.State != hallq.StateCalled && t.State != hallq.StateServing) || t.Counter != c.ID || c.State == hallq.CounterClosed {
				return hallq.Errorf(hallq.EINVALID, "counter %d: current ticket %s is not called or in service there", c.ID, c.CurrentID)
			}
		}
		e.addCounter(c)
	}
	return nil
}

// addCounter adds a new counter.
func (e *Engine) addCounter(c *hallq.Counter) {
	e.counters[c.ID] = c
	i, _ := slices.BinarySearchFunc(e.byID, c.ID, func(x *hallq.Counter, id int) int { return cmp.Compare(x.ID, id) })
	e.byID = slices.Insert(e.byID, i, c)
}

func (e *Engine) loadRatings(ratings []hallq.Rating) {
	for i := range ratings {
		r := ratings[i]
		e.ratings[ratingKey{r.Device, r.DeviceSeq}] = &r
		if r.TicketID != "" {
			e.rated[r.TicketID] = true
		}
	}
}

// rebuildDayFigures derives what the engine keeps about the day's calls and
// services from the day's tickets, after a restart.
func (e *Engine) rebuildDayFigures() {
	var called, finished []*hallq.Ticket
	for _, t := range e.tickets {
		if t.Day != e.day {
			continue
		}
		if t.CalledAt != nil && t.Counter != 0 {
			called = append(called, t)
			e.lastCallAt[t.ID] = *t.CalledAt
			if t.LastCalledAt != nil {
				e.lastCallAt[t.ID] = *t.LastCalledAt
			}
		}
		_, served := serviceTime(t)
		if _, occupied := occupancy(t); served || occupied {
			finished = append(finished, t)
		}
	}
	slices.SortFunc(called, func(a, b *hallq.Ticket) int {
		if c := a.CalledAt.Compare(*b.CalledAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	for _, t := range called {
		e.lastCalled[t.Service] = t.Label
		e.pushRecent(hallq.Event{
			Type: hallq.EventTicketCalled, At: t.CalledAt.In(e.loc), Ticket: t.Clone(),
			Counter: t.Counter, Officer: t.Officer, OutOfOrder: t.OutOfOrder,
		})
	}
	slices.SortFunc(finished, func(a, b *hallq.Ticket) int {
		if c := a.FinishedAt.Compare(*b.FinishedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	for _, t := range finished {
		e.recordServiceTime(t)
	}
	e.rebuildIssued()
	e.rebuildTransfers()
}

// LastSeq is the sequence number of the last event the engine produced.
func (e *Engine) LastSeq() int64 { return e.lastSeq }

// LastEventAt is the latest time an event of the log carries (zero for
// none): that of the last event loaded, or a later one since. A clock
// reading earlier has been set back: the hall keeps working, since queues
// follow the order of issue, but the health check says so until the clock
// has caught up.
func (e *Engine) LastEventAt() time.Time { return e.lastAt }

// Settings returns a copy of the hall settings.
func (e *Engine) Settings() hallq.Settings { return cloneSettings(e.settings) }

// Day is the local date the numbering belongs to.
func (e *Engine) Day() string { return e.day }

// randomID is NewID's default: 130 random bits each, in base32.
func randomID() (id, secret string) { return rand.Text(), rand.Text() }

// local is now in the hall's time zone, as every stored time is.
func (e *Engine) local(now time.Time) time.Time { return now.In(e.loc) }

func cloneSettings(s hallq.Settings) hallq.Settings {
	s.PriorityKinds = slices.Clone(s.PriorityKinds)
	s.RatingScale = slices.Clone(s.RatingScale)
	s.Holidays = slices.Clone(s.Holidays)
	return s
}

func cloneService(s hallq.Service) hallq.Service {
	s.Hours = slices.Clone(s.Hours)
	for i := range s.Hours {
		s.Hours[i].Days = slices.Clone(s.Hours[i].Days)
	}
	if s.Booking != nil {
		b := *s.Booking
		s.Booking = &b
	}
	return s
}

// cloneCounter copies a counter; Current is left as it was (views set it).
func cloneCounter(c *hallq.Counter) *hallq.Counter {
	cc := *c
	cc.Services = slices.Clone(c.Services)
	return &cc
}

// errReason is an *hallq.Error with a machine-readable reason.
func errReason(code, reason, format string, args ...any) error {
	err := hallq.Errorf(code, format, args...)
	err.Reason = reason
	return err
}

// actorName names who did something for the event log.
func actorName(by Actor) string {
	switch {
	case by.User != "":
		return "user:" + by.User
	case by.Device != "":
		return "device:" + by.Device
	}
	return "system"
}
