package staffing

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/server/queue"
	"github.com/hallq/hallq/simday"
)

// evaluation is a plan played on the drawn days.
type evaluation struct {
	dayShare      float64          // the share of drawn days that must meet the goal
	within, count []int            // per plan hour, over all days
	over          []map[string]int // per plan hour and service
	dayShares     []float64        // per drawn day
}

func (e *evaluation) hourShare(i int) float64 {
	if e.count[i] == 0 {
		return 1
	}
	return float64(e.within[i]) / float64(e.count[i])
}

func (e *evaluation) share() float64 {
	w, n := 0, 0
	for i := range e.count {
		w += e.within[i]
		n += e.count[i]
	}
	if n == 0 {
		return 1
	}
	return float64(w) / float64(n)
}

func (e *evaluation) daysMet(goal float64) float64 {
	if len(e.dayShares) == 0 {
		return 1
	}
	met := 0
	for _, s := range e.dayShares {
		if s >= goal {
			met++
		}
	}
	return float64(met) / float64(len(e.dayShares))
}

// meets: every hour over all drawn days, and the whole day on enough of them.
func (e *evaluation) meets(goal float64) bool {
	for i := range e.count {
		if e.hourShare(i) < goal {
			return false
		}
	}
	return e.daysMet(goal) >= e.dayShare
}

// better reports whether e improves on before where it was needed: hour
// i's share, the day's, or the share of drawn days meeting the goal.
func (e *evaluation) better(before *evaluation, i int, goal float64) bool {
	const eps = 1e-9
	return e.hourShare(i) > before.hourShare(i)+eps || e.share() > before.share()+eps || e.daysMet(goal) > before.daysMet(goal)+eps
}

// noWorse reports whether e, with a counter fewer, still serves as well as
// needed: each hour that met the goal still does, no other hour falls,
// and as many drawn days meet it (or enough).
func (e *evaluation) noWorse(before *evaluation, goal float64) bool {
	for i := range e.count {
		if e.hourShare(i) < min(goal, before.hourShare(i)) {
			return false
		}
	}
	return e.daysMet(goal) >= min(e.dayShare, before.daysMet(goal))
}

// worstHour is the first hour that misses the goal (an early backlog
// spoils the hours after it), or, when every hour meets it but too many
// days do not, the weakest hour; -1 when the plan meets the goal. Hours
// in skip are passed over.
func (e *evaluation) worstHour(goal float64, skip map[int]bool) int {
	for i := range e.count {
		if !skip[i] && e.hourShare(i) < goal {
			return i
		}
	}
	if e.daysMet(goal) >= e.dayShare {
		return -1
	}
	worst := -1
	for i := range e.count {
		if !skip[i] && e.count[i] > 0 && (worst < 0 || e.hourShare(i) < e.hourShare(worst)) {
			worst = i
		}
	}
	return worst
}

// roomiest is the hour not in tried with the best share and more than one
// counter; -1 if none.
func (e *evaluation) roomiest(tried map[int]bool, sched [][]int) int {
	best := -1
	for i := range e.count {
		if tried[i] || len(sched[i]) <= 1 {
			continue
		}
		if best < 0 || e.hourShare(i) > e.hourShare(best) {
			best = i
		}
	}
	return best
}

// evaluate plays the schedule on every drawn day.
func (p *planner) evaluate(ctx context.Context, sched [][]int) (*evaluation, error) {
	return p.evaluateOn(ctx, sched, p.days)
}

// evaluateOn plays the schedule on days.
func (p *planner) evaluateOn(ctx context.Context, sched [][]int, days [][]simday.Visitor) (*evaluation, error) {
	ev := &evaluation{dayShare: p.opt.DayShare, within: make([]int, len(sched)), count: make([]int, len(sched)), over: make([]map[string]int, len(sched))}
	for i := range ev.over {
		ev.over[i] = map[string]int{}
	}
	for r, vs := range days {
		tickets, err := play(ctx, p.st, p.date, p.first, sched, vs, p.opt.Seed+uint64(r))
		if err != nil {
			return nil, err
		}
		p.sims++
		w, n := 0, 0
		for _, t := range tickets {
			target := p.targets[t.Service]
			if t.TransferredFrom != "" || target <= 0 {
				continue
			}
			i := t.IssuedAt.In(p.date.Location()).Hour() - p.first
			i = max(0, min(len(sched)-1, i))
			n++
			ev.count[i]++
			if t.CalledAt != nil && t.CalledAt.Sub(t.IssuedAt) <= target {
				w++
				ev.within[i]++
			} else {
				ev.over[i][t.Service]++
			}
		}
		share := 1.0
		if n > 0 {
			share = float64(w) / float64(n)
		}
		ev.dayShares = append(ev.dayShares, share)
	}
	return ev, nil
}

// play runs visitors through the hall on the engine with the counters of
// sched (hour first+i in sched[i]) and returns the day's tickets.
func play(ctx context.Context, st queue.State, date time.Time, first int, sched [][]int, vs []simday.Visitor, seed uint64) ([]hallq.Ticket, error) {
	h, err := simday.NewEngineHall(st, seed)
	if err != nil {
		return nil, err
	}
	var counters []simday.Counter
	for _, c := range st.Counters {
		sc := simday.Counter{ID: c.ID, Services: c.Services}
		for i, open := range sched {
			if !slices.Contains(open, c.ID) {
				continue
			}
			from, to := time.Duration(first+i)*time.Hour, time.Duration(first+i+1)*time.Hour
			if i == len(sched)-1 {
				to = 0 // the last hour's counters serve until the queue is empty
			}
			if n := len(sc.Open); n > 0 && sc.Open[n-1].To == from {
				sc.Open[n-1].To = to
			} else {
				sc.Open = append(sc.Open, simday.Span{From: from, To: to})
			}
		}
		if len(sc.Open) > 0 {
			counters = append(counters, sc)
		}
	}
	profile := simday.StandardDay() // only its officers' defaults are used
	profile.Arrivals = len(vs)
	day := &simday.Day{Hall: h, Profile: &profile, Counters: counters, Date: date, Visitors: vs}
	res, err := day.Run(ctx)
	if err != nil {
		return nil, err
	}
	if n := res.ErrorCount(); n > 0 && res.Errors["issue"] != n {
		return nil, fmt.Errorf("staffing: playing the plan: %v", res.FirstError)
	}
	return h.Tickets(), nil
}

// Outcome is what a plan did with a real day's citizens.
type Outcome struct {
	// Citizens with a target, and those called within it.
	Count, Within int
}

// Share is the share called within target.
func (o Outcome) Share() float64 {
	if o.Count == 0 {
		return 1
	}
	return float64(o.Within) / float64(o.Count)
}

// Replay plays visitors (a day as it happened) through the hall with the
// plan's counters.
func Replay(ctx context.Context, st queue.State, plan *Plan, vs []simday.Visitor) (Outcome, error) {
	var out Outcome
	if len(plan.Hours) == 0 {
		return out, fmt.Errorf("staffing: the plan for %s opens no counter", plan.Date.Format(time.DateOnly))
	}
	loc, err := st.Settings.Location()
	if err != nil {
		return out, err
	}
	y, m, d := plan.Date.Date()
	date := time.Date(y, m, d, 0, 0, 0, 0, loc)
	sched := make([][]int, len(plan.Hours))
	for i, h := range plan.Hours {
		sched[i] = h.Counters
	}
	// Citizens before the plan's first hour wait for it.
	tickets, err := play(ctx, emptyHall(st), date, plan.Hours[0].Hour, sched, vs, 1)
	if err != nil {
		return out, err
	}
	targets := map[string]time.Duration{}
	for _, s := range st.Services {
		targets[s.Code] = time.Duration(s.TargetWaitMin) * time.Minute
	}
	for _, t := range tickets {
		target := targets[t.Service]
		if t.TransferredFrom != "" || target <= 0 {
			continue
		}
		out.Count++
		if t.CalledAt != nil && t.CalledAt.Sub(t.IssuedAt) <= target {
			out.Within++
		}
	}
	return out, nil
}
