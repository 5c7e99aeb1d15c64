// Package transport carries ESC/POS bytes to a printer over a USB device file
// (/dev/usb/lp0), a serial port or raw TCP port 9100.
//
// Every Write and Read has a timeout, because the failure that matters is a
// printer that stops taking data: the usblp driver blocks a write forever
// while the printer is out of paper, a serial printer holds its flow control,
// a network printer stops reading its socket. Files are opened non-blocking
// and served by Go's poller, so deadlines work on them as on sockets.
package transport

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// Conn is a connection to a printer. Write returns an error wrapping
// ErrTimeout when the printer stops taking data for Options.WriteTimeout; Read
// returns one when nothing arrives within Options.ReadTimeout.
type Conn interface {
	io.ReadWriteCloser
}

// ErrTimeout is wrapped by errors of a Write or Read that timed out. Such
// errors also match os.ErrDeadlineExceeded.
var ErrTimeout = errors.New("transport: printer timed out")

// Options are the timeouts of a connection.
type Options struct {
	// WriteTimeout is how long the printer may take to accept each 512
	// bytes of a Write; a Write that keeps making progress may take longer
	// in all (a 40 KB raster at 9600 baud takes 42 s). 0 means 5 s.
	WriteTimeout time.Duration
	// ReadTimeout bounds each Read. 0 means 1 s.
	ReadTimeout time.Duration
	// DialTimeout bounds connecting to a network printer. 0 means 5 s.
	DialTimeout time.Duration
}

func (o Options) withDefaults() Options {
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 5 * time.Second
	}
	if o.ReadTimeout <= 0 {
		o.ReadTimeout = time.Second
	}
	if o.DialTimeout <= 0 {
		o.DialTimeout = 5 * time.Second
	}
	return o
}

type timeoutError struct {
	op  string
	n   int
	err error
}

func (e *timeoutError) Error() string {
	return fmt.Sprintf("transport: %s timed out after %d bytes: printer not taking data (%v)", e.op, e.n, e.err)
}

func (e *timeoutError) Is(target error) bool {
	return target == ErrTimeout || target == os.ErrDeadlineExceeded
}

func (e *timeoutError) Unwrap() error { return e.err }

// deadliner is the part of *os.File and net.Conn that timed I/O needs.
type deadliner interface {
	io.ReadWriteCloser
	SetReadDeadline(time.Time) error
	SetWriteDeadline(time.Time) error
}

// timed applies Options to a deadliner.
type timed struct {
	c    deadliner
	opt  Options
	name string
}

// chunk is how much a write must deliver within WriteTimeout.
const chunk = 512

// Write writes all of p in chunks of 512 bytes, failing when a chunk is not
// taken within WriteTimeout of the previous one: the printer has stopped.
func (t *timed) Write(p []byte) (int, error) {
	done := 0
	for done < len(p) {
		end := min(done+chunk, len(p))
		if err := t.c.SetWriteDeadline(time.Now().Add(t.opt.WriteTimeout)); err != nil && !errors.Is(err, os.ErrNoDeadline) {
			return done, fmt.Errorf("transport: %s: %w", t.name, err)
		}
		n, err := t.c.Write(p[done:end])
		done += n
		if err == nil {
			continue
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return done, &timeoutError{op: "write to " + t.name, n: done, err: err}
		}
		return done, fmt.Errorf("transport: write to %s: %w", t.name, err)
	}
	return done, nil
}

// Read reads what the printer has sent, waiting at most ReadTimeout.
func (t *timed) Read(p []byte) (int, error) {
	if err := t.c.SetReadDeadline(time.Now().Add(t.opt.ReadTimeout)); err != nil && !errors.Is(err, os.ErrNoDeadline) {
		return 0, fmt.Errorf("transport: %s: %w", t.name, err)
	}
	n, err := t.c.Read(p)
	if err != nil && errors.Is(err, os.ErrDeadlineExceeded) {
		return n, &timeoutError{op: "read from " + t.name, n: n, err: err}
	}
	if err != nil && err != io.EOF {
		err = fmt.Errorf("transport: read from %s: %w", t.name, err)
	}
	return n, err
}

func (t *timed) Close() error {
	if err := t.c.Close(); err != nil {
		return fmt.Errorf("transport: close %s: %w", t.name, err)
	}
	return nil
}

// Open opens a printer named the way config files and cmd/escpos name them:
//
//	/dev/usb/lp0                   device file
//	serial:/dev/ttyUSB0            serial port, 38400 baud, no flow control
//	serial:/dev/ttyUSB0,115200,rtscts   (flow: none, xonxoff, rtscts)
//	tcp:192.168.1.50:9100          network printer (port 9100 if none)
func Open(device string, opt Options) (Conn, error) {
	switch {
	case strings.HasPrefix(device, "tcp:"):
		addr := strings.TrimPrefix(strings.TrimPrefix(device, "tcp:"), "//")
		if !strings.Contains(addr, ":") {
			addr += ":9100"
		}
		return DialTCP(addr, opt)
	case strings.HasPrefix(device, "serial:"):
		parts := strings.Split(strings.TrimPrefix(device, "serial:"), ",")
		cfg := SerialConfig{Options: opt}
		if len(parts) > 1 {
			b, err := strconv.Atoi(parts[1])
			if err != nil {
				return nil, fmt.Errorf("transport: baud rate %q: %w", parts[1], err)
			}
			cfg.Baud = b
		}
		if len(parts) > 2 {
			f, err := ParseFlow(parts[2])
			if err != nil {
				return nil, err
			}
			cfg.Flow = f
		}
		return OpenSerial(parts[0], cfg)
	default:
		return OpenDevice(device, opt)
	}
}
