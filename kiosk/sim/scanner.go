package sim

import (
	"errors"
	"io"
	"sync"
	"time"
)

// Scanner is a simulated QR scanner on a serial port: Scan sends a code
// ended by CR LF, as a real one does, down a pipe that the kiosk reads
// exactly as it reads the port (package kiosk/scanner).
type Scanner struct {
	mu     sync.Mutex
	w      *io.PipeWriter
	opened chan struct{} // closed once the kiosk has opened the port
}

func (s *Scanner) init() {
	if s.opened == nil {
		s.opened = make(chan struct{})
	}
}

// Open is the kiosk's side: it opens the "port" (Deps.Scanner).
func (s *Scanner) Open() (io.ReadCloser, error) {
	r, w := io.Pipe()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	if s.w != nil {
		s.w.Close()
	} else {
		close(s.opened)
	}
	s.w = w
	return r, nil
}

// openWait bounds how long Scan waits for a kiosk that is starting to open
// the port.
const openWait = 30 * time.Second

// Scan sends code as the scanner would after reading a QR code holding it.
// It returns once the kiosk has read it.
func (s *Scanner) Scan(code string) error {
	s.mu.Lock()
	s.init()
	opened := s.opened
	s.mu.Unlock()
	select {
	case <-opened:
	case <-time.After(openWait):
		return errors.New("sim: the kiosk has not opened the scanner (does it issue tickets?)")
	}
	s.mu.Lock()
	w := s.w
	s.mu.Unlock()
	_, err := io.WriteString(w, code+"\r\n")
	return err
}
