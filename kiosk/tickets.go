package kiosk

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"periph.io/x/conn/v3/gpio"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/hallclient"
	"github.com/hallq/hallq/internal/pause"
	"github.com/hallq/hallq/kiosk/button"
	"github.com/hallq/hallq/kiosk/outbox"
	"github.com/hallq/hallq/printer"
	"github.com/hallq/hallq/printer/status"
)

// Reasons a ticket was not given, for the touch page and the log.
const (
	ReasonPaperOut    = "paper_out"             // the printer has no paper: no ticket was issued
	ReasonPrinter     = "printer"               // the printer is offline or faulty: no ticket was issued
	ReasonUnreachable = "unreachable"           // the hall server did not answer
	ReasonPrintFailed = hallq.ReasonPrintFailed // issued, but printing failed: the ticket was cancelled
	ReasonRefused     = "refused"               // the server refused (closed, daily cap…): see Result.Err
	ReasonBusy        = "busy"                  // too many requests waiting
)

var errNotEnrolled = errors.New("kiosk: not enrolled yet: the hall's admin has to approve the code the kiosk shows")

// Result is the outcome of one request for a ticket.
type Result struct {
	Ticket *hallq.Ticket // the printed ticket; nil when none was printed
	Reason string        // "" on success, else one of the Reason… constants
	// ServerReason is the server's reason for a refusal, e.g. "daily_cap",
	// "outside_hours", or for a check-in one of the Booking… constants.
	ServerReason string
	// Message is the server's message with a refusal, for a person.
	Message string
	// Service is the service a refused check-in's booking is for (the
	// server names it for too_early, too_late and cancelled).
	Service string
	Err     error
	// Edge is the press; Printing is when the job's first byte went to the printer.
	Edge, Printing time.Time
}

// request is a ticket asked for by a button or the touch page, or a
// booking checked in.
type request struct {
	service, priority string
	// booking is the code of a booking to check in instead of issuing a
	// ticket for service; slip prints a notice slip if it is refused.
	booking string
	slip    bool
	// notice, when set, is a slip to print and nothing more.
	notice *printer.Notice
	edge   time.Time
	done   chan Result // buffered
}

// serviceButton issues tickets for one service.
type serviceButton struct {
	k       *Kiosk
	service string
	pin     gpio.PinIn
	led     *button.LED

	mu      sync.Mutex
	pending bool // a ticket for this button is on its way: further presses are ignored
}

func (b *serviceButton) press(p button.Press) {
	b.k.log.Debug("press", logService, b.service)
	b.mu.Lock()
	if b.pending {
		b.mu.Unlock()
		b.k.log.Warn("press ignored: a ticket for this button is still being printed", logService, b.service)
		return
	}
	b.pending = true
	b.mu.Unlock()
	b.led.Set(true)
	prio := b.k.takePriority()
	req := &request{service: b.service, priority: prio, edge: p.Edge, done: make(chan Result, 1)}
	if !b.k.enqueue(req) {
		b.finish()
		return
	}
	go func() {
		<-req.done
		b.finish()
	}()
}

func (b *serviceButton) finish() {
	b.mu.Lock()
	b.pending = false
	b.mu.Unlock()
	b.led.Set(false)
}

// priorityButton arms a priority ticket for the next service press.
type priorityButton struct {
	k      *Kiosk
	kind   string
	window time.Duration
	pin    gpio.PinIn
	led    *button.LED

	mu    sync.Mutex
	until time.Time
	timer *time.Timer
}

func (p *priorityButton) press(button.Press) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.until = p.k.now().Add(p.window)
	if p.timer != nil {
		p.timer.Stop()
	}
	p.timer = time.AfterFunc(p.window, func() { p.take() })
	p.led.Set(true)
	p.k.update(func(s *State) { s.PriorityArmed = true })
}

// take returns the armed priority kind ("" if none) and disarms.
func (p *priorityButton) take() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	armed := !p.until.IsZero() && p.k.now().Before(p.until)
	p.until = time.Time{}
	if p.timer != nil {
		p.timer.Stop()
		p.timer = nil
	}
	p.led.Set(false)
	p.k.update(func(s *State) { s.PriorityArmed = false })
	if armed {
		return p.kind
	}
	return ""
}

func (k *Kiosk) takePriority() string {
	if k.prio == nil {
		return ""
	}
	return k.prio.take()
}

// enqueue hands a request to the ticket worker without blocking.
func (k *Kiosk) enqueue(r *request) bool {
	select {
	case k.requests <- r:
		return true
	default:
		k.log.Warn("ticket request dropped: too many waiting", logService, r.service)
		r.done <- Result{Reason: ReasonBusy, Err: errors.New("kiosk: too many ticket requests waiting")}
		return false
	}
}

// Take asks for a ticket as a press of a service button does (the touch
// page uses it) and waits for the outcome. priority is a priority kind or "".
func (k *Kiosk) Take(ctx context.Context, service, priority string) Result {
	return k.await(ctx, &request{service: service, priority: priority, edge: k.now(), done: make(chan Result, 1)})
}

// await hands req to the ticket worker and waits for its outcome.
func (k *Kiosk) await(ctx context.Context, req *request) Result {
	if !k.enqueue(req) {
		return <-req.done
	}
	select {
	case r := <-req.done:
		return r
	case <-ctx.Done():
		return Result{Reason: ReasonUnreachable, Err: ctx.Err()}
	}
}

// ticketWorker serves ticket requests one at a time: there is one printer.
// It beats for the watchdog after each ticket and while idle.
func (k *Kiosk) ticketWorker(ctx context.Context) {
	live := k.live.Worker("ticket worker", k.quietWorker())
	idle := time.NewTicker(5 * time.Second)
	defer idle.Stop()
	for {
		live.Beat()
		select {
		case <-idle.C:
		case <-ctx.Done():
			// Answer whatever still waits, so no button stays lit.
			for {
				select {
				case r := <-k.requests:
					r.done <- Result{Reason: ReasonUnreachable, Err: ctx.Err()}
				default:
					return
				}
			}
		case r := <-k.requests:
			if r.notice != nil {
				k.printNotice(ctx, *r.notice)
				r.done <- Result{Reason: ReasonBadCode, Err: errBadCode}
				continue
			}
			res := k.issueAndPrint(ctx, r)
			if res.Err != nil {
				k.log.Warn("no ticket", logService, r.service, logBooking, r.booking, logReason, res.Reason, logErr, res.Err)
			}
			if r.slip && res.Reason == ReasonRefused {
				k.printNotice(ctx, k.refusalNotice(res))
			}
			r.done <- res
		}
	}
}

// issueAndPrint is the ticket flow: printer status, issue (retried with the
// same idempotency key), print, status; a ticket that did not print is
// cancelled on the server.
func (k *Kiosk) issueAndPrint(ctx context.Context, r *request) Result {
	res := Result{Edge: r.edge}
	k.update(func(s *State) { s.Busy = true })
	defer k.update(func(s *State) { s.Busy = false })

	// 0. Not enrolled yet: nothing to issue with.
	if k.kioskToken() == "" {
		res.Reason, res.Err = ReasonNotEnrolled, errNotEnrolled
		return res
	}

	// 1. Can the printer print? If not, no ticket is issued at all.
	st, err := k.printer.Status()
	if err != nil || !st.OK() {
		res.Reason, res.Err = ReasonPrinter, err
		if err == nil {
			res.Err = errPrinter{st}
			if st.PaperOut || st.StoppedNoPaper {
				res.Reason = ReasonPaperOut
			}
		}
		k.printerState(st, err, res.Err)
		return res
	}
	k.printerState(st, nil, nil)

	// 2. Issue (or check the booking in), retrying with the same key while
	// the server does not answer.
	key := newKey()
	var t *hallq.Ticket
	if r.booking != "" {
		t, err = k.checkIn(ctx, r.booking)
	} else {
		t, err = k.issue(ctx, r, key)
	}
	if err != nil {
		res.Err = err
		res.Reason = ReasonRefused
		if hallclient.Transient(err) || ctx.Err() != nil {
			res.Reason = ReasonUnreachable
		}
		res.ServerReason = hallq.ErrorReason(err)
		if r.booking != "" {
			res.ServerReason = checkInRefusal(err)
		}
		res.Message = hallq.ErrorMessage(err)
		res.Service = hallq.ErrorService(err)
		return res
	}

	// 3. Print, and check the printer again.
	job, err := k.layout.Ticket(k.printable(t))
	if err == nil {
		res.Printing = k.now()
		err = k.printer.Print(ctx, job)
	}
	if err != nil {
		res.Reason, res.Err = ReasonPrintFailed, err
		k.printFailed(ctx, t, key, err)
		return res
	}
	res.Ticket = t
	k.confirmPrinted(ctx, t)
	k.update(func(s *State) {
		s.Printed++
		s.LastTicket = t.Label
		s.Fault, s.PrintFailed, s.PaperOut, s.LastError = false, false, false, ""
	})
	k.log.Info("ticket printed", logTicket, t.Label, logService, t.Service)
	return res
}

// issue posts the ticket request until the server answers or the issue
// deadline passes. If the server may have issued a ticket that the kiosk
// never learnt of, the key is kept so the ticket is cancelled later.
func (k *Kiosk) issue(ctx context.Context, r *request, key string) (*hallq.Ticket, error) {
	ctx, cancel := context.WithTimeout(ctx, k.cfg.IssueDeadline)
	defer cancel()
	req := hallq.TicketRequest{Service: r.service, Priority: r.priority, IdempotencyKey: key, HoldS: k.holdSeconds()}
	wait := k.retry
	maybeSent := false
	for {
		token := k.kioskToken()
		t, err := k.client.Issue(ctx, token, req)
		k.reached(err)
		k.refused(k.id, token, err)
		if err == nil {
			return t, nil
		}
		if !hallclient.Transient(err) {
			return nil, err
		}
		maybeSent = maybeSent || !refusedConnection(err)
		k.log.Warn("ticket request not answered; retrying with the same key", logService, r.service, logErr, err)
		if ctx.Err() != nil || !pause.For(ctx, wait) {
			if maybeSent {
				k.keepCancel(outbox.Cancel{Key: key, Service: r.service, Priority: r.priority, Reason: ReasonPrintFailed})
			}
			return nil, err
		}
		wait = min(2*wait, k.maxWait)
	}
}

// printHoldMargin is added to the printer's own time limits in the hold
// the kiosk asks for: rendering, the round trip and a busy Pi.
const printHoldMargin = 5 * time.Second

// holdSeconds is how long the server should keep a new ticket from being
// called while this kiosk prints it: the longest a print can take before
// the printer link gives up (the job's write, then the four status
// queries), plus a margin. Within it the kiosk either confirms the print or
// cancels the ticket, so an idle counter never calls a number that did not
// come out of the printer.
func (k *Kiosk) holdSeconds() int {
	p := k.cfg.Printer
	d := p.WriteTimeout + 4*p.ReadTimeout + printHoldMargin
	return int(min(d, hallq.MaxPrintHold).Round(time.Second) / time.Second)
}

// confirmPrinted tells the server the ticket came out, so counters may call
// it. When the server cannot be told, the hold lapses by itself and the
// ticket is called in its turn a few seconds later: nothing is lost, so
// this is tried once and logged.
func (k *Kiosk) confirmPrinted(ctx context.Context, t *hallq.Ticket) {
	if t.HeldUntil == nil {
		return // an older server, or an answer to a retried request whose hold is over
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), k.cfg.Timeout)
	defer cancel()
	token := k.kioskToken()
	_, err := k.client.Printed(cctx, token, t.ID)
	k.reached(err)
	k.refused(k.id, token, err)
	if err != nil {
		k.log.Warn("could not confirm a printed ticket; it is called once its hold ends", logTicket, t.Label,
			"held_until", t.HeldUntil.Format(time.TimeOnly), logErr, err)
	}
}

// refusedConnection reports whether err is a failure to connect, so the
// server cannot have seen the request.
func refusedConnection(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// printFailed cancels a ticket that did not print, lights the fault lamp
// and says why.
func (k *Kiosk) printFailed(ctx context.Context, t *hallq.Ticket, key string, err error) {
	why := err.Error()
	k.log.Error("ticket did not print: cancelling it on the server", logTicket, t.Label, logErr, err)
	st, serr := k.printer.Status()
	k.update(func(s *State) {
		s.Failed++
		s.Fault, s.PrintFailed = true, true
		s.LastError = fmt.Sprintf("ticket %s did not print (%s): cancelled", t.Label, why)
		if serr == nil {
			s.Printer = st.String()
			s.PaperOut = st.PaperOut || st.StoppedNoPaper
		}
	})
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), k.cfg.Timeout)
	defer cancel()
	token := k.kioskToken()
	_, cerr := k.client.Cancel(cctx, token, t.ID, ReasonPrintFailed)
	k.reached(cerr)
	k.refused(k.id, token, cerr)
	if cerr == nil || !hallclient.Transient(cerr) {
		if cerr != nil {
			k.log.Error("cancelling an unprinted ticket failed", logTicket, t.Label, logErr, cerr)
		}
		return
	}
	k.keepCancel(outbox.Cancel{TicketID: t.ID, Key: key, Service: t.Service, Priority: t.Priority, Reason: ReasonPrintFailed})
}

// printerState records a printer status (or the failure to get one); why
// is the problem that stopped a ticket, if any.
func (k *Kiosk) printerState(st status.Status, err, why error) {
	k.update(func(s *State) {
		if err != nil {
			s.Printer = "no answer"
			s.Fault = true
			s.LastError = "printer: " + err.Error()
			return
		}
		s.Printer = st.String()
		s.PaperOut = st.PaperOut || st.StoppedNoPaper
		s.PaperLow = st.PaperNearEnd
		switch {
		case why != nil:
			s.Fault = true
			s.LastError = why.Error()
		case !st.OK():
			s.Fault = true
			s.LastError = "printer: " + st.String()
		default:
			// A ticket that did not print keeps the lamp lit until the
			// next one prints, so somebody looks at the printer.
			s.Fault = s.PrintFailed
		}
	})
}

// printable fills a printer.Ticket from the server's ticket and the hall view.
func (k *Kiosk) printable(t *hallq.Ticket) printer.Ticket {
	h := k.hall.get()
	pt := printer.Ticket{
		Label: t.Label, Number: t.Number, IssuedAt: t.IssuedAt, Ahead: t.WaitingAhead,
		EstimatedWaitSeconds: t.EstimatedWaitS, StatusURL: t.StatusURL,
		Footer: k.cfg.Footer, Language: k.cfg.Language, ServiceVI: t.Service, ServiceEN: t.Service,
	}
	if t.SlotAt != nil {
		pt.SlotAt = *t.SlotAt
	}
	if h != nil {
		pt.Hall = h.Hall.Name
		for _, s := range h.Services {
			if s.Code == t.Service {
				pt.ServiceVI, pt.ServiceEN = s.NameVI, s.NameEN
			}
		}
	}
	return pt
}
