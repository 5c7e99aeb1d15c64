package staffing

import (
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/forecast"
	"github.com/hallq/hallq/report"
)

// A day of tickets as the report store gives them: a served one, a no-show,
// a priority one transferred to B and served there, one still waiting at
// the end of the day (cancelled).
func TestRecord(t *testing.T) {
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	at := func(hm string) int64 {
		c, _ := time.ParseInLocation("2006-01-02 15:04", "2026-12-01 "+hm, loc)
		return c.UnixMilli()
	}
	tickets := []report.Ticket{
		{ID: "a1", Service: "A", State: hallq.StateDone, Issued: at("08:00"), Called: at("08:05"), Started: at("08:06"), Finished: at("08:12")},
		{ID: "a2", Service: "A", State: hallq.StateNoShow, Issued: at("08:10"), Called: at("08:20"), Finished: at("08:22")},
		{ID: "a3", Service: "A", State: hallq.StateTransferred, Priority: "elderly", Issued: at("09:30"), Called: at("09:31"), Finished: at("09:35"), TransferredTo: "b1"},
		{ID: "b1", Service: "B", State: hallq.StateDone, Issued: at("09:30"), Called: at("09:40"), Finished: at("09:43"), TransferredFrom: "a3"},
		{ID: "c1", Service: "C", State: hallq.StateCancelled, Issued: at("10:00")},
	}
	rec := NewRecord(loc, forecast.Date(2026, 11, 1))
	for i := range tickets {
		rec.Add(&tickets[i])
	}
	day := rec.History().On(forecast.Date(2026, 12, 1))
	if day == nil || day.Service("A") != 3 || day.Service("B") != 0 || day.Service("C") != 1 || day.Hours["A"][8] != 2 || day.Hours["A"][9] != 1 {
		t.Fatalf("history day %+v, want A 2 at 08 and 1 at 09, C 1 (the transfer's new ticket is not an arrival)", day)
	}
	b := rec.Behaviour(forecast.Date(2026, 12, 2))
	if b.NoShow != 0.25 || b.Priority != 0.25 || b.Transfer != 0.25 || b.PriorityKind != "elderly" || b.TransferTo["A"]["B"] != 1 {
		t.Errorf("behaviour %+v, want a quarter each of no-shows, priority and transfers (A to B)", b)
	}
	if got := b.ServiceTimes["A"]; len(got) != 2 || got[0] != 6*time.Minute || got[1] != 4*time.Minute {
		t.Errorf("A's service times %v, want 6m (from start) and 4m (until the transfer)", got)
	}
	if got := b.ServiceTimes["B"]; len(got) != 1 || got[0] != 3*time.Minute {
		t.Errorf("B's service times %v, want 3m", got)
	}
	vs := rec.Visitors(forecast.Date(2026, 12, 1), b)
	if len(vs) != 4 {
		t.Fatalf("%d visitors, want 4", len(vs))
	}
	if v := vs[2]; v.At != 9*time.Hour+30*time.Minute || v.TransferTo != "B" || v.ServiceTime != 4*time.Minute || v.ServiceTime2 != 3*time.Minute || v.Priority != "elderly" {
		t.Errorf("the transferred visitor: %+v", v)
	}
	// The cancelled citizen was never served, and C has no service time
	// on record: six minutes.
	if !vs[1].NoShow || !vs[3].NoShow || vs[3].ServiceTime != 6*time.Minute {
		t.Errorf("no-show %+v and cancelled %+v: want both gone when called, the cancelled one with 6m", vs[1], vs[3])
	}
	if w := rec.WithinTarget(forecast.Date(2026, 12, 1), []hallq.Service{{Code: "A", TargetWaitMin: 5}, {Code: "C", TargetWaitMin: 5}}); w != 0.5 {
		t.Errorf("within target %v, want 2 of 4 (a1 and a3)", w)
	}
}
