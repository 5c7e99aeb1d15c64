package hallq

import (
	"maps"
	"slices"
)

// EventHallTargets records a change of the hall's targets: Event.Targets
// are in force from the event on, Event.PreviousTargets were until then.
const EventHallTargets EventType = "hall.targets"

// Targets are what a hall's figures are held against: each service's
// target wait and the hall's goals for the share of waits over target and
// for satisfaction. The hall's log records every change of them
// (EventHallTargets, with the targets before and after), so that every
// report — the hall's own and the central store's — judges a ticket by
// the target in force when it joined its service's queue, and a period by
// the goals in force at its end.
type Targets struct {
	// WaitMin is each service's target wait in minutes; 0 for none.
	WaitMin map[string]int `json:"wait_min"`
	// OverWaitPct: at most this share of waits over their target (default 10).
	OverWaitPct int `json:"over_wait_pct"`
	// SatisfiedPct: at least this share of presses satisfied (default 80).
	SatisfiedPct int `json:"satisfied_pct"`
	// SatisfiedMin: scores at or above it count as satisfied.
	SatisfiedMin int `json:"satisfied_min"`
	// TopScore is the best score of the rating scale ("very satisfied").
	TopScore int `json:"top_score"`
}

// Targets are the targets these settings and services set.
func (s *Settings) Targets(services []Service) Targets {
	t := Targets{WaitMin: map[string]int{}, OverWaitPct: s.TargetOverWaitPct, SatisfiedPct: s.TargetSatisfiedPct,
		SatisfiedMin: s.SatisfiedMin}
	for _, l := range s.RatingScale {
		t.TopScore = max(t.TopScore, l.Score)
	}
	for _, sv := range services {
		t.WaitMin[sv.Code] = sv.TargetWaitMin
	}
	return t
}

// Equal reports whether two sets of targets are the same.
func (t Targets) Equal(o Targets) bool {
	return t.OverWaitPct == o.OverWaitPct && t.SatisfiedPct == o.SatisfiedPct && t.SatisfiedMin == o.SatisfiedMin &&
		t.TopScore == o.TopScore && maps.Equal(t.WaitMin, o.WaitMin)
}

// Clone returns a deep copy.
func (t Targets) Clone() Targets {
	t.WaitMin = maps.Clone(t.WaitMin)
	if t.WaitMin == nil {
		t.WaitMin = map[string]int{}
	}
	return t
}

// Services lists the services that have a target wait entry, sorted.
func (t Targets) Services() []string { return slices.Sorted(maps.Keys(t.WaitMin)) }
