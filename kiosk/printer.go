package kiosk

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/hallq/hallq/printer/status"
	"github.com/hallq/hallq/printer/transport"
)

// printerLink owns the connection to the ticket printer. Every use holds
// its lock, so a status query never interleaves with a print job. After any
// I/O error the connection is closed and opened afresh on next use, which
// also drops replies that arrived late.
type printerLink struct {
	dial func() (transport.Conn, error)

	mu   sync.Mutex
	conn transport.Conn
}

func (p *printerLink) open() (transport.Conn, error) {
	if p.conn != nil {
		return p.conn, nil
	}
	c, err := p.dial()
	if err != nil {
		return nil, fmt.Errorf("kiosk: open printer: %w", err)
	}
	p.conn = c
	return c, nil
}

func (p *printerLink) drop() {
	if p.conn != nil {
		p.conn.Close()
		p.conn = nil
	}
}

// Status asks the printer for its state.
func (p *printerLink) Status() (status.Status, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.statusLocked()
}

func (p *printerLink) statusLocked() (status.Status, error) {
	c, err := p.open()
	if err != nil {
		return status.Status{}, err
	}
	st, err := status.Query(c)
	if err != nil {
		p.drop()
	}
	return st, err
}

// errPrinter says why the printer cannot print.
type errPrinter struct{ st status.Status }

func (e errPrinter) Error() string { return "printer: " + e.st.String() }

// Print checks the printer, writes job, and checks it again: a nil error
// means the ticket came out.
func (p *printerLink) Print(ctx context.Context, job []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	c, err := p.open()
	if err != nil {
		return err
	}
	if _, err := c.Write(job); err != nil {
		p.drop()
		return fmt.Errorf("kiosk: print: %w", err)
	}
	st, err := p.statusLocked()
	if err != nil {
		return fmt.Errorf("kiosk: status after printing: %w", err)
	}
	if !st.OK() {
		return errPrinter{st}
	}
	return nil
}

// Close closes the connection.
func (p *printerLink) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.drop()
}

var errNoPaper = errors.New("kiosk: printer out of paper")
