package outbox

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

func TestPressesSurviveReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "outbox.db")
	o, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		p, err := o.AddPress(ctx, Press{Device: "pad-3", Counter: 3, Score: i, Wall: time.Now(), BootID: "b", RunID: "r1"})
		if err != nil {
			t.Fatal(err)
		}
		if p.Seq != int64(i) {
			t.Errorf("got seq %d, want %d", p.Seq, i)
		}
	}
	if _, err := o.AddPress(ctx, Press{Device: "pad-4", Counter: 4, Score: 1}); err != nil {
		t.Fatal(err)
	}
	if err := o.Delivered(ctx, "pad-3", 1); err != nil {
		t.Fatal(err)
	}
	o.Close()

	o, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	ps, err := o.Pending(ctx, "pad-3", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 || ps[0].Seq != 2 || ps[1].Seq != 3 || ps[0].Score != 2 || ps[0].RunID != "r1" {
		t.Fatalf("got %+v, want seqs 2 and 3", ps)
	}
	p, err := o.AddPress(ctx, Press{Device: "pad-3", Counter: 3, Score: 1})
	if err != nil {
		t.Fatal(err)
	}
	if p.Seq != 4 {
		t.Errorf("got seq %d after reopening, want 4 (numbers never repeat)", p.Seq)
	}
	if err := o.SetNextSeq(ctx, "pad-3", 100); err != nil {
		t.Fatal(err)
	}
	if p, _ := o.AddPress(ctx, Press{Device: "pad-3"}); p.Seq != 100 {
		t.Errorf("got seq %d after SetNextSeq(100), want 100", p.Seq)
	}
	if err := o.SetNextSeq(ctx, "pad-3", 5); err != nil {
		t.Fatal(err)
	}
	if p, _ := o.AddPress(ctx, Press{Device: "pad-3"}); p.Seq != 101 {
		t.Errorf("got seq %d after SetNextSeq(5), want 101 (never lowered)", p.Seq)
	}
	n, c, err := o.Len(ctx)
	if err != nil || n != 6 || c != 0 {
		t.Errorf("got Len %d, %d, %v; want 6, 0, nil", n, c, err)
	}
}

func TestCancels(t *testing.T) {
	ctx := context.Background()
	o, err := Open(ctx, filepath.Join(t.TempDir(), "outbox.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	id, err := o.AddCancel(ctx, Cancel{Key: "k1", Service: "A", Reason: "print_failed", Created: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if err := o.SetCancelTicket(ctx, id, "T1"); err != nil {
		t.Fatal(err)
	}
	cs, err := o.Cancels(ctx)
	if err != nil || len(cs) != 1 || cs[0].TicketID != "T1" || cs[0].Key != "k1" {
		t.Fatalf("got %+v, %v; want one cancel of T1", cs, err)
	}
	if err := o.CancelDone(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, c, _ := o.Len(ctx); c != 0 {
		t.Errorf("got %d cancels after done, want 0", c)
	}
}

func TestRenumber(t *testing.T) {
	ctx := context.Background()
	o, err := Open(ctx, filepath.Join(t.TempDir(), "outbox.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	for i := 0; i < 2; i++ {
		if _, err := o.AddPress(ctx, Press{Device: "pad-1", Counter: 1, Score: i + 1}); err != nil {
			t.Fatal(err)
		}
	}
	p, err := o.Renumber(ctx, "pad-1", 1, 50)
	if err != nil {
		t.Fatal(err)
	}
	if p.Seq != 50 || p.Score != 1 {
		t.Errorf("got %+v, want the first press as seq 50", p)
	}
	ps, _ := o.Pending(ctx, "pad-1", 10)
	if len(ps) != 2 || ps[0].Seq != 2 || ps[1].Seq != 50 {
		t.Errorf("got %+v, want seqs 2 and 50", ps)
	}
	if next, _ := o.AddPress(ctx, Press{Device: "pad-1"}); next.Seq != 51 {
		t.Errorf("got next seq %d, want 51", next.Seq)
	}
}
