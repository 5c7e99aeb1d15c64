package queue

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hallq/hallq"
)

// steps plays the forecast one ticket at a time, the plain way run's
// phases must agree with: the counter free soonest (lowest index on a tie)
// takes the first class it ranks that has someone waiting, tickets
// expected by then included (a transfer that has come first, then the
// real tickets, then visitors); with nobody, it waits for the next ticket
// expected in one of its classes.
func (f *forecast) steps(target, r int, took func(k, j int, at time.Duration)) (time.Duration, bool) {
	if target >= 0 {
		f.classes[target].back.on = false
		f.classes[target].due.on = false
	}
	left := f.realTickets()
	if took != nil && left == 0 {
		return 0, true
	}
	for range 1_000_000 {
		var best *fcCounter
		for i := range f.counters {
			if fc := &f.counters[i]; fc.free < forecastHorizon && (best == nil || fc.free < best.free) {
				best = fc
			}
		}
		if best == nil {
			return 0, false
		}
		at := best.free
		for k := range f.classes {
			f.classes[k].admit(at)
		}
		choice := -1
		for _, k := range best.ranks {
			if f.classes[k].avail() > 0 {
				choice = k
				break
			}
		}
		if choice < 0 {
			best.free = forecastHorizon
			for _, k := range best.ranks {
				best.free = min(best.free, f.classes[k].next())
			}
			continue
		}
		c := &f.classes[choice]
		c.taken++
		best.free += c.occ
		switch {
		case c.front.admitted > c.frontTaken:
			c.frontTaken++
		case c.realTaken < c.real:
			c.realTaken++
			if took != nil {
				took(choice, c.realTaken, at)
				if left--; left == 0 {
					return 0, true
				}
			}
			if choice == target && c.realTaken == r {
				return at, true
			}
		}
	}
	panic("steps: no end")
}

// TestForecastPhasesMatchSteps plays random hall days and compares, at
// random moments, every estimate the phases give with the plain play:
// each waiting ticket's, a new ticket's in every service, and the whole
// queue's at once (the waiting list), under every policy.
func TestForecastPhasesMatchSteps(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	compared, withDue := 0, 0
	for _, policy := range []string{hallq.PolicyStrict, hallq.PolicyAging, hallq.PolicyInterleave} {
		for round := range 12 {
			h := newHall(t, func(st *State) {
				st.Settings.PriorityPolicy = policy
				st.Settings.AgingMinutes = 20
				st.Settings.InterleaveN = 2
			})
			if round%2 == 1 {
				// The day's arrival forecast (C left to the pace in
				// some rounds) and usual occupancies.
				f := ArrivalForecast{Day: h.e.day, Hours: map[string][24]float64{}}
				for _, s := range []string{"A", "B", "C"}[:2+round%3/2] {
					var hours [24]float64
					for hr := 7; hr < 18; hr++ {
						hours[hr] = 12 * rng.Float64()
					}
					f.Hours[s] = hours
				}
				if err := h.e.SetArrivalForecast(f); err != nil {
					t.Fatal(err)
				}
				if err := h.e.SetUsualOccupancy(map[string]time.Duration{"A": time.Duration(1+rng.IntN(600)) * time.Second}); err != nil {
					t.Fatal(err)
				}
			}
			officers := map[int]Actor{1: ann, 2: bob, 3: {User: "cal", Role: hallq.RoleOfficer}}
			for c, by := range officers {
				if rng.IntN(4) > 0 {
					h.open(c, by)
				}
			}
			// Bookings of A and B for the rest of the day in some rounds,
			// checked in as the day goes on (or missed, or cancelled).
			var codes []string
			if round%3 != 2 {
				for _, s := range []string{"A", "B"} {
					b := hallq.DefaultBookingSettings()
					b.Capacity = 3
					h.e.services[s].Booking = &b
				}
				for slot := h.now.Add(15 * time.Minute); slot.Hour() < 17; slot = slot.Add(15 * time.Minute) {
					for range rng.IntN(4) {
						code := fmt.Sprintf("K%05d", len(codes))
						_, ch, err := h.e.Book(h.now, BookRequest{Service: []string{"A", "B"}[rng.IntN(2)], Start: slot, Name: "An",
							Phone: "0905123456", Code: code, Secret: "s"}, Actor{})
						if err == nil {
							h.apply(ch)
							codes = append(codes, code)
						}
					}
				}
			}
			for step := range 300 {
				h.advance(time.Duration(rng.IntN(240)) * time.Second)
				h.tick()
				if round%3 != 2 && rng.IntN(2) == 0 {
					h.apply(h.e.ExpireBookings(h.now))
					for range 3 {
						code := codes[rng.IntN(len(codes))]
						if rng.IntN(20) == 0 {
							if _, ch, err := h.e.CancelBooking(h.now, code, "s", Actor{}); err == nil {
								h.apply(ch)
							}
						} else if _, _, ch, err := h.e.CheckIn(h.now, CheckInRequest{Code: code, ID: fmt.Sprintf("b%d-%d", step, rng.Int()), Secret: "s"}); err == nil {
							h.apply(ch)
						}
					}
				}
				switch x := rng.IntN(10); {
				case x < 5:
					prio := ""
					if rng.IntN(6) == 0 {
						prio = "elderly"
					}
					if _, ch, err := h.e.Issue(h.now, h.req([]string{"A", "A", "B", "C"}[rng.IntN(4)], prio)); err == nil {
						h.apply(ch)
					}
				default:
					c := 1 + rng.IntN(3)
					by := officers[c]
					if h.e.counters[c].State != hallq.CounterOpen {
						h.open(c, by)
						continue
					}
					if h.e.counters[c].CurrentID != "" {
						if rng.IntN(4) == 0 {
							to := []string{"A", "B", "C"}[rng.IntN(3)]
							if _, ch, err := h.e.Transfer(h.now, c, to, by); err == nil {
								h.apply(ch)
								continue
							}
						}
						h.finish(c, by)
					} else if _, ch, err := h.e.Next(h.now, c, by); err == nil {
						h.apply(ch)
					}
				}
				if step%7 != 0 {
					continue
				}
				where := fmt.Sprintf("%s round %d step %d", policy, round, step)
				check := func(what string, t0 *hallq.Ticket, extra bool) {
					t.Helper()
					f1, f2 := h.e.newForecast(h.now, t0.Service, false), h.e.newForecast(h.now, t0.Service, false)
					if f1 == nil {
						return
					}
					k, j := f1.place(t0, extra)
					f2.place(t0, extra)
					for _, c := range f1.classes {
						if c.due.on {
							withDue++
							break
						}
					}
					w1, ok1 := f1.run(k, j, nil)
					w2, ok2 := f2.steps(k, j, nil)
					if w1 != w2 || ok1 != ok2 {
						t.Fatalf("%s: %s: phases give %v %v, steps %v %v", where, what, w1, ok1, w2, ok2)
					}
					compared++
				}
				for _, s := range []string{"A", "B", "C"} {
					check("new ticket in "+s, &hallq.Ticket{ID: "\xff", Service: s, IssuedAt: h.now, Number: 1 << 30, State: hallq.StateWaiting}, true)
					for _, w := range h.e.waitingOf(s) {
						check("ticket "+w.ID, w, false)
					}
					f1, f2 := h.e.newForecast(h.now, s, true), h.e.newForecast(h.now, s, true)
					if f1 == nil {
						continue
					}
					got, want := map[[2]int]time.Duration{}, map[[2]int]time.Duration{}
					_, ok1 := f1.run(-1, 0, func(k, j int, at time.Duration) { got[[2]int{k, j}] = at })
					_, ok2 := f2.steps(-1, 0, func(k, j int, at time.Duration) { want[[2]int{k, j}] = at })
					if ok1 != ok2 || len(got) != len(want) {
						t.Fatalf("%s: whole queue of %s: phases took %d (%v), steps %d (%v)", where, s, len(got), ok1, len(want), ok2)
					}
					for kj, at := range want {
						if got[kj] != at {
							t.Fatalf("%s: whole queue of %s: class %d place %d: phases %v, steps %v", where, s, kj[0], kj[1], got[kj], at)
						}
					}
				}
			}
		}
	}
	t.Logf("%d estimates compared, %d with bookings still to come", compared, withDue)
	if withDue < compared/4 {
		t.Errorf("only %d of %d estimates had bookings to come: the days book too little", withDue, compared)
	}
}
