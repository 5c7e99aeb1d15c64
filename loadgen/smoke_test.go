package loadgen_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hallq/hallq/loadgen"
	"github.com/hallq/hallq/server/servertest"
)

// TestSmoke runs two seconds of every kind of load against a test hall and
// checks that figures came out and nothing failed. It asserts no timing.
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("two-second load run")
	}
	h := servertest.Start(t, servertest.Options{})
	cfg := loadgen.Config{
		URL:        h.URL,
		KioskToken: servertest.KioskToken,
		Officers: []loadgen.Officer{
			{Username: "canbo1", Password: "demo-canbo", Counter: 1},
			{Username: "canbo2", Password: "demo-canbo", Counter: 2},
		},
		ServerPID:   os.Getpid(), // the hall runs in this process
		DBDir:       filepath.Dir(h.DBPath),
		FsyncProbe:  100 * time.Millisecond,
		IssueRate:   50,
		Prefill:     5,
		CallRate:    5,
		Subscribers: 5,
		Duration:    2 * time.Second,
	}
	rep, err := loadgen.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if n := rep.Failed(); n > 0 {
		t.Errorf("%d requests failed: %+v", n, rep.Calls)
	}
	if rep.Issued == 0 || rep.IssueThroughput <= 0 {
		t.Errorf("issued %d (%g/s), want some", rep.Issued, rep.IssueThroughput)
	}
	byName := map[string]loadgen.CallStats{}
	for _, c := range rep.Calls {
		byName[c.Name] = c
	}
	for _, name := range []string{"login", "open", "issue", "next"} {
		if c := byName[name]; c.OK == 0 || c.Latency.Max <= 0 {
			t.Errorf("%s: got %+v, want answered calls with latencies", name, c)
		}
	}
	if rep.Subscribers != 5 || rep.Dropped+rep.Lost != 0 {
		t.Errorf("subscribers %d (dropped %d, lost %d), want 5, 0, 0", rep.Subscribers, rep.Dropped, rep.Lost)
	}
	d := rep.Delivery
	if d.Calls == 0 || d.Missed != 0 || d.OutOfOrder != 0 || d.Last.N != d.Calls || d.PerSub.N != 5*d.Calls {
		t.Errorf("delivery: got %+v, want every call seen by all 5 subscribers", d)
	}
	if rep.FsyncBefore <= 0 || rep.FsyncAfter <= 0 || rep.FsyncCanary.N == 0 {
		t.Errorf("fsync: before %g/s, after %g/s, canary %+v: want figures", rep.FsyncBefore, rep.FsyncAfter, rep.FsyncCanary)
	}
	if rep.Memory == nil || rep.Memory.RSS <= 0 {
		t.Errorf("memory: got %+v, want the RSS", rep.Memory)
	}
	var out testWriter
	rep.Print(&out)
	if len(out) == 0 {
		t.Error("Print wrote nothing")
	}
}

type testWriter []byte

func (w *testWriter) Write(p []byte) (int, error) { *w = append(*w, p...); return len(p), nil }
