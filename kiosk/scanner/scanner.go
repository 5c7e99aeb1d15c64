// Package scanner reads booking codes from a QR scanner on a serial port:
// a USB scanner in its serial (CDC ACM) mode appears as /dev/ttyACM0, an
// RS-232 one behind an adapter as /dev/ttyUSB0. Such a scanner sends what
// it read followed by CR, LF or both. The port is opened raw (8N1, no echo,
// no line editing) through printer/transport, which serves it with Go's
// poller and a read timeout, so a stop never waits on a blocked read.
package scanner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"
	"unicode"

	"github.com/hallq/hallq/internal/pause"
	"github.com/hallq/hallq/printer/transport"
)

// MaxLine is the longest line taken from a scanner; a longer one (a QR
// code of something else, or noise) is dropped whole.
const MaxLine = 512

// idle is how long a port may stay silent inside a line before the part
// read is dropped: a scanner sends a code in a few milliseconds, so a
// fragment this old is noise, or what was left when it was unplugged.
const idle = time.Second

// Open opens a scanner's serial port at baud (0 means 9600, the usual
// factory setting; a USB CDC ACM scanner ignores it).
func Open(path string, baud int) (io.ReadCloser, error) {
	if baud == 0 {
		baud = 9600
	}
	c, err := transport.OpenSerial(path, transport.SerialConfig{Baud: baud, Options: transport.Options{ReadTimeout: idle}})
	if err != nil {
		return nil, fmt.Errorf("scanner: %w", err)
	}
	return c, nil
}

// Read reads lines from r until it ends (io.EOF gives nil) or fails, and
// hands each non-empty line to fn, trimmed of spaces and control
// characters. A read that times out (transport.ErrTimeout) drops the part
// of a line read so far and goes on; ctx ending stops it at the next read.
func Read(ctx context.Context, r io.Reader, fn func(line string)) error {
	buf := make([]byte, 256)
	var line []byte
	tooLong := false
	for ctx.Err() == nil {
		n, err := r.Read(buf)
		for _, b := range buf[:n] {
			if b != '\r' && b != '\n' {
				if len(line) < MaxLine {
					line = append(line, b)
				} else {
					tooLong = true
				}
				continue
			}
			if s := clean(line); s != "" && !tooLong {
				fn(s)
			}
			line, tooLong = line[:0], false
		}
		switch {
		case err == nil:
		case errors.Is(err, transport.ErrTimeout):
			line, tooLong = line[:0], false
		case errors.Is(err, io.EOF):
			return nil
		default:
			return err
		}
	}
	return nil
}

// clean trims spaces and drops control characters (some scanners send a
// prefix or suffix such as STX/ETX, or a tab).
func clean(b []byte) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, string(b)))
}

// Watch keeps the scanner at path open and hands every line read to fn
// until ctx ends. A scanner unplugged or not there yet is opened again
// every few seconds (the error is logged once, then when it changes);
// open is Open, or a fake in tests. state, if not nil, is told when the
// port opens (nil) and why it is not reading.
func Watch(ctx context.Context, path string, open func() (io.ReadCloser, error), log *slog.Logger, fn func(line string), state func(error)) {
	if state == nil {
		state = func(error) {}
	}
	wait := 500 * time.Millisecond
	last := ""
	for ctx.Err() == nil {
		r, err := open()
		if err == nil {
			if last != "" {
				log.Info("QR scanner ready", "device", path)
			}
			last = ""
			state(nil)
			stop := context.AfterFunc(ctx, func() { r.Close() })
			err = Read(ctx, r, fn)
			stop()
			r.Close()
			if ctx.Err() != nil {
				return
			}
			if err == nil {
				err = io.EOF
			}
			wait = 500 * time.Millisecond
		}
		state(err)
		if msg := err.Error(); msg != last {
			log.Warn("QR scanner not reading; trying again", "device", path, "err", err)
			last = msg
		}
		if !pause.For(ctx, wait) {
			return
		}
		wait = min(2*wait, 5*time.Second)
	}
}
