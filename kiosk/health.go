package kiosk

import (
	"context"
	"sync"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/hallclient"
	"github.com/hallq/hallq/internal/pause"
	"github.com/hallq/hallq/kiosk/outbox"
)

// hallCache keeps the last hall view: the hall's name and service names
// for tickets, queues for the touch page.
type hallCache struct {
	mu sync.Mutex
	h  *hallq.HallView
	at time.Time
}

func (c *hallCache) get() *hallq.HallView {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.h
}

func (c *hallCache) set(h *hallq.HallView, at time.Time) {
	c.mu.Lock()
	c.h, c.at = h, at
	c.mu.Unlock()
}

// Hall returns the hall view, fetched afresh when older than maxAge; when
// the server does not answer it returns the last one known (nil if none)
// with the error.
func (k *Kiosk) Hall(ctx context.Context, maxAge time.Duration) (*hallq.HallView, error) {
	k.hall.mu.Lock()
	h, at := k.hall.h, k.hall.at
	k.hall.mu.Unlock()
	if h != nil && k.now().Sub(at) < maxAge {
		return h, nil
	}
	return k.refreshHall(ctx)
}

func (k *Kiosk) refreshHall(ctx context.Context) (*hallq.HallView, error) {
	token := k.kioskToken()
	h, err := k.client.Hall(ctx, token)
	k.reached(err)
	k.refused(k.id, token, err)
	if err != nil {
		return k.hall.get(), err
	}
	if k.layout != nil {
		texts := []string{h.Hall.Name}
		for _, s := range h.Services {
			texts = append(texts, s.NameVI, s.NameEN)
		}
		if err := k.layout.Check(texts...); err != nil {
			k.log.Error("the printer cannot print a name the hall uses", logErr, err)
		}
	}
	k.hall.set(h, k.now())
	return h, nil
}

// hallLoop keeps the hall view fresh, and probes the server quickly while
// it is unreachable so the lamp goes out soon after it returns.
func (k *Kiosk) hallLoop(ctx context.Context) {
	for {
		_, err := k.refreshHall(ctx)
		next := 30 * time.Second
		if err != nil {
			next = 2 * time.Second
		}
		if !pause.For(ctx, next) {
			return
		}
	}
}

// superviseprinter asks the idle printer for its state now and then, so
// the paper and fault lamps tell the truth before anyone presses.
func (k *Kiosk) superviseprinter(ctx context.Context) {
	for {
		st, err := k.printer.Status()
		k.printerState(st, err, nil)
		if !pause.For(ctx, k.cfg.Printer.StatusEvery) {
			return
		}
	}
}

// Health is what a kiosk reports in its heartbeat.
type Health struct {
	Version    string `json:"version"`
	Kind       string `json:"kind"` // "kiosk" or "pad"
	Printer    string `json:"printer,omitempty"`
	Paper      string `json:"paper,omitempty"` // ok, near_end, out
	Fault      bool   `json:"fault"`
	LastError  string `json:"last_error,omitempty"`
	Outbox     int    `json:"outbox"`  // rating presses not yet delivered
	Cancels    int    `json:"cancels"` // cancellations not yet delivered
	Printed    int    `json:"printed"`
	Failed     int    `json:"failed"`
	UptimeS    int64  `json:"uptime_s"`
	LastTicket string `json:"last_ticket,omitempty"`
	// Scanner is "ok" while the serial QR scanner reads, else why not.
	Scanner string `json:"scanner,omitempty"`
}

// health builds the report.
func (k *Kiosk) health(ctx context.Context) Health {
	s := k.State()
	h := Health{Version: k.version, Kind: "kiosk", Printer: s.Printer, Fault: s.Fault, LastError: s.LastError,
		Printed: s.Printed, Failed: s.Failed, UptimeS: int64(k.now().Sub(k.started) / time.Second), LastTicket: s.LastTicket,
		Scanner: s.Scanner}
	switch {
	case k.layout == nil:
		h.Printer = ""
	case s.PaperOut:
		h.Paper = "out"
	case s.PaperLow:
		h.Paper = "near_end"
	default:
		h.Paper = "ok"
	}
	if n, c, err := k.out.Len(ctx); err == nil {
		h.Outbox, h.Cancels = n, c
	}
	return h
}

// heartbeatLoop reports health with the kiosk token and each pad's token.
func (k *Kiosk) heartbeatLoop(ctx context.Context) {
	if !pause.For(ctx, time.Second) { // let the printer be asked first
		return
	}
	for {
		h := k.health(ctx)
		if token := k.kioskToken(); token != "" {
			err := k.client.Heartbeat(ctx, token, h)
			k.reached(err)
			k.refused(k.id, token, err)
		}
		for _, p := range k.pads {
			token := p.id.Token()
			if token == "" {
				continue // not enrolled yet
			}
			ph := Health{Version: k.version, Kind: "pad", UptimeS: h.UptimeS}
			if ps, err := k.out.Pending(ctx, p.device, 1000); err == nil {
				ph.Outbox = len(ps)
			}
			err := k.client.Heartbeat(ctx, token, ph)
			k.reached(err)
			k.refused(p.id, token, err)
		}
		if !pause.For(ctx, k.cfg.Heartbeat) {
			return
		}
	}
}

// keepCancel stores a cancellation to deliver later.
func (k *Kiosk) keepCancel(c outbox.Cancel) {
	c.Created = k.now()
	if _, err := k.out.AddCancel(context.Background(), c); err != nil {
		k.log.Error("cannot keep a cancellation for later", logTicket, c.TicketID, logErr, err)
	}
}

// cancelLoop delivers kept cancellations: tickets that did not print while
// the server was unreachable, and requests whose answer never came.
func (k *Kiosk) cancelLoop(ctx context.Context) {
	wait := k.retry
	for {
		cs, err := k.out.Cancels(ctx)
		if err != nil && ctx.Err() == nil {
			k.log.Error("reading kept cancellations", logErr, err)
		}
		failed := false
		for _, c := range cs {
			if !k.deliverCancel(ctx, c) {
				failed = true
				break
			}
		}
		next := 5 * time.Second
		if failed {
			next = wait
			wait = min(2*wait, k.maxWait)
		} else {
			wait = k.retry
		}
		if !pause.For(ctx, next) {
			return
		}
	}
}

// deliverCancel carries out one kept cancellation; false if the server
// did not answer.
func (k *Kiosk) deliverCancel(ctx context.Context, c outbox.Cancel) bool {
	if c.TicketID == "" {
		// Learn what the server did with the request: the same key answers
		// the same ticket (or issues one now, which is cancelled at once).
		token := k.kioskToken()
		if token == "" {
			return false // not enrolled (any more): keep it for later
		}
		t, err := k.client.Issue(ctx, token, hallq.TicketRequest{Service: c.Service, Priority: c.Priority, IdempotencyKey: c.Key})
		k.reached(err)
		k.refused(k.id, token, err)
		if err != nil {
			if hallclient.Transient(err) {
				return false
			}
			k.log.Info("kept cancellation dropped: the server issued nothing", logService, c.Service, logErr, err)
			return k.out.CancelDone(ctx, c.ID) == nil
		}
		c.TicketID = t.ID
		if err := k.out.SetCancelTicket(ctx, c.ID, t.ID); err != nil {
			k.log.Error("kept cancellation", logErr, err)
		}
	}
	token := k.kioskToken()
	if token == "" {
		return false
	}
	_, err := k.client.Cancel(ctx, token, c.TicketID, c.Reason)
	k.reached(err)
	k.refused(k.id, token, err)
	if err != nil && (hallclient.Transient(err) || hallq.ErrorCode(err) == hallq.EUNAUTHORIZED) {
		return false
	}
	if err != nil {
		// Already called, cancelled or gone: nothing left to do.
		k.log.Warn("kept cancellation not carried out", logTicket, c.TicketID, logErr, err)
	} else {
		k.log.Info("ticket cancelled", logTicket, c.TicketID, logReason, c.Reason)
	}
	return k.out.CancelDone(ctx, c.ID) == nil
}
