package simday

import (
	"container/heap"
	"context"
	"fmt"
	"time"
)

// Hall is what a simulated day acts on: the queue engine in virtual time
// (EngineHall) or a live hall server (APIHall). Counters are known by
// their hall number.
type Hall interface {
	// Advance returns once the hall's clock reads at least t; a virtual
	// hall just sets its clock.
	Advance(ctx context.Context, t time.Time) error
	Open(ctx context.Context, counter int) error
	Close(ctx context.Context, counter int) error
	// Issue takes a ticket for the visitor and returns its id.
	Issue(ctx context.Context, v *Visitor) (string, error)
	// Next calls the counter's next ticket; "" when nobody waits.
	Next(ctx context.Context, counter int) (string, error)
	Recall(ctx context.Context, counter int) error
	NoShow(ctx context.Context, counter int) error
	Finish(ctx context.Context, counter int) error
	// Transfer sends the counter's ticket to service and returns the new
	// ticket's id.
	Transfer(ctx context.Context, counter int, service string) (string, error)
	// Rate presses the rating pad at the counter.
	Rate(ctx context.Context, counter, score int) error
}

// Booker is a Hall that takes the day's bookings before the day starts
// (EngineHall): its booked visitors then check in with their booking's
// code. A Hall that is not one issues their tickets as it can.
type Booker interface {
	Book(ctx context.Context, midnight time.Time, vs []Visitor) error
}

// Counter is a counter of the simulated hall: its number, the services
// it serves, and when it is open.
type Counter struct {
	ID       int
	Services []string
	// Open are the stretches of the day the counter is staffed; none means
	// from the profile's CountersOpen to the end of the day. At the end of
	// a stretch the officer finishes the citizen at the counter, then
	// closes it.
	Open []Span
}

// Span is a stretch of the day, as durations after local midnight. A To
// that is not after From runs to the end of the day.
type Span struct{ From, To time.Duration }

// Officer behaviour, in the hall's (virtual) time.
const (
	// turnaround is the pause between a finish and the next call: the
	// citizen leaves, the pad is pressed, the officer files the papers.
	turnaround = 20 * time.Second
	// recallAfter and noShowAfter: a citizen who does not come is called
	// again, then marked a no-show.
	recallAfter = time.Minute
	noShowAfter = 2 * time.Minute
	// retryAfter is when an officer tries again after an error.
	retryAfter = 30 * time.Second
)

// Result is what a simulated day did, as the simulator saw it. Figures
// that must be trusted come from the hall's own data, not from here.
type Result struct {
	Issued, Refused     int
	Called, Served      int
	NoShows, Transfers  int
	Rated               int
	Errors              map[string]int // by operation, with the first message
	FirstError          map[string]string
	Started, Ended      time.Time // virtual
	RealStart, RealDone time.Time
}

func (r *Result) fail(op string, err error) {
	if r.Errors == nil {
		r.Errors, r.FirstError = map[string]int{}, map[string]string{}
	}
	if r.Errors[op] == 0 {
		r.FirstError[op] = err.Error()
	}
	r.Errors[op]++
}

// ErrorCount is the number of failed operations.
func (r *Result) ErrorCount() int {
	n := 0
	for _, c := range r.Errors {
		n += c
	}
	return n
}

type kind int

const (
	evArrive kind = iota
	evOpen
	evClose
	evWake
	evRecall
	evNoShow
	evFinish
	evTransfer
	evRate
)

type event struct {
	at      time.Time
	seq     int
	kind    kind
	counter int
	visitor *Visitor
	score   int
	service string
}

type events []*event

func (q events) Len() int { return len(q) }
func (q events) Less(i, j int) bool {
	if c := q[i].at.Compare(q[j].at); c != 0 {
		return c < 0
	}
	return q[i].seq < q[j].seq
}
func (q events) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *events) Push(x any)   { *q = append(*q, x.(*event)) }
func (q *events) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

// visit is a ticket the simulator knows: whose it is, and which leg
// (1, or 2 after a transfer).
type visit struct {
	v   *Visitor
	leg int
}

// Day runs one day.
type Day struct {
	Hall     Hall
	Profile  *Profile
	Counters []Counter
	// Date is the local midnight the day starts at.
	Date time.Time
	// Visitors, if set, are used instead of Profile.Visitors().
	Visitors []Visitor
	// Progress, if set, is called after each arrival.
	Progress func(v *Visitor, r *Result)
	// Until, if set, ends the day at that time even if work is left.
	Until time.Time

	q    events
	seq  int
	busy map[int]bool
	idle map[int]bool
	// closing counters close as soon as they are free; shut ones are
	// closed (a wake-up already queued for them is ignored).
	closing, shut map[int]bool
	visits        map[string]visit
	res           Result
}

func (d *Day) push(e *event) {
	d.seq++
	e.seq = d.seq
	heap.Push(&d.q, e)
}

// Run plays the day to its end: every visitor has arrived and been dealt
// with, and every counter is idle.
func (d *Day) Run(ctx context.Context) (*Result, error) {
	if err := d.Profile.Validate(); err != nil {
		return nil, err
	}
	vs := d.Visitors
	if vs == nil {
		vs = d.Profile.Visitors()
	}
	d.busy, d.idle, d.closing, d.shut, d.visits = map[int]bool{}, map[int]bool{}, map[int]bool{}, map[int]bool{}, map[string]visit{}
	d.res = Result{Started: d.Date.Add(time.Duration(d.Profile.CountersOpen) * time.Minute), RealStart: time.Now()}
	for _, c := range d.Counters {
		if len(c.Open) == 0 {
			d.push(&event{at: d.res.Started, kind: evOpen, counter: c.ID})
		}
		for _, sp := range c.Open {
			d.push(&event{at: d.Date.Add(sp.From), kind: evOpen, counter: c.ID})
			if sp.To > sp.From {
				d.push(&event{at: d.Date.Add(sp.To), kind: evClose, counter: c.ID})
			}
		}
	}
	for i := range vs {
		d.push(&event{at: d.Date.Add(vs[i].At), kind: evArrive, visitor: &vs[i]})
	}
	if b, ok := d.Hall.(Booker); ok {
		if err := b.Book(ctx, d.Date, vs); err != nil {
			return &d.res, err
		}
	}
	for d.q.Len() > 0 {
		e := heap.Pop(&d.q).(*event)
		if !d.Until.IsZero() && e.at.After(d.Until) {
			break
		}
		if err := d.Hall.Advance(ctx, e.at); err != nil {
			return &d.res, err
		}
		if err := ctx.Err(); err != nil {
			return &d.res, err
		}
		d.res.Ended = e.at
		d.step(ctx, e)
	}
	d.res.RealDone = time.Now()
	return &d.res, nil
}

func (d *Day) step(ctx context.Context, e *event) {
	switch e.kind {
	case evOpen:
		if d.closing[e.counter] {
			// Still serving from the last stretch: just stay open.
			d.closing[e.counter] = false
			return
		}
		if err := d.Hall.Open(ctx, e.counter); err != nil {
			d.res.fail("open", err)
			return
		}
		d.shut[e.counter] = false
		// Citizens may be waiting already.
		d.push(&event{at: e.at, kind: evWake, counter: e.counter})
	case evClose:
		d.closing[e.counter] = true
		if !d.busy[e.counter] {
			d.close(ctx, e.counter)
		}
	case evArrive:
		id, err := d.Hall.Issue(ctx, e.visitor)
		if err != nil {
			d.res.Refused++
			d.res.fail("issue", err)
		} else {
			d.res.Issued++
			d.visits[id] = visit{e.visitor, 1}
			d.wakeFor(e.at, e.visitor.Service)
		}
		if d.Progress != nil {
			d.Progress(e.visitor, &d.res)
		}
	case evWake:
		d.call(ctx, e)
	case evRecall:
		if err := d.Hall.Recall(ctx, e.counter); err != nil {
			d.res.fail("recall", err)
		}
	case evNoShow:
		if err := d.Hall.NoShow(ctx, e.counter); err != nil {
			d.res.fail("no-show", err)
		} else {
			d.res.NoShows++
		}
		d.free(e.at.Add(5*time.Second), e.counter)
	case evFinish:
		if err := d.Hall.Finish(ctx, e.counter); err != nil {
			d.res.fail("finish", err)
		} else {
			d.res.Served++
			if e.score > 0 {
				d.push(&event{at: e.at.Add(e.visitor.RateAfter), kind: evRate, counter: e.counter, score: e.score})
			}
		}
		d.free(e.at.Add(turnaround), e.counter)
	case evTransfer:
		id, err := d.Hall.Transfer(ctx, e.counter, e.service)
		if err != nil {
			d.res.fail("transfer", err)
		} else {
			d.res.Transfers++
			d.visits[id] = visit{e.visitor, 2}
			d.wakeFor(e.at, e.service)
		}
		d.free(e.at.Add(turnaround), e.counter)
	case evRate:
		if err := d.Hall.Rate(ctx, e.counter, e.score); err != nil {
			d.res.fail("rate", err)
		} else {
			d.res.Rated++
		}
	}
}

// call is an officer at a free counter calling the next ticket.
func (d *Day) call(ctx context.Context, e *event) {
	c := e.counter
	if d.busy[c] || d.shut[c] {
		return
	}
	if d.closing[c] {
		d.close(ctx, c)
		return
	}
	id, err := d.Hall.Next(ctx, c)
	if err != nil {
		d.res.fail("next", err)
		d.push(&event{at: e.at.Add(retryAfter), kind: evWake, counter: c})
		return
	}
	if id == "" {
		d.idle[c] = true
		return
	}
	d.res.Called++
	d.busy[c], d.idle[c] = true, false
	vi, ok := d.visits[id]
	if !ok {
		// A ticket someone else issued: serve it for a mean time.
		d.push(&event{at: e.at.Add(d.Profile.ServiceMean), kind: evFinish, counter: c, visitor: &Visitor{}})
		return
	}
	v := vi.v
	switch {
	case vi.leg == 1 && v.NoShow:
		d.push(&event{at: e.at.Add(recallAfter), kind: evRecall, counter: c})
		d.push(&event{at: e.at.Add(noShowAfter), kind: evNoShow, counter: c})
	case vi.leg == 1 && v.TransferTo != "":
		d.push(&event{at: e.at.Add(v.ServiceTime), kind: evTransfer, counter: c, visitor: v, service: v.TransferTo})
	case vi.leg == 1:
		d.push(&event{at: e.at.Add(v.ServiceTime), kind: evFinish, counter: c, visitor: v, score: v.Score})
	default:
		d.push(&event{at: e.at.Add(v.ServiceTime2), kind: evFinish, counter: c, visitor: v, score: v.Score})
	}
}

// close closes a free counter for the day's rest (or until it opens again).
func (d *Day) close(ctx context.Context, c int) {
	d.closing[c], d.idle[c], d.shut[c] = false, false, true
	if err := d.Hall.Close(ctx, c); err != nil {
		d.res.fail("close", err)
	}
}

func (d *Day) free(at time.Time, counter int) {
	d.busy[counter] = false
	d.push(&event{at: at, kind: evWake, counter: counter})
}

// wakeFor wakes the idle counters that serve a service.
func (d *Day) wakeFor(at time.Time, service string) {
	for _, c := range d.Counters {
		if !d.idle[c.ID] || d.busy[c.ID] {
			continue
		}
		for _, s := range c.Services {
			if s == service {
				d.idle[c.ID] = false
				d.push(&event{at: at, kind: evWake, counter: c.ID})
				break
			}
		}
	}
}

// String is a one-line summary.
func (r *Result) String() string {
	return fmt.Sprintf("issued %d (refused %d), called %d, served %d, no-shows %d, transfers %d, ratings %d, errors %d",
		r.Issued, r.Refused, r.Called, r.Served, r.NoShows, r.Transfers, r.Rated, r.ErrorCount())
}
