package report

import (
	"math"
	"strconv"

	"github.com/hallq/hallq"
)

// Targets are the targets figures are held against (see hallq.Targets):
// the goals in force at the end of a report's range.
type Targets = hallq.Targets

// Figures are the reported figures of one group (docs/REPORTS.md defines
// each). Figures that cannot be computed (no tickets of that kind) are
// nil, which JSON shows as null.
type Figures struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	// Day is the group's day when a report is grouped by day as well.
	Day string `json:"day,omitempty"`

	Issued      int      `json:"issued"`
	Calls       int      `json:"calls"`
	Served      int      `json:"served"`
	NoShows     int      `json:"no_shows"`
	NoShowPct   *float64 `json:"no_show_pct"` // of issued
	Cancelled   int      `json:"cancelled"`
	Transferred int      `json:"transferred"`
	Waiting     int      `json:"waiting,omitempty"`
	// Closed at end of day, by the state the ticket was in then.
	ClosedWaiting int `json:"closed_waiting"`
	ClosedCalled  int `json:"closed_called"`
	ClosedServing int `json:"closed_serving"`

	WaitMeanS   *float64 `json:"wait_mean_s"`
	WaitMedianS *float64 `json:"wait_median_s"`
	WaitP90S    *float64 `json:"wait_p90_s"`
	WaitMaxS    *float64 `json:"wait_max_s"`

	ServiceMeanS   *float64 `json:"service_mean_s"`
	ServiceMedianS *float64 `json:"service_median_s"`

	WithinTargetPct *float64 `json:"within_target_pct"`
	OverTargetPct   *float64 `json:"over_target_pct"`
	OverTargetMiss  bool     `json:"over_target_missed"`

	Rated            int      `json:"rated"`     // served tickets that took a press
	RatedPct         *float64 `json:"rated_pct"` // of served
	Presses          int      `json:"presses"`   // every press, with a ticket or without
	Unattached       int      `json:"unattached_presses"`
	SatisfiedPct     *float64 `json:"satisfied_pct"`      // of presses
	VerySatisfiedPct *float64 `json:"very_satisfied_pct"` // of presses
	SatisfiedMiss    bool     `json:"satisfied_missed"`

	EstErrMeanAbsS *float64 `json:"estimate_error_mean_abs_s"`
	EstErrMeanS    *float64 `json:"estimate_error_mean_s"` // positive: waits were longer than estimated

	// Booked citizens (checked in with a booking) against walk-ins: their
	// waiting times, and the booked ones' wait past their slot start.
	Booked            int      `json:"booked"`
	BookedPct         *float64 `json:"booked_pct"` // of issued
	BookedWaitMeanS   *float64 `json:"booked_wait_mean_s"`
	BookedWaitP90S    *float64 `json:"booked_wait_p90_s"`
	SlotWaitMeanS     *float64 `json:"booked_slot_wait_mean_s"`
	SlotWaitP90S      *float64 `json:"booked_slot_wait_p90_s"`
	WalkInWaitMeanS   *float64 `json:"walk_in_wait_mean_s"`
	WalkInWaitMedianS *float64 `json:"walk_in_wait_median_s"`
	WalkInWaitP90S    *float64 `json:"walk_in_wait_p90_s"`
}

// ClosedAtEndOfDay is how many ticket rows the end of day closed, in any
// state.
func (f Figures) ClosedAtEndOfDay() int { return f.ClosedWaiting + f.ClosedCalled + f.ClosedServing }

// Compute derives the figures of an accumulator under the goals of tg.
func Compute(key, label string, a *Acc, tg Targets) Figures {
	f := Figures{
		Key: key, Label: label,
		Issued: a.Issued, Calls: a.Calls, Served: a.Served, NoShows: a.NoShows,
		Cancelled: a.Cancelled, Transferred: a.Transferred, Waiting: a.Waiting,
		ClosedWaiting: a.ClosedWaiting, ClosedCalled: a.ClosedCalled, ClosedServing: a.ClosedServing,
	}
	f.NoShowPct = pct(a.NoShows, a.Issued)
	if a.Wait.N() > 0 {
		f.WaitMeanS = num(round1(a.Wait.Mean()))
		f.WaitMedianS = num(a.Wait.Median())
		f.WaitP90S = num(float64(a.Wait.Percentile(90)))
		f.WaitMaxS = num(float64(a.Wait.Max()))
	}
	if a.Svc.N() > 0 {
		f.ServiceMeanS = num(round1(a.Svc.Mean()))
		f.ServiceMedianS = num(a.Svc.Median())
	}
	f.WithinTargetPct = pct(a.Within, a.Within+a.Over)
	f.OverTargetPct = pct(a.Over, a.Within+a.Over)
	if f.OverTargetPct != nil && *f.OverTargetPct > float64(tg.OverWaitPct) {
		f.OverTargetMiss = true
	}
	f.Rated = a.RatedServed
	f.RatedPct = pct(a.RatedServed, a.Served)
	f.Presses, f.Unattached = a.Scores.N(), a.Unattached
	sat, very := 0, 0
	for score, n := range a.Scores {
		if score >= tg.SatisfiedMin {
			sat += int(n)
		}
		if tg.TopScore > 0 && score >= tg.TopScore {
			very += int(n)
		}
	}
	f.SatisfiedPct = pct(sat, f.Presses)
	f.VerySatisfiedPct = pct(very, f.Presses)
	if f.SatisfiedPct != nil && *f.SatisfiedPct < float64(tg.SatisfiedPct) {
		f.SatisfiedMiss = true
	}
	if a.EstN > 0 {
		f.EstErrMeanAbsS = num(round1(float64(a.EstAbsSum) / float64(a.EstN)))
		f.EstErrMeanS = num(round1(float64(a.EstSumS) / float64(a.EstN)))
	}
	f.Booked, f.BookedPct = a.Booked, pct(a.Booked, a.Issued)
	if a.BookedWait.N() > 0 {
		f.BookedWaitMeanS = num(round1(a.BookedWait.Mean()))
		f.BookedWaitP90S = num(float64(a.BookedWait.Percentile(90)))
	}
	if a.SlotWait.N() > 0 {
		f.SlotWaitMeanS = num(round1(a.SlotWait.Mean()))
		f.SlotWaitP90S = num(float64(a.SlotWait.Percentile(90)))
	}
	if walk := a.Wait.Less(a.BookedWait); walk.N() > 0 {
		f.WalkInWaitMeanS = num(round1(walk.Mean()))
		f.WalkInWaitMedianS = num(walk.Median())
		f.WalkInWaitP90S = num(float64(walk.Percentile(90)))
	}
	return f
}

// Unassigned reports whether key under dim is the group of what no counter,
// officer or service took (counter "0", officer "", service "": tickets
// never called, presses on no ticket): not a place a target holds anyone
// to, so its figures are never flagged as missing one.
func Unassigned(dim Dim, key string) bool {
	return (dim == ByCounter && key == "0") || ((dim == ByOfficer || dim == ByService) && key == "")
}

// Row computes the figures of a group of a report grouped by dim: as
// Compute, with the group of tickets nobody took never flagged.
func Row(dim Dim, key, label string, a *Acc, tg Targets) Figures {
	f := Compute(key, label, a, tg)
	if Unassigned(dim, key) {
		f.OverTargetMiss, f.SatisfiedMiss = false, false
	}
	return f
}

// pct is 100·n/d rounded to a tenth, or nil when d is 0.
func pct(n, d int) *float64 {
	if d == 0 {
		return nil
	}
	return num(round1(100 * float64(n) / float64(d)))
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }

func num(v float64) *float64 {
	if math.IsNaN(v) {
		return nil
	}
	return &v
}

// Minutes formats seconds as minutes with one decimal (the precision the
// dashboard, the CSV files and the monthly report show), "" for none.
func Minutes(s *float64) string {
	if s == nil {
		return ""
	}
	return strconv.FormatFloat(*s/60, 'f', 1, 64)
}
