package report

import "math"

// Targets are the hall's targets the figures are held against.
type Targets struct {
	// SatisfiedPct: at least this share of rated tickets satisfied (default 80).
	SatisfiedPct int `json:"satisfied_pct"`
	// OverWaitPct: at most this share of tickets over their target wait (default 10).
	OverWaitPct int `json:"over_wait_pct"`
	// SatisfiedMin: scores at or above it count as satisfied.
	SatisfiedMin int `json:"satisfied_min"`
}

// Figures are the reported figures of one group. Figures that cannot be
// computed (no tickets of that kind) are nil, which JSON shows as null.
type Figures struct {
	Key   string `json:"key"`
	Label string `json:"label"`

	Issued      int      `json:"issued"`
	Calls       int      `json:"calls"`
	Served      int      `json:"served"`
	NoShows     int      `json:"no_shows"`
	NoShowPct   *float64 `json:"no_show_pct"` // of issued
	Cancelled   int      `json:"cancelled"`
	Transferred int      `json:"transferred"`
	Waiting     int      `json:"waiting,omitempty"`

	WaitMeanS   *float64 `json:"wait_mean_s"`
	WaitMedianS *float64 `json:"wait_median_s"`
	WaitP90S    *float64 `json:"wait_p90_s"`
	WaitMaxS    *float64 `json:"wait_max_s"`

	ServiceMeanS   *float64 `json:"service_mean_s"`
	ServiceMedianS *float64 `json:"service_median_s"`

	WithinTargetPct *float64 `json:"within_target_pct"`
	OverTargetPct   *float64 `json:"over_target_pct"`
	OverTargetMiss  bool     `json:"over_target_missed"`

	Rated         int      `json:"rated"`
	RatedPct      *float64 `json:"rated_pct"` // of served
	SatisfiedPct  *float64 `json:"satisfied_pct"`
	SatisfiedMiss bool     `json:"satisfied_missed"`

	EstErrMeanAbsS *float64 `json:"estimate_error_mean_abs_s"`
	EstErrMeanS    *float64 `json:"estimate_error_mean_s"` // positive: waits were longer than estimated
}

// Compute derives the figures of an accumulator under the hall's targets.
func Compute(key, label string, a *Acc, tg Targets) Figures {
	f := Figures{
		Key: key, Label: label,
		Issued: a.Issued, Calls: a.Calls, Served: a.Served, NoShows: a.NoShows,
		Cancelled: a.Cancelled, Transferred: a.Transferred, Waiting: a.Waiting,
	}
	f.NoShowPct = pct(a.NoShows, a.Issued)
	if n := a.Wait.N(); n > 0 {
		f.WaitMeanS = num(round1(float64(a.WaitSumMS) / 1000 / float64(n)))
		f.WaitMedianS = num(a.Wait.Median())
		f.WaitP90S = num(float64(a.Wait.Percentile(90)))
		f.WaitMaxS = num(float64(len(a.Wait) - 1))
	}
	if n := a.Svc.N(); n > 0 {
		f.ServiceMeanS = num(round1(float64(a.SvcSumMS) / 1000 / float64(n)))
		f.ServiceMedianS = num(a.Svc.Median())
	}
	f.WithinTargetPct = pct(a.Within, a.Within+a.Over)
	f.OverTargetPct = pct(a.Over, a.Within+a.Over)
	if f.OverTargetPct != nil && *f.OverTargetPct > float64(tg.OverWaitPct) {
		f.OverTargetMiss = true
	}
	f.Rated = a.Scores.N()
	f.RatedPct = pct(f.Rated, a.Served)
	sat := 0
	for score := max(tg.SatisfiedMin, 0); score < len(a.Scores); score++ {
		sat += int(a.Scores[score])
	}
	f.SatisfiedPct = pct(sat, f.Rated)
	if f.SatisfiedPct != nil && *f.SatisfiedPct < float64(tg.SatisfiedPct) {
		f.SatisfiedMiss = true
	}
	if a.EstN > 0 {
		f.EstErrMeanAbsS = num(round1(float64(a.EstAbsSum) / float64(a.EstN)))
		f.EstErrMeanS = num(round1(float64(a.EstSumS) / float64(a.EstN)))
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
