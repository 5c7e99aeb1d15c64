package sim

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/hallq/hallq/printer/codepage"
	"github.com/hallq/hallq/printer/decode"
	"github.com/hallq/hallq/printer/raster"
	"github.com/hallq/hallq/printer/transport"
)

// Printer is a simulated ticket printer: it answers DLE EOT status
// queries, can run out of paper, and saves each ticket (everything up to a
// cut) as a PNG in Dir through the ESC/POS decoder. It keeps only the
// ticket being received, so memory stays flat however many it prints.
type Printer struct {
	Dir   string
	Width int
	Fonts *raster.Fonts
	// Pages are the printer's code pages by ESC t number (nil: Epson's).
	Pages  map[int]*codepage.Charset
	Logger *slog.Logger

	mu       sync.Mutex
	changed  chan struct{}
	paperOut bool
	job      []byte
	replies  []byte
	dle      int
	n        int // tickets saved
	last     string
	jobs     chan []byte
	done     chan struct{}
}

// NewPrinter starts a printer that saves tickets in dir.
func NewPrinter(dir string, width int, fonts *raster.Fonts, logger *slog.Logger) (*Printer, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	p := &Printer{Dir: dir, Width: width, Fonts: fonts, Logger: logger, changed: make(chan struct{}),
		jobs: make(chan []byte, 4), done: make(chan struct{})}
	go p.render()
	return p, nil
}

// Close stops saving (after the tickets already received).
func (p *Printer) Close() {
	close(p.jobs)
	<-p.done
}

// SetPaper puts paper in (true) or takes it out.
func (p *Printer) SetPaper(in bool) {
	p.mu.Lock()
	p.paperOut = !in
	close(p.changed)
	p.changed = make(chan struct{})
	p.mu.Unlock()
}

// Saved returns how many tickets were saved and the last file.
func (p *Printer) Saved() (int, string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n, p.last
}

// Conn returns a connection for kiosk.Deps.Dial.
func (p *Printer) Conn(opt transport.Options) transport.Conn {
	if opt.ReadTimeout <= 0 {
		opt.ReadTimeout = time.Second
	}
	if opt.WriteTimeout <= 0 {
		opt.WriteTimeout = 5 * time.Second
	}
	return &simConn{p: p, opt: opt}
}

type simConn struct {
	p   *Printer
	opt transport.Options
}

var errTimeout = fmt.Errorf("sim: printer out of paper, not taking data: %w", errors.Join(transport.ErrTimeout, os.ErrDeadlineExceeded))

func (c *simConn) Write(b []byte) (int, error) {
	p := c.p
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, x := range b {
		switch {
		case p.dle == 2 && x >= 1 && x <= 4:
			p.replies = append(p.replies, p.reply(x))
			p.dle = 0
			continue
		case x == 0x10:
			p.dle = 1
		case p.dle == 1 && x == 0x04:
			p.dle = 2
		default:
			p.dle = 0
		}
		if p.paperOut && p.dle == 0 {
			return i, errTimeout
		}
		p.job = append(p.job, x)
		if n := len(p.job); n >= 3 && p.job[n-3] == 0x1D && p.job[n-2] == 'V' {
			job := p.job
			p.job = nil
			p.mu.Unlock()
			p.jobs <- job
			p.mu.Lock()
		}
	}
	close(p.changed)
	p.changed = make(chan struct{})
	return len(b), nil
}

// reply is the answer of a ready printer (or one without paper) to DLE EOT n.
func (p *Printer) reply(n byte) byte {
	b := byte(0x12)
	switch {
	case n == 1:
		b |= 0x04
		if p.paperOut {
			b |= 0x08
		}
	case n == 2 && p.paperOut:
		b |= 0x20
	case n == 4 && p.paperOut:
		b |= 0x60
	}
	return b
}

func (c *simConn) Read(b []byte) (int, error) {
	p := c.p
	deadline := time.NewTimer(c.opt.ReadTimeout)
	defer deadline.Stop()
	for {
		p.mu.Lock()
		if len(p.replies) > 0 {
			n := copy(b, p.replies)
			p.replies = p.replies[n:]
			p.mu.Unlock()
			return n, nil
		}
		ch := p.changed
		p.mu.Unlock()
		select {
		case <-ch:
		case <-deadline.C:
			return 0, fmt.Errorf("sim: no reply: %w", errors.Join(transport.ErrTimeout, os.ErrDeadlineExceeded))
		}
	}
}

func (c *simConn) Close() error { return nil }

// render saves each job as ticket-NNNN.png.
func (p *Printer) render() {
	defer close(p.done)
	for job := range p.jobs {
		p.mu.Lock()
		p.n++
		name := filepath.Join(p.Dir, fmt.Sprintf("ticket-%04d.png", p.n))
		p.mu.Unlock()
		if err := p.save(job, name); err != nil {
			p.Logger.Error("sim printer: saving a ticket", "err", err)
			continue
		}
		p.mu.Lock()
		p.last = name
		p.mu.Unlock()
		p.Logger.Info("sim printer: ticket saved", "file", name)
	}
}

func (p *Printer) save(job []byte, name string) error {
	if p.Fonts == nil {
		return os.WriteFile(name[:len(name)-len(".png")]+".bin", job, 0o644)
	}
	res, err := decode.Render(job, decode.Options{Width: p.Width, Fonts: p.Fonts, Pages: p.Pages})
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := res.WritePNG(&buf); err != nil {
		return err
	}
	return os.WriteFile(name, buf.Bytes(), 0o644)
}

var _ io.ReadWriteCloser = (*simConn)(nil)
