package display

import (
	"github.com/hallq/hallq"
	"github.com/hallq/hallq/hallclient"
)

// maxRecent is how many calls State keeps.
const maxRecent = 10

// State is the hall as a display knows it: the last snapshot with the live
// events since applied. It is not safe for concurrent use.
type State struct {
	Hall hallq.HallView
	// Online is false while the stream is down.
	Online bool
	// Seq is the last event applied.
	Seq int64
}

// Apply updates the state with m. It returns the call to announce, if m is
// a call: live, or replayed (already in the snapshot) — the caller decides
// whether a replayed call is still fresh enough to say.
func (s *State) Apply(m hallclient.Message) *hallq.Event {
	if m.Snapshot != nil {
		s.Hall = m.Snapshot.Hall
		s.Seq = m.Snapshot.Seq
		return nil
	}
	ev := m.Event
	if ev == nil {
		return nil
	}
	if m.Replayed {
		if IsCall(ev) {
			return ev
		}
		return nil
	}
	s.Seq = ev.Seq
	t := ev.Ticket
	switch ev.Type {
	case hallq.EventTicketCalled, hallq.EventTicketRecalled:
		s.Hall.Recent = hallq.PushRecentCall(s.Hall.Recent, *ev, maxRecent)
		if ev.Type == hallq.EventTicketCalled && t != nil {
			s.adjustWaiting(t.Service, -1)
		}
		s.setCurrent(ev.Counter, t)
		return ev
	case hallq.EventTicketStarted:
		s.setCurrent(ev.Counter, t)
	case hallq.EventTicketFinished, hallq.EventTicketNoShow:
		s.clearCurrent(ev.Counter, t)
	case hallq.EventTicketTransferred:
		s.clearCurrent(ev.Counter, t)
		if t != nil && t.CalledAt == nil {
			s.adjustWaiting(t.Service, -1)
		}
		if ev.NewTicket != nil {
			s.adjustWaiting(ev.NewTicket.Service, +1)
		}
	case hallq.EventTicketIssued, hallq.EventTicketRequeued:
		if t != nil {
			s.adjustWaiting(t.Service, +1)
		}
	case hallq.EventTicketCancelled:
		if t != nil {
			s.adjustWaiting(t.Service, -1)
		}
	case hallq.EventCounterOpened:
		s.setState(ev.Counter, hallq.CounterOpen)
	case hallq.EventCounterPaused:
		s.setState(ev.Counter, hallq.CounterPaused)
	case hallq.EventCounterClosed:
		s.setState(ev.Counter, hallq.CounterClosed)
		s.clearCurrent(ev.Counter, nil)
	case hallq.EventHallNotice:
		s.Hall.Hall.Notice = ev.Text
	}
	return nil
}

// Counter returns counter n, or nil.
func (s *State) Counter(n int) *hallq.Counter {
	for i := range s.Hall.Counters {
		if s.Hall.Counters[i].ID == n {
			return &s.Hall.Counters[i]
		}
	}
	return nil
}

func (s *State) adjustWaiting(code string, d int) {
	for i := range s.Hall.Services {
		if s.Hall.Services[i].Code == code {
			s.Hall.Services[i].Waiting = max(0, s.Hall.Services[i].Waiting+d)
		}
	}
}

func (s *State) setCurrent(n int, t *hallq.Ticket) {
	if c := s.Counter(n); c != nil && t != nil {
		cp := *t
		c.Current = &cp
	}
}

func (s *State) clearCurrent(n int, t *hallq.Ticket) {
	if c := s.Counter(n); c != nil && c.Current != nil && (t == nil || c.Current.ID == t.ID) {
		c.Current = nil
	}
}

func (s *State) setState(n int, st hallq.CounterState) {
	if c := s.Counter(n); c != nil {
		c.State = st
	}
}
