package queue

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/hallq/hallq"
)

// EventHallConfigured is logged when an administrator changes a service, a
// counter or the hall settings, so that consoles and displays holding a
// snapshot know to take a fresh one. Its Text says what changed
// ("service", "counter", "settings"); Service or Counter names which.
const EventHallConfigured hallq.EventType = "hall.configured"

// PutService creates a service or replaces its definition in the running
// hall. Waiting tickets stay in its queue; numbering continues (a changed
// prefix or range applies to the next number given). EINVALID for a
// definition that does not validate. Putting the definition the service
// already has changes nothing (nil Change).
func (e *Engine) PutService(now time.Time, s hallq.Service, by Actor) (*hallq.Service, *Change, error) {
	if err := s.Validate(); err != nil {
		return nil, nil, err
	}
	s = cloneService(s)
	old := e.services[s.Code]
	if old != nil && sameService(*old, s) {
		out := cloneService(*old)
		return &out, nil, nil
	}
	b := e.begin(now, actorName(by))
	e.services[s.Code] = &s
	stored := cloneService(s)
	b.ch.Services = append(b.ch.Services, &stored)
	b.emit(hallq.Event{Type: EventHallConfigured, Text: "service", Service: s.Code})
	e.recordTargets(b)
	out := cloneService(s)
	return &out, b.done(), nil
}

func sameService(a, b hallq.Service) bool {
	if len(a.Hours) != len(b.Hours) {
		return false
	}
	for i := range a.Hours {
		if a.Hours[i].Open != b.Hours[i].Open || a.Hours[i].Close != b.Hours[i].Close || !slices.Equal(a.Hours[i].Days, b.Hours[i].Days) {
			return false
		}
	}
	return a.Code == b.Code && a.NameVI == b.NameVI && a.NameEN == b.NameEN && a.Prefix == b.Prefix &&
		a.RangeFrom == b.RangeFrom && a.RangeTo == b.RangeTo && a.TargetWaitMin == b.TargetWaitMin &&
		a.DailyCap == b.DailyCap && a.Order == b.Order && (a.Booking == nil) == (b.Booking == nil) &&
		(a.Booking == nil || *a.Booking == *b.Booking)
}

// CounterDef is what an administrator sets of a counter: its name and the
// services it serves, in order of preference.
type CounterDef struct {
	ID       int
	Name     string
	Services []string
}

// PutCounter creates a counter (closed, no officer) or changes the name and
// services of an existing one; its state, officer and current ticket stay.
// EINVALID for a number that is not positive, an empty name or no services,
// ENOTFOUND for an unknown service. Putting what the counter already has
// changes nothing (nil Change).
func (e *Engine) PutCounter(now time.Time, d CounterDef, by Actor) (*hallq.Counter, *Change, error) {
	if d.ID <= 0 {
		return nil, nil, hallq.Errorf(hallq.EINVALID, "counter number %d: must be a positive integer", d.ID)
	}
	if err := hallq.CheckName(fmt.Sprintf("counter %d: name", d.ID), d.Name, hallq.MaxNameLen); err != nil {
		return nil, nil, err
	}
	if len(d.Services) == 0 {
		return nil, nil, hallq.Errorf(hallq.EINVALID, "counter %d serves no service", d.ID)
	}
	seen := map[string]bool{}
	for _, code := range d.Services {
		if e.services[code] == nil {
			return nil, nil, hallq.Errorf(hallq.ENOTFOUND, "counter %d: no service %q", d.ID, code)
		}
		if seen[code] {
			return nil, nil, hallq.Errorf(hallq.EINVALID, "counter %d lists service %s twice", d.ID, code)
		}
		seen[code] = true
	}
	c := e.counters[d.ID]
	if c != nil && c.Name == d.Name && slices.Equal(c.Services, d.Services) {
		return e.counterView(c), nil, nil
	}
	b := e.begin(now, actorName(by))
	if c == nil {
		c = &hallq.Counter{ID: d.ID, State: hallq.CounterClosed}
		e.addCounter(c)
	}
	c.Name, c.Services = d.Name, slices.Clone(d.Services)
	b.counter(c)
	b.emit(hallq.Event{Type: EventHallConfigured, Text: "counter", Counter: c.ID})
	return e.counterView(c), b.done(), nil
}

// PutSettings replaces the hall settings in the running hall: the priority
// policy, rating scale, closing time and public display take effect at
// once. EINVALID for settings that do not validate, and for a change of time
// zone, which needs the hall stopped (numbering days and stored times
// depend on it). The notice is kept as it is (SetNotice changes it).
// Settings equal to the current ones change nothing (nil Change).
func (e *Engine) PutSettings(now time.Time, s hallq.Settings, by Actor) (*hallq.Settings, *Change, error) {
	s = cloneSettings(s)
	s.Notice = e.settings.Notice
	if err := s.Validate(); err != nil {
		return nil, nil, err
	}
	if s.TimeZone != e.settings.TimeZone {
		return nil, nil, errReason(hallq.EINVALID, "time_zone", "the time zone can only be changed while the hall server is stopped (hallserver config)")
	}
	closeMin := -1
	if s.ClosingTime != "" {
		closeMin, _ = hallq.ParseClock(s.ClosingTime) // checked by Validate
	}
	if sameSettings(e.settings, s) {
		out := cloneSettings(e.settings)
		return &out, nil, nil
	}
	b := e.begin(now, actorName(by))
	e.settings = s
	e.closeMin = closeMin
	stored := cloneSettings(s)
	b.ch.Settings = &stored
	b.emit(hallq.Event{Type: EventHallConfigured, Text: "settings"})
	e.recordTargets(b)
	out := cloneSettings(s)
	return &out, b.done(), nil
}

// sameSettings compares every field, so that a setting added later (the
// announcement ones were missed once) is never silently dropped.
func sameSettings(a, b hallq.Settings) bool {
	return reflect.DeepEqual(a, b)
}

// Services returns copies of the hall's service definitions, sorted by
// Order then Code.
func (e *Engine) Services() []hallq.Service {
	var out []hallq.Service
	for _, s := range e.sortedServices() {
		out = append(out, cloneService(*s))
	}
	return out
}

// NoShows lists the current day's no-shows of the given services (all when
// empty), most recent first: the tickets an officer may re-queue.
func (e *Engine) NoShows(now time.Time, services []string) []*hallq.Ticket {
	var out []*hallq.Ticket
	for _, t := range e.tickets {
		if t.State != hallq.StateNoShow || t.Day != e.day {
			continue
		}
		if len(services) > 0 && !slices.Contains(services, t.Service) {
			continue
		}
		out = append(out, t.Clone())
	}
	slices.SortFunc(out, func(a, b *hallq.Ticket) int {
		if c := b.FinishedAt.Compare(*a.FinishedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

// Targets are the hall's targets now, as its settings and services set
// them.
func (e *Engine) Targets() hallq.Targets { return e.currentTargets() }

func (e *Engine) currentTargets() hallq.Targets {
	t := hallq.Targets{WaitMin: make(map[string]int, len(e.services))}
	for code, s := range e.services {
		t.WaitMin[code] = s.TargetWaitMin
	}
	set := e.settings.Targets(nil)
	t.OverWaitPct, t.SatisfiedPct, t.SatisfiedMin, t.TopScore = set.OverWaitPct, set.SatisfiedPct, set.SatisfiedMin, set.TopScore
	return t
}

// recordTargets logs a change of the hall's targets (event hall.targets,
// with the targets before and after) when its settings and services now
// set others than the log knows: a changed target wait, goal or rating
// scale, or a new service. A target is a rule reports apply, so its
// changes are part of the history they read, and that the central store
// receives, like any other event.
func (e *Engine) recordTargets(b *batch) {
	cur := e.currentTargets()
	if cur.Equal(e.targets) {
		return
	}
	e.emitTargets(b, e.targets, cur)
}

func (e *Engine) emitTargets(b *batch, before, after hallq.Targets) {
	e.targets = after
	prev, next := before.Clone(), after.Clone()
	b.emit(hallq.Event{Type: hallq.EventHallTargets, Targets: &next, PreviousTargets: &prev})
}
