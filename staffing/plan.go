package staffing

import (
	"cmp"
	"context"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/forecast"
	"github.com/hallq/hallq/server/queue"
	"github.com/hallq/hallq/simday"
)

// Options tune a plan. The zero value plans for 90 % within target on
// each of 20 simulated days (that the hall's counters can serve at all).
type Options struct {
	// Goal is the share of citizens to call within their service's target
	// wait (default 0.9).
	Goal float64
	// Replications is how many days drawn from the forecast each plan is
	// played on (default 20). The plan must meet the goal in each hour
	// over all of them, and over the whole day on DayShare of them.
	Replications int
	// DayShare is the share of drawn days that must meet the goal over the
	// whole day (default 1: every one the hall's counters can bring to the
	// goal at all — with twenty days, that makes nine real days in ten;
	// fewer leans on the luck of the days drawn).
	DayShare float64
	// Seed makes the drawn days reproducible.
	Seed uint64
}

func (o Options) withDefaults() Options {
	if o.Goal <= 0 || o.Goal > 1 {
		o.Goal = 0.9
	}
	if o.Replications <= 0 {
		o.Replications = 20
	}
	if o.DayShare <= 0 || o.DayShare > 1 {
		o.DayShare = 1
	}
	return o
}

// Plan is a day's staffing plan.
type Plan struct {
	Date time.Time
	// Hours run from the first hour citizens are expected to the last;
	// the counters of the last hour serve until the queue is empty.
	Hours []Hour
	// Within is the share of the drawn days' citizens called within
	// target under the plan; DaysMet the share of drawn days that met the
	// goal over the whole day. Both leave out the days that not even every
	// counter open all day could bring to the goal (a surge beyond the
	// hall): Beyond is their share of the drawn days.
	Within, DaysMet, Beyond float64
	// Met says the plan meets the goal; false when even every counter that
	// could help was not enough (the hours short of it say where).
	Met bool
	// Simulations is how many days the engine played to make the plan.
	Simulations int
}

// Hour is one hour of a plan.
type Hour struct {
	Hour int // local hour of the day
	// Counters are the counters to open, by number.
	Counters []int
	// Erlang is the formula's first guess of how many (per service, added
	// up: counters shared by services are not counted twice).
	Erlang int
	// Arrivals are the citizens expected in the hour (forecast mean).
	Arrivals float64
	// Within is the simulated share called within target of the citizens
	// who arrive in the hour.
	Within float64
}

// CounterHours is the plan's counters × hours.
func (p *Plan) CounterHours() int {
	n := 0
	for _, h := range p.Hours {
		n += len(h.Counters)
	}
	return n
}

// Counters is how many counters the plan opens in local hour h (0 outside
// its hours).
func (p *Plan) Counters(h int) int {
	for _, ph := range p.Hours {
		if ph.Hour == h {
			return len(ph.Counters)
		}
	}
	return 0
}

// planner holds what planning one day needs.
type planner struct {
	st       queue.State
	date     time.Time // local midnight
	opt      Options
	b        *Behaviour
	f        *forecast.DayForecast
	first    int // first and last hours with citizens expected (-1: none)
	last     int
	counters map[int][]string
	targets  map[string]time.Duration
	days     [][]simday.Visitor // the drawn days, the same for every try
	sims     int
	// drawn days, and those of them that every counter could not bring
	// to the goal.
	drawn, beyond int
}

// Make plans the day of forecast f in the hall st (its services' targets
// and which counters serve what; its tickets are not used), with citizens
// behaving as b. The day is played in the hall's zone.
func Make(ctx context.Context, st queue.State, f *forecast.DayForecast, b *Behaviour, opt Options) (*Plan, error) {
	p, err := newPlanner(st, f, b, opt)
	if err != nil {
		return nil, err
	}
	plan := &Plan{Date: f.Date}
	if p.last < 0 {
		plan.Met, plan.Within, plan.DaysMet = true, 1, 1
		return plan, nil
	}
	sched := make([][]int, p.last-p.first+1)
	erlang := make([]int, len(sched))
	for i := range sched {
		sched[i], erlang[i] = p.firstGuess(p.first + i)
	}
	if p.days, err = p.withinReach(ctx, p.drawDays(0)); err != nil {
		return nil, err
	}
	ev, err := p.improve(ctx, sched)
	if err != nil {
		return nil, err
	}
	// A plan fitted to its drawn days can lean on their luck: play it on
	// days it has not seen, and where it falls short there, learn from
	// them too. (A plan that cannot meet the goal has nothing to check.)
	for round := 1; round <= checkRounds && ev.meets(p.opt.Goal); round++ {
		fresh, err := p.withinReach(ctx, p.drawDays(round))
		if err != nil {
			return nil, err
		}
		held, err := p.evaluateOn(ctx, sched, fresh)
		if err != nil {
			return nil, err
		}
		if held.meets(p.opt.Goal) {
			break
		}
		p.days = append(p.days, fresh...)
		if ev, err = p.improve(ctx, sched); err != nil {
			return nil, err
		}
	}
	for i := range sched {
		h := p.first + i
		plan.Hours = append(plan.Hours, Hour{Hour: h, Counters: sched[i], Erlang: erlang[i],
			Arrivals: f.Total.Hours[h].Mean, Within: ev.hourShare(i)})
	}
	plan.Within, plan.DaysMet, plan.Met = ev.share(), ev.daysMet(p.opt.Goal), ev.meets(p.opt.Goal)
	plan.Beyond = float64(p.beyond) / float64(p.drawn)
	plan.Simulations = p.sims
	return plan, nil
}

// Check plays a plan on other days drawn from its forecast (opt.Seed
// should differ from the plan's) and says how it did on those within the
// hall's reach (as Plan.Within and DaysMet): the share called within
// target, and the share of days that met the goal.
func Check(ctx context.Context, st queue.State, f *forecast.DayForecast, b *Behaviour, plan *Plan, opt Options) (within, daysMet float64, err error) {
	p, err := newPlanner(st, f, b, opt)
	if err != nil || len(plan.Hours) == 0 {
		return 1, 1, err
	}
	p.first, p.last = plan.Hours[0].Hour, plan.Hours[len(plan.Hours)-1].Hour
	sched := make([][]int, len(plan.Hours))
	for i, h := range plan.Hours {
		sched[i] = h.Counters
	}
	if p.days, err = p.withinReach(ctx, p.drawDays(0)); err != nil {
		return 0, 0, err
	}
	ev, err := p.evaluate(ctx, sched)
	if err != nil {
		return 0, 0, err
	}
	return ev.share(), ev.daysMet(p.opt.Goal), nil
}

// newPlanner draws the days a plan is played on.
func newPlanner(st queue.State, f *forecast.DayForecast, b *Behaviour, opt Options) (*planner, error) {
	opt = opt.withDefaults()
	loc, err := st.Settings.Location()
	if err != nil {
		return nil, err
	}
	y, m, d := f.Date.Date()
	p := &planner{st: emptyHall(st), date: time.Date(y, m, d, 0, 0, 0, 0, loc), opt: opt, b: b, f: f,
		counters: map[int][]string{}, targets: map[string]time.Duration{}, first: -1, last: -1}
	for _, c := range st.Counters {
		p.counters[c.ID] = c.Services
	}
	for _, s := range st.Services {
		p.targets[s.Code] = time.Duration(s.TargetWaitMin) * time.Minute
	}
	for h := range 24 {
		if f.Total.Hours[h].Mean >= 0.05 {
			if p.first < 0 {
				p.first = h
			}
			p.last = h
		}
	}
	return p, nil
}

// withinReach keeps the drawn days that the hall can bring to the goal
// with every counter open all day: a plan can do no better than that on
// the others (a surge beyond the hall), which would otherwise hide what
// the rest need. When most days are beyond it, all are kept.
func (p *planner) withinReach(ctx context.Context, days [][]simday.Visitor) ([][]simday.Visitor, error) {
	all := make([][]int, p.last-p.first+1)
	for i := range all {
		for _, c := range p.st.Counters {
			all[i] = append(all[i], c.ID)
		}
	}
	ev, err := p.evaluateOn(ctx, all, days)
	if err != nil {
		return nil, err
	}
	var out [][]simday.Visitor
	for i, s := range ev.dayShares {
		if s >= p.opt.Goal {
			out = append(out, days[i])
		}
	}
	p.drawn += len(days)
	p.beyond += len(days) - len(out)
	if 2*len(out) < len(days) {
		return days, nil
	}
	return out, nil
}

// checkRounds is how many times a plan is checked on days it has not seen.
const checkRounds = 3

// drawDays draws set n of Replications days (set 0 is the plan's own).
func (p *planner) drawDays(n int) [][]simday.Visitor {
	var out [][]simday.Visitor
	for r := range p.opt.Replications {
		out = append(out, p.draw(rand.New(rand.NewPCG(p.opt.Seed+uint64(n)<<32, uint64(r)))))
	}
	return out
}

// emptyHall is the hall with no tickets, its counters closed.
func emptyHall(st queue.State) queue.State {
	out := queue.State{Settings: st.Settings, Services: st.Services}
	for _, c := range st.Counters {
		c.State, c.Officer, c.CurrentID, c.Current, c.SincePriority = hallq.CounterClosed, "", "", nil, 0
		out.Counters = append(out.Counters, c)
	}
	return out
}

// meanService is a service's mean time at a counter, with the officer's
// turnaround, and no-shows costing the recall and the wait for them.
func (p *planner) meanService(code string) time.Duration {
	ts := p.b.ServiceTimes[code]
	mean := 6 * time.Minute
	if len(ts) > 0 {
		var s time.Duration
		for _, t := range ts {
			s += t
		}
		mean = s / time.Duration(len(ts))
	}
	const turnaround, noShow = 20 * time.Second, 2*time.Minute + 5*time.Second
	return time.Duration((1-p.b.NoShow)*float64(mean+turnaround) + p.b.NoShow*float64(noShow))
}

// firstGuess is hour h's counters by Erlang C, and how many that is.
// Erlang C sees one queue: the hall's load with its mean service time
// and its citizens' mean target. The counters are then chosen one by one
// for the services with the most load still uncovered (a counter takes
// about one Erlang of its first such service), and so that every service
// expected in the hour has a counter that calls it.
func (p *planner) firstGuess(h int) ([]int, int) {
	load := map[string]float64{}
	var lambda, work, wait float64
	for _, sf := range p.f.Services {
		l := sf.Hours[h].Mean
		// Transfers bring citizens on to other services.
		for from, tos := range p.b.TransferTo {
			n := 0
			for _, c := range tos {
				n += c
			}
			if src := p.f.Service(from); src != nil && n > 0 {
				l += src.Hours[h].Mean * p.b.Transfer * float64(tos[sf.Service]) / float64(n)
			}
		}
		if l <= 0 {
			continue
		}
		m := p.meanService(sf.Service).Minutes()
		target := p.targets[sf.Service]
		if target <= 0 {
			target = 30 * time.Minute
		}
		load[sf.Service] = l * m / 60
		lambda += l
		work += l * m
		wait += l * target.Minutes()
	}
	if lambda == 0 {
		return nil, 0
	}
	n := ErlangCounters(lambda, work/lambda, wait/lambda, p.opt.Goal)
	var open []int
	for len(open) < n || p.uncovered(open, load) {
		best, bestScore := 0, -1.0
		for _, c := range p.st.Counters {
			if slices.Contains(open, c.ID) {
				continue
			}
			score, weight := 0.0, 1.0
			for _, code := range c.Services {
				if load[code] > 0 {
					score += weight * load[code]
					if p.serving(open, code) == 0 {
						score += 100 // the only way to call this service
					}
				}
				weight /= 2
			}
			if score > bestScore {
				best, bestScore = c.ID, score
			}
		}
		if best == 0 || bestScore <= 0 {
			break
		}
		open = append(open, best)
		for _, code := range p.counters[best] {
			if load[code] > 0 {
				load[code] = max(0, load[code]-1)
				break
			}
		}
	}
	slices.Sort(open)
	return open, n
}

// uncovered reports whether a service with load has no counter in open.
func (p *planner) uncovered(open []int, load map[string]float64) bool {
	for code, l := range load {
		if l > 0 && p.serving(open, code) == 0 {
			return true
		}
	}
	return false
}

// serving counts the counters in open that serve code.
func (p *planner) serving(open []int, code string) int {
	n := 0
	for _, c := range open {
		if slices.Contains(p.counters[c], code) {
			n++
		}
	}
	return n
}

// pick is the counter not in open that serves code soonest in its order
// of preference (the lowest number among equals); 0 if none.
func (p *planner) pick(open []int, code string) int {
	best, bestPos := 0, 0
	for _, c := range p.st.Counters {
		if slices.Contains(open, c.ID) {
			continue
		}
		pos := slices.Index(c.Services, code)
		if pos < 0 {
			continue
		}
		if best == 0 || pos < bestPos || pos == bestPos && c.ID < best {
			best, bestPos = c.ID, pos
		}
	}
	return best
}

// improve plays the plan, adds counters where hours miss the goal, then
// takes away those the hours do not need. A day the counters cannot
// bring to the goal (a peak beyond them all) keeps what helps and no more.
func (p *planner) improve(ctx context.Context, sched [][]int) (*evaluation, error) {
	ev, err := p.evaluate(ctx, sched)
	if err != nil {
		return nil, err
	}
	stuck := map[int]bool{} // hours where another counter does not help
	for range len(sched) * len(p.counters) {
		i := ev.worstHour(p.opt.Goal, stuck)
		if i < 0 {
			break
		}
		was := slices.Clone(sched)
		// Where the hour itself has no counter left to open, an earlier one
		// can keep the queue from building up.
		if !p.add(sched, i, ev.over[i]) && (i == 0 || !p.add(sched, i-1, ev.over[i])) {
			stuck[i] = true
			continue
		}
		next, err := p.evaluate(ctx, sched)
		if err != nil {
			return nil, err
		}
		if !next.better(ev, i, p.opt.Goal) {
			copy(sched, was)
			stuck[i] = true
			continue
		}
		ev = next
	}
	// Take away one counter at a time, from the hour with the most room,
	// while no hour is made worse than the goal (or than it was).
	tried := map[int]bool{}
	for {
		i := ev.roomiest(tried, sched)
		if i < 0 {
			return ev, nil
		}
		tried[i] = true
		c := p.spare(sched[i], i, ev)
		if c == 0 {
			continue
		}
		was := sched[i]
		sched[i] = slices.DeleteFunc(slices.Clone(was), func(x int) bool { return x == c })
		next, err := p.evaluate(ctx, sched)
		if err != nil {
			return nil, err
		}
		if next.noWorse(ev, p.opt.Goal) {
			ev = next
			delete(tried, i) // it may give up another
		} else {
			sched[i] = was
		}
	}
}

// add opens one more counter in hour i for the service with the most
// citizens over target (over, counted per service); false if none can be.
func (p *planner) add(sched [][]int, i int, over map[string]int) bool {
	codes := make([]string, 0, len(p.targets))
	for code := range p.targets {
		codes = append(codes, code)
	}
	slices.SortFunc(codes, func(a, b string) int { return cmp.Or(cmp.Compare(over[b], over[a]), cmp.Compare(a, b)) })
	for _, code := range codes {
		if c := p.pick(sched[i], code); c != 0 {
			sched[i] = append(slices.Clone(sched[i]), c)
			slices.Sort(sched[i])
			return true
		}
	}
	return false
}

// spare is the counter of hour i whose services had the least trouble
// then (the last preferred among equals); 0 if the hour cannot give one
// up (each service with citizens keeps a counter).
func (p *planner) spare(open []int, i int, ev *evaluation) int {
	if len(open) <= 1 {
		return 0
	}
	best, bestOver := 0, 0
	for _, c := range slices.Backward(open) {
		rest := slices.DeleteFunc(slices.Clone(open), func(x int) bool { return x == c })
		ok := true
		for _, sf := range p.f.Services {
			if sf.Hours[p.first+i].Mean >= 0.05 && p.serving(rest, sf.Service) == 0 {
				ok = false
			}
		}
		if !ok {
			continue
		}
		over := 0
		for _, code := range p.counters[c] {
			over += ev.over[i][code]
		}
		if best == 0 || over < bestOver {
			best, bestOver = c, over
		}
	}
	return best
}
