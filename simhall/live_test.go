package simhall

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/hallq/hallq/simday"
)

// TestLiveDay plays a short morning against a real hall server in
// simulation mode at 600×, with two displays.
func TestLiveDay(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a hall server")
	}
	p := simday.StandardDay()
	p.Arrivals = 30
	p.First, p.Last, p.Noon = simday.Clock("08:00"), simday.Clock("08:20"), simday.Clock("12:00")
	p.CountersOpen = simday.Clock("07:58")
	p.ServiceMean, p.ServiceSD = 3*time.Minute, time.Minute
	// Bounds a hang only: a busy machine makes the run slower.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	rep, err := RunLive(ctx, LiveConfig{Profile: p, Date: time.Now().AddDate(0, 0, 2), Speed: 600, Displays: 2,
		Command: serverCommand, Sample: 15 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%v; %v", rep.Result, rep.Accuracy)
	r := rep.Result
	if r.Issued != 30 || r.ErrorCount() > 0 {
		t.Errorf("got %v (errors %v), want 30 issued and no errors", r, r.FirstError)
	}
	if r.Served+r.NoShows+r.Transfers != r.Called || r.Called < 30 {
		t.Errorf("got %v: every ticket called and dealt with", r)
	}
	if rep.Calls != r.Called {
		t.Errorf("got %d calls in the server's log, the simulator made %d", rep.Calls, r.Called)
	}
	if rep.Missed != 0 || rep.Dupes != 0 {
		t.Errorf("displays missed %d calls and got %d twice, want 0 and 0", rep.Missed, rep.Dupes)
	}
	if rep.Accuracy.N != 30 {
		t.Errorf("got %d tickets measured from the log, want 30", rep.Accuracy.N)
	}
	if len(rep.Samples) < 2 || rep.Samples[0].Goroutines == 0 || rep.Samples[0].RSS == 0 {
		t.Errorf("got samples %+v, want readings of /metrics", rep.Samples)
	}
	if s := rep.Samples[0]; runtime.GOOS == "linux" && (s.RSSAnon <= 0 || s.RSSFile <= 0 || s.RSSAnon+s.RSSFile > 2*s.RSS) {
		t.Errorf("got sample %+v, want RSS split into anonymous and file pages from /proc", s)
	}
	// The simulated clock: the day's tickets carry virtual times. At 600×
	// a busy machine's every lost second is ten virtual minutes, so the
	// end is bounded only loosely: after the last arrival, the same day.
	if got := r.Ended.Format("15:04"); got < "08:20" || r.Ended.Day() != r.Started.Day() {
		t.Errorf("the day ended at %s (started %s), want after the last arrival at 08:20, the same day", r.Ended, r.Started)
	}
}
