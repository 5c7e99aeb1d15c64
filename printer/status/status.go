// Package status asks an ESC/POS printer for its state with the real-time
// DLE EOT n queries (n 1–4) and reads the replies, tolerating status bytes
// that arrive unasked.
package status

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// Status is a printer's state from the four DLE EOT replies.
type Status struct {
	Online         bool // n=1 bit 3 clear
	WaitingOnline  bool // n=1 bit 5
	FeedPressed    bool // n=1 bit 6
	CoverOpen      bool // n=2 bit 2
	FeedByButton   bool // n=2 bit 3
	StoppedNoPaper bool // n=2 bit 5: printing stopped because the paper ran out
	Error          bool // n=2 bit 6
	Recoverable    bool // n=3 bit 2
	CutterError    bool // n=3 bit 3
	Unrecoverable  bool // n=3 bit 5
	AutoRecover    bool // n=3 bit 6
	PaperNearEnd   bool // n=4 bits 2+3
	PaperOut       bool // n=4 bits 5+6
}

// OK reports whether the printer can print a ticket now.
func (s Status) OK() bool {
	return s.Online && !s.CoverOpen && !s.PaperOut && !s.StoppedNoPaper && !s.Error &&
		!s.CutterError && !s.Unrecoverable
}

func (s Status) String() string {
	var parts []string
	add := func(on bool, name string) {
		if on {
			parts = append(parts, name)
		}
	}
	add(s.Online, "online")
	add(!s.Online, "offline")
	add(s.CoverOpen, "cover open")
	add(s.PaperOut || s.StoppedNoPaper, "paper out")
	add(s.PaperNearEnd, "paper near end")
	add(s.CutterError, "cutter error")
	add(s.Unrecoverable, "unrecoverable error")
	add(s.Error && !s.CutterError && !s.Unrecoverable, "error")
	return strings.Join(parts, ", ")
}

// IsReply reports whether b has the form of a DLE EOT reply, 0xx1xx10.
func IsReply(b byte) bool { return b&0x93 == 0x12 }

// Apply records the reply b to DLE EOT n in s.
func (s *Status) Apply(n, b byte) error {
	if !IsReply(b) {
		return fmt.Errorf("status: %02X is not a DLE EOT reply", b)
	}
	bit := func(i uint) bool { return b&(1<<i) != 0 }
	switch n {
	case 1:
		s.Online = !bit(3)
		s.WaitingOnline = bit(5)
		s.FeedPressed = bit(6)
	case 2:
		s.CoverOpen = bit(2)
		s.FeedByButton = bit(3)
		s.StoppedNoPaper = bit(5)
		s.Error = bit(6)
	case 3:
		s.Recoverable = bit(2)
		s.CutterError = bit(3)
		s.Unrecoverable = bit(5)
		s.AutoRecover = bit(6)
	case 4:
		s.PaperNearEnd = bit(2) || bit(3)
		s.PaperOut = bit(5) || bit(6)
	default:
		return fmt.Errorf("status: DLE EOT %d does not exist", n)
	}
	return nil
}

// ErrNoReply is wrapped by Query's error when the printer does not answer:
// it is off, unplugged, or its USB interface is write-only.
var ErrNoReply = errors.New("status: printer did not answer DLE EOT")

// Query sends DLE EOT 1, 2, 3 and 4 on rw and reads each reply. rw's Read
// must time out (as transport.Conn's do). Bytes that are not replies are
// skipped, and so is a 4-byte automatic status back packet (first byte
// 0xx1xx00).
func Query(rw io.ReadWriter) (Status, error) {
	var s Status
	for n := byte(1); n <= 4; n++ {
		if _, err := rw.Write([]byte{0x10, 0x04, n}); err != nil {
			return s, fmt.Errorf("status: send DLE EOT %d: %w", n, err)
		}
		b, err := readReply(rw)
		if err != nil {
			return s, fmt.Errorf("%w %d: %w", ErrNoReply, n, err)
		}
		_ = s.Apply(n, b) // readReply returns only reply-shaped bytes
	}
	return s, nil
}

// readReply returns the next reply-shaped byte. It gives up after 64 stray
// bytes so that a printer streaming garbage cannot keep it reading.
func readReply(r io.Reader) (byte, error) {
	var buf [1]byte
	skip := 0
	for stray := 0; stray < 64; stray++ {
		if _, err := io.ReadFull(r, buf[:]); err != nil {
			return 0, err
		}
		b := buf[0]
		switch {
		case skip > 0:
			skip--
		case IsReply(b):
			return b, nil
		case b&0x93 == 0x10:
			skip = 3 // automatic status back: three more bytes follow
		}
	}
	return 0, errors.New("only stray bytes")
}
