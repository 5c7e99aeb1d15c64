package printertest_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/hallq/hallq/printer/printertest"
	"github.com/hallq/hallq/printer/status"
	"github.com/hallq/hallq/printer/transport"
)

var opts = transport.Options{WriteTimeout: 200 * time.Millisecond, ReadTimeout: 200 * time.Millisecond}

func TestFaultsShowInStatus(t *testing.T) {
	tests := []struct {
		name  string
		fault printertest.Fault
		check func(status.Status) bool
	}{
		{"ready", 0, func(s status.Status) bool { return s.OK() && !s.PaperNearEnd }},
		{"paper near end", printertest.PaperNearEnd, func(s status.Status) bool { return s.OK() && s.PaperNearEnd }},
		{"paper out", printertest.PaperOut, func(s status.Status) bool { return !s.Online && s.PaperOut && s.StoppedNoPaper }},
		{"cover open", printertest.CoverOpen, func(s status.Status) bool { return !s.Online && s.CoverOpen }},
		{"offline", printertest.Offline, func(s status.Status) bool { return !s.Online && !s.PaperOut && !s.CoverOpen }},
		{"cutter error", printertest.CutterError, func(s status.Status) bool { return !s.Online && s.CutterError && s.Error }},
		{"unrecoverable", printertest.Unrecoverable, func(s status.Status) bool { return !s.Online && s.Unrecoverable }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := printertest.New()
			p.Set(tt.fault)
			s, err := status.Query(p.Conn(opts))
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(s) {
				t.Errorf("got %+v", s)
			}
			p.Clear(tt.fault)
			if s, err := status.Query(p.Conn(opts)); err != nil || !s.OK() {
				t.Errorf("after Clear: got %v, %v, want ready", s, err)
			}
		})
	}
}

func TestRecordsAndCounts(t *testing.T) {
	p := printertest.New()
	c := p.Conn(opts)
	job := []byte("\x1b@hello\n\x1dV\x01")
	if _, err := c.Write(job); err != nil {
		t.Fatal(err)
	}
	if got := p.Received(); !bytes.Equal(got, job) {
		t.Errorf("got % X, want % X", got, job)
	}
	if p.Cuts() != 1 {
		t.Errorf("got %d cuts, want 1", p.Cuts())
	}
	p.Reset()
	if len(p.Received()) != 0 {
		t.Error("Reset kept bytes")
	}
}

func TestStallMidPrint(t *testing.T) {
	p := printertest.New()
	p.StallAfter(1000)
	start := time.Now()
	n, err := p.Conn(opts).Write(make([]byte, 5000))
	if n != 1000 || !errors.Is(err, transport.ErrTimeout) {
		t.Fatalf("got %d, %v, want 1000 bytes and ErrTimeout", n, err)
	}
	// It gives up no earlier than its deadline; the upper bound, many
	// times it, only catches a hang.
	if d := time.Since(start); d < opts.WriteTimeout || d > 30*opts.WriteTimeout {
		t.Errorf("gave up after %v, want at least %v", d, opts.WriteTimeout)
	}
	if _, err := status.Query(p.Conn(opts)); !errors.Is(err, transport.ErrTimeout) {
		t.Errorf("stalled printer answered: %v", err)
	}
}

func TestPaperOutFillsBuffer(t *testing.T) {
	p := printertest.New()
	p.Set(printertest.PaperOut)
	n, err := p.Conn(opts).Write(make([]byte, 3*printertest.BufferSize))
	if n != printertest.BufferSize || !errors.Is(err, transport.ErrTimeout) {
		t.Fatalf("got %d, %v, want %d bytes then ErrTimeout", n, err, printertest.BufferSize)
	}
	p.Clear(printertest.PaperOut)
	if _, err := p.Conn(opts).Write(make([]byte, 10)); err != nil {
		t.Errorf("after paper is back: %v", err)
	}
}

// TestTCP drives the fake over a real socket through package transport.
func TestTCP(t *testing.T) {
	p := printertest.New()
	addr, err := p.Listen()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c, err := transport.Open("tcp:"+addr, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	p.Set(printertest.PaperNearEnd)
	s, err := status.Query(c)
	if err != nil || !s.PaperNearEnd || !s.Online {
		t.Fatalf("got %+v, %v", s, err)
	}
	p.Set(printertest.Stalled)
	start := time.Now()
	_, err = c.Write(make([]byte, 64<<20))
	if !errors.Is(err, transport.ErrTimeout) {
		t.Fatalf("got %v, want ErrTimeout", err)
	}
	t.Logf("stalled after %v", time.Since(start))
}

// TestOnTicketHandsOnEachCut: each ticket ends with its whole cut command
// (the feed cut's amount included), tickets come in order, and nothing is
// kept once handed on.
func TestOnTicketHandsOnEachCut(t *testing.T) {
	p := printertest.New()
	var got [][]byte
	p.OnTicket(func(b []byte) { got = append(got, b) })
	c := p.Conn(opts)
	first := []byte("A1\x1dV\x00")
	second := []byte("B2\x1b@\x1dVB\x00")
	// The second ticket in two writes, split inside its cut.
	for _, w := range [][]byte{first, second[:5], second[5:], []byte("C3")} {
		if _, err := c.Write(w); err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != 2 || !bytes.Equal(got[0], first) || !bytes.Equal(got[1], second) {
		t.Errorf("tickets %q, want %q and %q", got, first, second)
	}
	if n := len(p.Received()); n != 0 || p.Cuts() != 2 {
		t.Errorf("kept %d bytes and counted %d cuts, want none kept and 2", n, p.Cuts())
	}
}
