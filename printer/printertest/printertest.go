// Package printertest provides a fake ESC/POS printer for tests.
//
// A Printer records every byte it takes, answers the real-time status query
// DLE EOT n (n 1–4) the way a real printer does — wherever the three bytes
// occur, even inside image data — and can be switched into each fault:
//
//	p := printertest.New()
//	conn := p.Conn(transport.Options{WriteTimeout: 200 * time.Millisecond})
//	p.Set(printertest.PaperOut) // replies now say "paper out"; after a
//	                            // buffer's worth of data, writes time out
//	p.StallAfter(1000)          // or: stop reading mid-print
//	got := p.Received()
//
// Conn gives an in-memory connection with the same timeout behaviour as
// package transport's; Listen serves the printer on a real TCP socket for
// code that opens "tcp:ADDR". OnTicket hands each ticket on as it is cut
// (the kiosk simulator saves them as pictures).
package printertest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"github.com/hallq/hallq/printer/transport"
)

// Fault is a set of printer faults.
type Fault uint

// Faults. PaperOut, CoverOpen, Offline, CutterError and Unrecoverable take
// the printer offline: it answers status queries, takes BufferSize more
// bytes, then stops taking data. Stalled stops it taking data at once,
// status queries included, as a hung printer or a blocked USB endpoint.
const (
	PaperNearEnd Fault = 1 << iota
	PaperOut
	CoverOpen
	Offline
	CutterError
	Unrecoverable
	Stalled
)

const offline = PaperOut | CoverOpen | Offline | CutterError | Unrecoverable

// BufferSize is how many bytes an offline printer still takes into its
// receive buffer before it stops reading.
const BufferSize = 4096

// Printer is a fake printer. It is safe for concurrent use.
type Printer struct {
	mu       sync.Mutex
	changed  chan struct{} // closed and replaced on every change
	fault    Fault
	received []byte
	out      []byte // replies not yet read
	cuts     int
	budget   int // bytes it takes before stalling; -1 unlimited
	dle      int // how many bytes of DLE EOT n have been seen
	gsv      int // how far into a cut command (GS V m [n]) it is
	closed   bool

	// With onTicket set, bytes go to ticket, not received; cut tickets
	// wait in ready until handed on outside mu, in order (deliverMu).
	onTicket  func([]byte)
	ticket    []byte
	ready     [][]byte
	deliverMu sync.Mutex

	ln    net.Listener
	conns map[net.Conn]bool
	wg    sync.WaitGroup
}

// New returns a ready printer with paper and no faults.
func New() *Printer {
	return &Printer{changed: make(chan struct{}), budget: -1, conns: map[net.Conn]bool{}}
}

func (p *Printer) notify() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// Set adds faults; Clear removes them. Going offline gives the printer a
// fresh receive buffer of BufferSize bytes.
func (p *Printer) Set(f Fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fault&offline == 0 && f&offline != 0 && p.budget < 0 {
		p.budget = BufferSize
	}
	p.fault |= f
	p.notify()
}

// Clear removes faults. A printer back online takes data again.
func (p *Printer) Clear(f Fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fault &^= f
	if p.fault&offline == 0 {
		p.budget = -1
	}
	p.notify()
}

// OnTicket hands each ticket — the bytes from the end of the last cut to
// the end of this one's cut command — to fn, in order, from the goroutine
// that wrote it but outside the printer's lock (fn may block: the writer
// waits). From then on the printer keeps no more than the ticket being
// received (Received stays empty), so its memory stays flat however many
// tickets it prints.
func (p *Printer) OnTicket(fn func(ticket []byte)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.onTicket = fn
}

// StallAfter makes the printer stop taking data after n more bytes, as a
// printer that stops reading mid-print; Clear(Stalled) or StallAfter(-1)
// undoes it.
func (p *Printer) StallAfter(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.budget = n
	p.notify()
}

// Received returns a copy of every byte the printer has taken.
func (p *Printer) Received() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	return bytes.Clone(p.received)
}

// Cuts counts the cut commands (GS V) received: one per ticket.
func (p *Printer) Cuts() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cuts
}

// WaitCuts waits until the printer has received at least n cuts (tickets),
// for tests that write over a socket and must not look before the printer
// has read everything.
func (p *Printer) WaitCuts(n int, timeout time.Duration) error {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		p.mu.Lock()
		cuts, ch := p.cuts, p.changed
		p.mu.Unlock()
		if cuts >= n {
			return nil
		}
		select {
		case <-ch:
		case <-timer.C:
			return fmt.Errorf("printertest: %d cuts after %v, want %d", cuts, timeout, n)
		}
	}
}

// Reset forgets what was received and any unread replies; faults stay.
func (p *Printer) Reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.received, p.out, p.cuts, p.dle, p.gsv, p.ticket = nil, nil, 0, 0, 0, nil
}

// reply returns the byte a real printer sends for DLE EOT n.
func (p *Printer) reply(n byte) byte {
	f := p.fault
	b := byte(0x12)
	on := func(c bool, bits byte) {
		if c {
			b |= bits
		}
	}
	switch n {
	case 1:
		on(f&offline != 0, 0x08)
		b |= 0x04 // bit 2 is fixed at 1 in the n=1 reply
	case 2:
		on(f&CoverOpen != 0, 0x04)
		on(f&PaperOut != 0, 0x20)
		on(f&(CutterError|Unrecoverable) != 0, 0x40)
	case 3:
		on(f&CutterError != 0, 0x08)
		on(f&Unrecoverable != 0, 0x20)
	case 4:
		on(f&PaperNearEnd != 0, 0x0C)
		on(f&PaperOut != 0, 0x60)
	}
	return b
}

// take accepts as much of b as the printer will; p.mu must be held.
func (p *Printer) take(b []byte) int {
	n := 0
	for _, c := range b {
		if p.fault&Stalled != 0 || p.budget == 0 || p.closed {
			break
		}
		if p.budget > 0 {
			p.budget--
		}
		if p.onTicket != nil {
			p.ticket = append(p.ticket, c)
		} else {
			p.received = append(p.received, c)
		}
		n++
		switch {
		case p.dle == 2 && c >= 1 && c <= 4:
			p.out = append(p.out, p.reply(c))
			p.dle = 0
		case c == 0x10:
			p.dle = 1
		case p.dle == 1 && c == 0x04:
			p.dle = 2
		default:
			p.dle = 0
		}
		p.cut(c)
	}
	if n > 0 {
		p.notify()
	}
	return n
}

// cut follows cut commands — GS V m, or GS V m n for m 65 and 66 — and
// counts each; p.mu must be held. A ticket ends with its command's last
// byte.
func (p *Printer) cut(c byte) {
	switch {
	case p.gsv == 0 && c == 0x1D:
		p.gsv = 1
	case p.gsv == 1 && c == 'V':
		p.gsv = 2
		p.cuts++
	case p.gsv == 2 && (c == 65 || c == 66):
		p.gsv = 3 // a feed amount follows
	case p.gsv >= 2:
		p.gsv = 0
		if p.onTicket != nil {
			p.ready = append(p.ready, p.ticket)
			p.ticket = nil
		}
	case c == 0x1D:
		p.gsv = 1
	default:
		p.gsv = 0
	}
}

// deliver hands the tickets cut so far to the OnTicket function; p.mu must
// not be held.
func (p *Printer) deliver() {
	p.deliverMu.Lock()
	defer p.deliverMu.Unlock()
	p.mu.Lock()
	ready, fn := p.ready, p.onTicket
	p.ready = nil
	p.mu.Unlock()
	for _, t := range ready {
		fn(t)
	}
}

// timeoutErr matches transport.ErrTimeout and os.ErrDeadlineExceeded, as
// package transport's timeouts do.
func timeoutErr(op string, n int) error {
	return fmt.Errorf("printertest: %s timed out after %d bytes: %w", op, n, errors.Join(transport.ErrTimeout, os.ErrDeadlineExceeded))
}

// Conn returns a new in-memory connection to the printer with opt's
// timeouts (defaults as in package transport).
func (p *Printer) Conn(opt transport.Options) transport.Conn {
	if opt.WriteTimeout <= 0 {
		opt.WriteTimeout = 5 * time.Second
	}
	if opt.ReadTimeout <= 0 {
		opt.ReadTimeout = time.Second
	}
	return &conn{p: p, opt: opt}
}

type conn struct {
	p      *Printer
	opt    transport.Options
	closed bool
}

var errClosed = errors.New("printertest: connection closed")

func (c *conn) Write(b []byte) (int, error) {
	done := 0
	timer := time.NewTimer(c.opt.WriteTimeout)
	defer timer.Stop()
	for {
		c.p.mu.Lock()
		if c.closed || c.p.closed {
			c.p.mu.Unlock()
			return done, errClosed
		}
		n := c.p.take(b[done:])
		done += n
		ch := c.p.changed
		c.p.mu.Unlock()
		c.p.deliver()
		if done == len(b) {
			return done, nil
		}
		if n > 0 {
			timer.Reset(c.opt.WriteTimeout)
		}
		select {
		case <-ch:
		case <-timer.C:
			return done, timeoutErr("write", done)
		}
	}
}

func (c *conn) Read(b []byte) (int, error) {
	timer := time.NewTimer(c.opt.ReadTimeout)
	defer timer.Stop()
	for {
		c.p.mu.Lock()
		if c.closed || c.p.closed {
			c.p.mu.Unlock()
			return 0, io.EOF
		}
		if len(c.p.out) > 0 {
			n := copy(b, c.p.out)
			c.p.out = c.p.out[n:]
			c.p.mu.Unlock()
			return n, nil
		}
		ch := c.p.changed
		c.p.mu.Unlock()
		select {
		case <-ch:
		case <-timer.C:
			return 0, timeoutErr("read", 0)
		}
	}
}

func (c *conn) Close() error {
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	c.closed = true
	c.p.notify()
	return nil
}

// Listen serves the printer on a TCP port of 127.0.0.1 and returns its
// address, for "tcp:ADDR". The printer stops reading the socket while it is
// stalled, so the client's writes back up as with a real one. Close stops
// serving.
func (p *Printer) Listen() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("printertest: listen: %w", err)
	}
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			if p.closed {
				p.mu.Unlock()
				c.Close()
				return
			}
			p.conns[c] = true
			p.mu.Unlock()
			p.wg.Add(1)
			go p.serve(c)
		}
	}()
	return ln.Addr().String(), nil
}

func (p *Printer) serve(c net.Conn) {
	defer p.wg.Done()
	defer c.Close()
	buf := make([]byte, 4096)
	for {
		n, err := c.Read(buf)
		pending := buf[:n]
		for len(pending) > 0 {
			p.mu.Lock()
			if p.closed {
				p.mu.Unlock()
				return
			}
			k := p.take(pending)
			pending = pending[k:]
			out := p.out
			p.out = nil
			ch := p.changed
			p.mu.Unlock()
			p.deliver()
			if len(out) > 0 {
				if _, err := c.Write(out); err != nil {
					return
				}
			}
			if len(pending) > 0 {
				<-ch // stalled: stop reading until something changes
			}
		}
		if err != nil {
			return
		}
	}
}

// Close stops a Listen server and ends every connection.
func (p *Printer) Close() error {
	p.mu.Lock()
	p.closed = true
	ln := p.ln
	for c := range p.conns {
		c.Close()
	}
	p.notify()
	p.mu.Unlock()
	if ln != nil {
		ln.Close()
	}
	p.wg.Wait()
	return nil
}
