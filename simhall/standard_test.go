package simhall

import (
	"context"
	"testing"

	"github.com/hallq/hallq/simday"
)

// TestStandardDayAccuracy is issue #8's figure: on the standard day the
// estimate printed on tickets is off by less than 20 % of the mean wait on
// average. The day runs on the engine in virtual time, so the figures are
// the same on every machine.
func TestStandardDayAccuracy(t *testing.T) {
	acc, res, err := RunVirtual(context.Background(), simday.StandardDay(), StandardDate)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("day: %v; last event %s", res, res.Ended.Format("15:04"))
	t.Logf("all:      %v", acc)
	t.Logf("normal:   %v", *acc.Normal)
	t.Logf("priority: %v", *acc.Priority)
	if res.ErrorCount() > 0 {
		t.Errorf("got errors %v", res.FirstError)
	}
	if res.Issued != 600 || acc.N != 600 {
		t.Errorf("got %d issued and %d measured, want 600 and 600", res.Issued, acc.N)
	}
	if r := acc.Ratio(); r >= 0.20 {
		t.Errorf("got MAE %v = %.1f %% of the mean wait %v, want under 20 %%", acc.MAE, 100*r, acc.MeanWait)
	}
	again, _, err := RunVirtual(context.Background(), simday.StandardDay(), StandardDate)
	if err != nil {
		t.Fatal(err)
	}
	if again.MAE != acc.MAE || again.P90 != acc.P90 || again.MeanWait != acc.MeanWait {
		t.Errorf("a second run gave %v, want the same as %v", again, acc)
	}
}
