package sim

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/hallq/hallq/printer/codepage"
	"github.com/hallq/hallq/printer/decode"
	"github.com/hallq/hallq/printer/printertest"
	"github.com/hallq/hallq/printer/raster"
	"github.com/hallq/hallq/printer/transport"
)

// Printer is a simulated ticket printer: the tests' fake printer
// (printertest), which answers DLE EOT status queries and can run out of
// paper, saving each ticket it cuts as a PNG in Dir through the ESC/POS
// decoder. It keeps only the ticket being received, so memory stays flat
// however many it prints.
type Printer struct {
	Dir   string
	Width int
	Fonts *raster.Fonts
	// Pages are the printer's code pages by ESC t number (nil: Epson's).
	Pages  map[int]*codepage.Charset
	Logger *slog.Logger

	fake *printertest.Printer
	jobs chan []byte
	done chan struct{}

	mu   sync.Mutex
	n    int // tickets saved
	last string
}

// NewPrinter starts a printer that saves tickets in dir.
func NewPrinter(dir string, width int, fonts *raster.Fonts, logger *slog.Logger) (*Printer, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	p := &Printer{Dir: dir, Width: width, Fonts: fonts, Logger: logger, fake: printertest.New(),
		jobs: make(chan []byte, 4), done: make(chan struct{})}
	p.fake.OnTicket(func(t []byte) { p.jobs <- t })
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
	if in {
		p.fake.Clear(printertest.PaperOut)
	} else {
		p.fake.Set(printertest.PaperOut)
	}
}

// Saved returns how many tickets were saved and the last file.
func (p *Printer) Saved() (int, string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n, p.last
}

// Conn returns a connection for kiosk.Deps.Dial, with opt's timeouts.
func (p *Printer) Conn(opt transport.Options) transport.Conn { return p.fake.Conn(opt) }

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
