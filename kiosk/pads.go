package kiosk

import (
	"context"
	"fmt"
	"sync"
	"time"

	"periph.io/x/conn/v3/gpio"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/enrol"
	"github.com/hallq/hallq/hallclient"
	"github.com/hallq/hallq/internal/pause"
	"github.com/hallq/hallq/kiosk/button"
	"github.com/hallq/hallq/kiosk/config"
	"github.com/hallq/hallq/kiosk/outbox"
)

// maxAge is the longest age_ms sent: the server refuses more than a day.
const maxAge = 23 * time.Hour

// ackFlash is how long a pad's LED blinks to acknowledge a press.
const ackFlash = 300 * time.Millisecond

// pad is the hardware at one counter: rating buttons, call buttons and a
// LED, with the counter's pad token.
type pad struct {
	k       *Kiosk
	counter int
	id      *enrol.Identity // the pad's token
	device  string          // the pad's name in the outbox
	led     *button.LED
	rating  []padPin
	call    []padPin

	wake    chan struct{} // a press is waiting in the outbox
	actions chan string   // call-pad actions, one at a time

	mu   sync.Mutex
	mono map[int64]time.Time // press times (monotonic) of this run, by device_seq
}

type padPin struct {
	pin    gpio.PinIn
	score  int    // rating buttons
	action string // call buttons
}

func (k *Kiosk) newPad(pc config.Pad) (*pad, error) {
	p := &pad{k: k, counter: pc.Counter, device: fmt.Sprintf("pad-%d", pc.Counter),
		wake: make(chan struct{}, 1), actions: make(chan string, 1), mono: map[int64]time.Time{}}
	var err error
	if p.led, err = ledPin(pc.LED); err != nil {
		return nil, err
	}
	if len(pc.Rating) > 0 {
		if err := k.seedSeq(p.device); err != nil {
			return nil, err
		}
	}
	for _, r := range pc.Rating {
		pin, err := buttonPin(r.Pin)
		if err != nil {
			return nil, err
		}
		p.rating = append(p.rating, padPin{pin: pin, score: r.Score})
	}
	if c := pc.Call; c != nil {
		for _, a := range []struct {
			pin    config.Pin
			action string
		}{{c.Next, hallclient.ActNext}, {c.Recall, hallclient.ActRecall}, {c.Start, hallclient.ActStart},
			{c.Finish, hallclient.ActFinish}, {c.NoShow, hallclient.ActNoShow}} {
			if a.pin.Name == "" {
				continue
			}
			pin, err := buttonPin(a.pin)
			if err != nil {
				return nil, err
			}
			p.call = append(p.call, padPin{pin: pin, action: a.action})
		}
	}
	return p, nil
}

// plausibleClock is a wall-clock reading no earlier than hallq's first
// release: a Raspberry Pi without a real-time clock may boot long before it.
var plausibleClock = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// seedSeq starts the numbering of a pad this outbox has never numbered at
// the wall clock in milliseconds, when the clock is plausible. The server
// keeps the first press of each device_seq, so a kiosk whose outbox was lost
// (a new SD card) must not count from 1 again, or its new presses would be
// taken for old ones; numbers need only increase, not be consecutive.
func (k *Kiosk) seedSeq(device string) error {
	ctx := context.Background()
	_, ok, err := k.out.LastSeq(ctx, device)
	if err != nil || ok {
		return err
	}
	now := k.now()
	if now.Before(plausibleClock) {
		k.log.Warn("the clock is implausible: rating numbers start at 1", "device", device, "now", now)
		return k.out.SetNextSeq(ctx, device, 1)
	}
	return k.out.SetNextSeq(ctx, device, now.UnixMilli())
}

func (p *pad) inputs() []input {
	var in []input
	for _, r := range p.rating {
		in = append(in, input{r.pin, func(b button.Press) { p.rate(r.score, b) }})
	}
	for _, c := range p.call {
		in = append(in, input{c.pin, func(button.Press) { p.act(c.action) }})
	}
	return in
}

// rate stores a rating press in the outbox before anything else, then
// acknowledges it on the LED and wakes the sender.
func (p *pad) rate(score int, b button.Press) {
	since := p.k.now().Sub(b.Edge)
	id, ns := p.k.boot()
	pr, err := p.k.out.AddPress(context.Background(), outbox.Press{
		Device: p.device, Counter: p.counter, Score: score,
		Wall: p.k.now().Add(-since), BootID: id, BootNS: ns - since.Nanoseconds(), RunID: p.k.runID,
	})
	if err != nil {
		p.k.log.Error("rating press lost: the outbox cannot store it", logCounter, p.counter, logErr, err)
		return
	}
	p.mu.Lock()
	p.mono[pr.Seq] = b.Edge
	p.mu.Unlock()
	p.led.Flash(ackFlash)
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// age says how long ago a press was: exactly, from the monotonic clock,
// when this run took it; otherwise from the boot clock (same boot) or the
// wall clock, capped and flagged.
func (p *pad) age(pr outbox.Press) (time.Duration, bool) {
	p.mu.Lock()
	edge, ok := p.mono[pr.Seq]
	p.mu.Unlock()
	var age time.Duration
	capped := false
	switch id, ns := p.k.boot(); {
	case ok && pr.RunID == p.k.runID:
		age = p.k.now().Sub(edge)
	case id != "" && id == pr.BootID:
		age, capped = time.Duration(ns-pr.BootNS), true
	default:
		age, capped = p.k.now().Sub(pr.Wall), true
	}
	limit := maxAge
	if capped {
		limit = p.k.cfg.MaxRatingAge
	}
	switch {
	case age < 0:
		age, capped = 0, true
	case age > limit:
		age, capped = limit, true
	}
	return age, capped
}

// sendLoop sends the pad's presses in order, one at a time, and deletes
// each from the outbox only once the server has recorded it.
func (p *pad) sendLoop(ctx context.Context) {
	wait := p.k.retry
	for {
		ps, err := p.k.out.Pending(ctx, p.device, 1)
		if err != nil && ctx.Err() == nil {
			p.k.log.Error("reading the outbox", logErr, err)
		}
		if len(ps) == 0 {
			select {
			case <-ctx.Done():
				return
			case <-p.wake:
			case <-time.After(5 * time.Second):
			}
			continue
		}
		pr := ps[0]
		token, err := p.id.Wait(ctx) // not enrolled yet: the presses wait in the outbox
		if err != nil {
			return
		}
		age, capped := p.age(pr)
		r, err := p.k.client.Rate(ctx, token, hallq.RatingPress{
			Counter: pr.Counter, Score: pr.Score, DeviceSeq: pr.Seq, AgeMS: age.Milliseconds(), AgeCapped: capped,
		})
		p.k.reached(err)
		rest := time.Duration(0)
		switch code := hallq.ErrorCode(err); {
		case err == nil:
			p.k.log.Debug("rating delivered", logCounter, pr.Counter, logSeq, pr.Seq, logTicket, r.TicketID)
			p.delivered(ctx, pr)
			wait = p.k.retry
		case hallclient.Transient(err):
			rest, wait = wait, min(2*wait, p.k.maxWait)
		case hallq.ErrorReason(err) == "seq_reused":
			// The server holds this number for another press: this outbox
			// was lost and started again. Number the press afresh, from the
			// wall clock, and send it again.
			np, rerr := p.k.out.Renumber(ctx, p.device, pr.Seq, p.k.now().UnixMilli())
			if rerr != nil {
				p.k.log.Error("renumbering a press", logErr, rerr)
				rest = p.k.maxWait
				break
			}
			p.k.log.Warn("device_seq already used on the server: press renumbered", logCounter, pr.Counter, logSeq, np.Seq)
			p.mu.Lock()
			if edge, ok := p.mono[pr.Seq]; ok {
				delete(p.mono, pr.Seq)
				p.mono[np.Seq] = edge
			}
			p.mu.Unlock()
		case code == hallq.EUNAUTHORIZED && p.id.Fixed == "":
			// Revoked: back to enrolment; the presses wait for the new token.
			p.k.log.Warn("rating refused: the pad's token is revoked; enrolling again", logCounter, pr.Counter, logErr, err)
			p.id.Revoked(token)
		case code == hallq.EUNAUTHORIZED || code == hallq.EFORBIDDEN:
			// A token in the config that is wrong or revoked, or a pad of
			// another counter: keep the presses until the config is fixed.
			p.k.log.Error("rating refused: check the pad's token", logCounter, pr.Counter, logErr, err)
			rest = 6 * p.k.maxWait
		default:
			p.k.log.Error("rating dropped: the server refused it", logCounter, pr.Counter, logSeq, pr.Seq, logErr, err)
			p.delivered(ctx, pr)
		}
		if rest > 0 && !pause.For(ctx, rest) {
			return
		}
	}
}

func (p *pad) delivered(ctx context.Context, pr outbox.Press) {
	if err := p.k.out.Delivered(context.WithoutCancel(ctx), p.device, pr.Seq); err != nil {
		p.k.log.Error("outbox", logErr, err)
	}
	p.mu.Lock()
	delete(p.mono, pr.Seq)
	p.mu.Unlock()
}

// act hands a call-pad action to the pad's worker; a press while the
// previous action is still on its way is ignored, so one press never calls
// two citizens.
func (p *pad) act(action string) {
	select {
	case p.actions <- action:
	default:
		p.k.log.Info("call pad press ignored: the previous one is still on its way", logCounter, p.counter)
	}
}

// callLoop carries out call-pad actions. They are sent once, never
// retried: a retried "next" could call two citizens.
func (p *pad) callLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case a := <-p.actions:
			token := p.id.Token()
			if token == "" {
				p.k.log.Warn("call pad press refused: the pad is not enrolled yet", logCounter, p.counter, "action", a)
				p.k.update(func(s *State) { s.Pads[p.counter] = ReasonNotEnrolled })
				continue
			}
			actx, cancel := context.WithTimeout(ctx, p.k.cfg.Timeout)
			t, err := p.k.client.Act(actx, token, p.counter, a)
			cancel()
			p.k.reached(err)
			p.k.refused(p.id, token, err)
			refused := ""
			switch {
			case err == nil:
				label := ""
				if t != nil {
					label = t.Label
				}
				p.k.log.Info("call pad", logCounter, p.counter, "action", a, logTicket, label)
				p.led.Set(false)
				p.led.Flash(ackFlash)
			default:
				refused = hallq.ErrorReason(err)
				if refused == "" {
					refused = hallq.ErrorCode(err)
				}
				if hallclient.Transient(err) {
					refused = ReasonUnreachable
				}
				p.k.log.Warn("call pad refused", logCounter, p.counter, "action", a, logReason, refused, logErr, err)
				p.led.Set(true) // steady: the pad cannot act
			}
			p.k.update(func(s *State) { s.Pads[p.counter] = refused })
		}
	}
}
