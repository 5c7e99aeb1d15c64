package kiosk

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/kiosk/touch"
)

// touchHandler wires the touch page to this kiosk: a touch takes the very
// same path as a service button.
func (k *Kiosk) touchHandler() touch.Options {
	kind := "elderly"
	if k.prio != nil {
		kind = k.prio.kind
	}
	return touch.Options{
		Hall: func(ctx context.Context) (*hallq.HallView, error) { return k.Hall(ctx, 3*time.Second) },
		Take: func(ctx context.Context, service, priority string) touch.Outcome {
			return outcome(k.Take(ctx, service, priority))
		},
		CheckIn: func(ctx context.Context, code string) touch.Outcome {
			return outcome(k.CheckIn(ctx, code))
		},
		Status: func() touch.Status {
			s := k.State()
			st := touch.Status{PaperOut: s.PaperOut, Fault: s.Fault, ServerDown: s.ServerDown}
			if e, ok := s.Enrolling[k.name()]; ok {
				st.EnrolCode, st.EnrolRejected = e.Code, e.Rejected
			}
			return st
		},
		Priority: k.cfg.Touch.Priority, PriorityKind: kind,
	}
}

// listenTouch opens the touch page's socket.
func (k *Kiosk) listenTouch() (net.Listener, error) {
	ln, err := net.Listen("tcp", k.cfg.Touch.Listen)
	if err != nil {
		return nil, fmt.Errorf("kiosk: touch page: %w", err)
	}
	k.mu.Lock()
	k.touchAddr = ln.Addr().String()
	k.mu.Unlock()
	return ln, nil
}

// TouchURL is the touch page's address once the kiosk is ready ("" when
// touch mode is off).
func (k *Kiosk) TouchURL() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.touchAddr == "" {
		return ""
	}
	return "http://" + k.touchAddr + "/"
}

// outcome is what the touch page shows of a result.
func outcome(r Result) touch.Outcome {
	o := touch.Outcome{OK: r.Ticket != nil, Reason: r.Reason, ServerReason: r.ServerReason}
	if r.Reason == ReasonRefused {
		o.Message, o.Service = r.Message, r.Service
	}
	if t := r.Ticket; t != nil {
		o.Label, o.Service, o.Ahead, o.WaitS = t.Label, t.Service, t.WaitingAhead, t.EstimatedWaitS
		o.Booking = t.Booking
		if t.SlotAt != nil {
			o.Slot = t.SlotAt.Format("15:04")
		}
	}
	return o
}
