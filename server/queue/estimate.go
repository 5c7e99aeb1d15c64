package queue

import (
	"time"

	"github.com/hallq/hallq"
)

// The estimator is deliberately simple for now:
//
//	estimated wait = people ahead × mean service time ÷ max(1, open counters)
//
// where the mean service time is that of the last serviceTimeWindow tickets
// of the service finished today (defaultServiceTime when none is known yet),
// and open counters are those open now that serve the service. Tickets
// finished by the end of day (Flagged) tell nothing about service times and
// are left out.
const (
	serviceTimeWindow  = 20
	defaultServiceTime = 5 * time.Minute
)

// serviceTime is a done ticket's service time: finish − start where the
// officer pressed start, else finish − first call.
func serviceTime(t *hallq.Ticket) (time.Duration, bool) {
	if t.State != hallq.StateDone || t.Flagged || t.FinishedAt == nil || t.CalledAt == nil {
		return 0, false
	}
	from := *t.CalledAt
	if t.StartedAt != nil {
		from = *t.StartedAt
	}
	d := t.FinishedAt.Sub(from)
	if d < 0 {
		return 0, false
	}
	return d, true
}

// recordServiceTime remembers a finished ticket's service time.
func (e *Engine) recordServiceTime(t *hallq.Ticket) {
	d, ok := serviceTime(t)
	if !ok {
		return
	}
	times := append(e.served[t.Service], d)
	if len(times) > serviceTimeWindow {
		times = times[len(times)-serviceTimeWindow:]
	}
	e.served[t.Service] = times
}

// meanServiceTime is the service's recent mean service time.
func (e *Engine) meanServiceTime(service string) time.Duration {
	times := e.served[service]
	if len(times) == 0 {
		return defaultServiceTime
	}
	var sum time.Duration
	for _, d := range times {
		sum += d
	}
	return sum / time.Duration(len(times))
}

// openCounters counts the open counters that serve a service.
func (e *Engine) openCounters(service string) int {
	n := 0
	for _, c := range e.counters {
		if c.State == hallq.CounterOpen && c.Serves(service) {
			n++
		}
	}
	return n
}

// estimateWait is the estimated wait in seconds with ahead people ahead.
func (e *Engine) estimateWait(service string, ahead int) int {
	if ahead <= 0 {
		return 0
	}
	wait := time.Duration(ahead) * e.meanServiceTime(service) / time.Duration(max(1, e.openCounters(service)))
	return int(wait / time.Second)
}
