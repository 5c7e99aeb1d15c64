package report

import (
	"encoding/binary"
	"testing"

	"github.com/hallq/hallq"
)

// TestBookedFigures: booked tickets and walk-ins apart — the count of
// check-ins, their waits and their wait past the slot, the walk-ins' waits
// as the rest of the waiting time — and a roll-up written before bookings
// (version 2) read as a day without any.
func TestBookedFigures(t *testing.T) {
	const s = int64(1000)
	at := func(min int64) int64 { return 1_780_000_000_000 + 60*s*min }
	tickets := []Ticket{
		// Walk-ins: waited 10 and 30 min.
		{ID: "w1", State: hallq.StateDone, Issued: at(0), Called: at(10), Finished: at(15), Queued: at(0), WaitedMS: 10 * 60 * s},
		{ID: "w2", State: hallq.StateDone, Issued: at(0), Called: at(30), Finished: at(35), Queued: at(0), WaitedMS: 30 * 60 * s},
		// Checked in 10 min before the 09:00 slot, called 4 min after it:
		// waited 14 min, 4 past the slot.
		{ID: "b1", State: hallq.StateDone, Issued: at(50), Called: at(64), Finished: at(70), Queued: at(50), WaitedMS: 14 * 60 * s,
			Booking: "K7M2QX", SlotAt: at(60)},
		// Checked in late (5 min after the slot), called 2 min later: 2 past.
		{ID: "b2", State: hallq.StateDone, Issued: at(65), Called: at(67), Finished: at(70), Queued: at(65), WaitedMS: 2 * 60 * s,
			Booking: "ABCDEF", SlotAt: at(60)},
		// Called 3 min before its slot: nothing past it.
		{ID: "b3", State: hallq.StateNoShow, Issued: at(50), Called: at(57), Finished: at(59), Queued: at(50), WaitedMS: 7 * 60 * s,
			Booking: "GHJKLM", SlotAt: at(60)},
		// Its transfer's leg: a booked ticket's wait, not a check-in.
		{ID: "b1x", State: hallq.StateDone, Issued: at(50), Called: at(80), Finished: at(85), Queued: at(70), WaitedMS: 10 * 60 * s,
			Booking: "K7M2QX", SlotAt: at(60), TransferredFrom: "b1"},
	}
	var a Acc
	for i := range tickets {
		a.AddTicket(&tickets[i], 0, 0)
	}
	f := Compute("", "", &a, Targets{})
	num := func(p *float64) float64 {
		if p == nil {
			return -1
		}
		return *p
	}
	check := func(what string, got, want float64) {
		t.Helper()
		if got != want {
			t.Errorf("%s: got %v, want %v", what, got, want)
		}
	}
	check("booked", float64(f.Booked), 3)
	check("booked %", num(f.BookedPct), 60) // 3 of 5 issued
	check("booked mean wait (s)", num(f.BookedWaitMeanS), (14+2+7+10)*60/4.0)
	check("past the slot, mean (s)", num(f.SlotWaitMeanS), (4+2+0)*60/3.0)
	check("past the slot, p90 (s)", num(f.SlotWaitP90S), 4*60)
	check("walk-ins' mean wait (s)", num(f.WalkInWaitMeanS), 20*60)
	check("walk-ins' p90 (s)", num(f.WalkInWaitP90S), 30*60)
	check("everyone's mean wait (s)", num(f.WaitMeanS), (10+30+14+2+7+10)*60/6.0)

	// A roll-up round trip keeps them; one of version 2 has none.
	b, err := a.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	var back Acc
	if err := back.MergeBinary(b); err != nil {
		t.Fatal(err)
	}
	if g := Compute("", "", &back, Targets{}); num(g.SlotWaitP90S) != num(f.SlotWaitP90S) || g.Booked != 3 || num(g.WalkInWaitMeanS) != num(f.WalkInWaitMeanS) {
		t.Errorf("after a round trip: %+v, want %+v", g, f)
	}
	var walkIns Acc
	walkIns.AddTicket(&tickets[0], 0, 0)
	var old Acc
	if err := old.MergeBinary(encodeV2(&walkIns)); err != nil {
		t.Fatalf("a version 2 roll-up: %v", err)
	}
	if g := Compute("", "", &old, Targets{}); g.Issued != 1 || g.Booked != 0 || num(g.WalkInWaitMeanS) != 600 {
		t.Errorf("version 2 roll-up read as %+v, want one walk-in of 10 min", g)
	}
	if err := old.MergeBinary([]byte{9}); err == nil {
		t.Error("a roll-up of an unknown version was read")
	}
}

// encodeV2 writes a as roll-ups were written before bookings (version 2):
// the counts without Booked, and no booked histograms.
func encodeV2(a *Acc) []byte {
	b := []byte{accVersionNoBookings}
	counts := a.counts()
	for _, p := range counts[:len(counts)-1] {
		b = binary.AppendVarint(b, int64(*p))
	}
	b = binary.AppendVarint(b, a.EstSumS)
	b = binary.AppendVarint(b, a.EstAbsSum)
	for _, h := range []Hist{a.Wait, a.Svc, a.Scores} {
		b = appendHist(b, h)
	}
	return b
}
