package report

import (
	"encoding/binary"

	"github.com/hallq/hallq"
)

// Ticket is what the reports need of one ticket. Times are Unix
// milliseconds, 0 for none.
type Ticket struct {
	ID              string
	Day             string // local date of issue
	Service         string
	Counter         int // the counter it was (last) called to; 0 if never called
	Officer         string
	State           hallq.TicketState
	Priority        string
	Label           string
	Issued          int64
	Called          int64 // first call
	Started         int64
	Finished        int64
	Rating          int // 0: not rated
	EstimateS       int // the estimate printed at issue
	TransferredFrom string
	TransferredTo   string
	Flagged         bool // finished by the end of day while in service
	Reason          string
}

// Original reports whether the ticket came from a kiosk rather than from a
// transfer; only originals count as issued and for waiting times.
func (t *Ticket) Original() bool { return t.TransferredFrom == "" }

// WaitMS is first call − issue, or -1 if never called.
func (t *Ticket) WaitMS() int64 {
	if t.Called == 0 {
		return -1
	}
	return t.Called - t.Issued
}

// ServiceMS is finish − start (or − first call when start was not pressed)
// of a ticket served to the end, or -1. Tickets the end of day finished say
// nothing about service times.
func (t *Ticket) ServiceMS() int64 {
	if t.State != hallq.StateDone || t.Flagged || t.Finished == 0 || t.Called == 0 {
		return -1
	}
	from := t.Called
	if t.Started != 0 {
		from = t.Started
	}
	if t.Finished < from {
		return -1
	}
	return t.Finished - from
}

// Acc accumulates the figures of one group of tickets. Accumulators merge
// by adding, so a range of days is the sum of its days.
type Acc struct {
	Issued      int // original tickets (a transfer's new ticket is not issued again)
	Calls       int // first calls of tickets (transfers' new tickets included)
	Served      int // tickets served to the end (state done)
	NoShows     int
	Cancelled   int
	Transferred int // tickets sent on to another service
	Waiting     int // still waiting (only in live figures of today)

	Wait      Hist  // waiting time of called originals, in whole seconds
	WaitSumMS int64 // their sum, in milliseconds, for an exact mean
	Svc       Hist  // service time of served tickets, in whole seconds
	SvcSumMS  int64

	// Within and Over count tickets against their service's target wait:
	// Within were called within it; Over were called later, or left
	// (cancelled, day closed) or still wait having waited longer than it.
	// Tickets of a service with no target, and ones that left uncalled
	// before the target, count in neither.
	Within int
	Over   int

	Scores Hist // ratings by score

	EstN      int   // called originals with an estimate printed
	EstSumS   int64 // Σ (real wait − estimate), seconds
	EstAbsSum int64 // Σ |real wait − estimate|, seconds
}

// AddTicket counts t in a, except its call (see AddCall). targetS is the
// target wait of t's service in seconds (0: none); nowMS is the time of a
// live report (for tickets still waiting), 0 for a closed day.
func (a *Acc) AddTicket(t *Ticket, targetS int, nowMS int64) {
	switch t.State {
	case hallq.StateDone:
		a.Served++
		if ms := t.ServiceMS(); ms >= 0 {
			a.Svc.Add(int(ms / 1000))
			a.SvcSumMS += ms
		}
		if t.Rating != 0 {
			a.Scores.Add(t.Rating)
		}
	case hallq.StateNoShow:
		a.NoShows++
	case hallq.StateCancelled:
		a.Cancelled++
	case hallq.StateTransferred:
		a.Transferred++
	case hallq.StateWaiting:
		a.Waiting++
	}
	if !t.Original() {
		return
	}
	a.Issued++
	target := int64(targetS) * 1000
	if w := t.WaitMS(); w >= 0 {
		a.Wait.Add(int(w / 1000))
		a.WaitSumMS += w
		if target > 0 {
			if w <= target {
				a.Within++
			} else {
				a.Over++
			}
		}
		if t.EstimateS >= 0 {
			d := w/1000 - int64(t.EstimateS)
			a.EstN++
			a.EstSumS += d
			a.EstAbsSum += abs(d)
		}
		return
	}
	end := t.Finished
	if end == 0 && t.State == hallq.StateWaiting {
		end = nowMS
	}
	if target > 0 && end > 0 && end-t.Issued > target {
		a.Over++
	}
}

// AddCall counts t's first call, if it was called.
func (a *Acc) AddCall(t *Ticket) {
	if t.Called != 0 {
		a.Calls++
	}
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// Merge adds o to a.
func (a *Acc) Merge(o *Acc) {
	a.Issued += o.Issued
	a.Calls += o.Calls
	a.Served += o.Served
	a.NoShows += o.NoShows
	a.Cancelled += o.Cancelled
	a.Transferred += o.Transferred
	a.Waiting += o.Waiting
	a.Wait.Merge(o.Wait)
	a.WaitSumMS += o.WaitSumMS
	a.Svc.Merge(o.Svc)
	a.SvcSumMS += o.SvcSumMS
	a.Within += o.Within
	a.Over += o.Over
	a.Scores.Merge(o.Scores)
	a.EstN += o.EstN
	a.EstSumS += o.EstSumS
	a.EstAbsSum += o.EstAbsSum
}

// accVersion is the first byte of encoded roll-up data; data of another
// version is refused, and the day rolled up again.
const accVersion = 1

// AppendBinary encodes a for a roll-up row.
func (a *Acc) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, accVersion)
	for _, v := range []int64{int64(a.Issued), int64(a.Calls), int64(a.Served), int64(a.NoShows), int64(a.Cancelled),
		int64(a.Transferred), int64(a.Waiting), a.WaitSumMS, a.SvcSumMS, int64(a.Within), int64(a.Over),
		int64(a.EstN), a.EstSumS, a.EstAbsSum} {
		b = binary.AppendVarint(b, v)
	}
	b = appendHist(b, a.Wait)
	b = appendHist(b, a.Svc)
	b = appendHist(b, a.Scores)
	return b, nil
}

// MergeBinary decodes data written by AppendBinary and adds it to a.
func (a *Acc) MergeBinary(b []byte) error {
	if len(b) == 0 || b[0] != accVersion {
		return errCorrupt
	}
	b = b[1:]
	var v [14]int64
	var err error
	for i := range v {
		if v[i], b, err = varint(b); err != nil {
			return err
		}
	}
	a.Issued += int(v[0])
	a.Calls += int(v[1])
	a.Served += int(v[2])
	a.NoShows += int(v[3])
	a.Cancelled += int(v[4])
	a.Transferred += int(v[5])
	a.Waiting += int(v[6])
	a.WaitSumMS += v[7]
	a.SvcSumMS += v[8]
	a.Within += int(v[9])
	a.Over += int(v[10])
	a.EstN += int(v[11])
	a.EstSumS += v[12]
	a.EstAbsSum += v[13]
	if b, err = mergeHist(b, &a.Wait); err != nil {
		return err
	}
	if b, err = mergeHist(b, &a.Svc); err != nil {
		return err
	}
	if b, err = mergeHist(b, &a.Scores); err != nil {
		return err
	}
	if len(b) != 0 {
		return errCorrupt
	}
	return nil
}
