// Package syncbuf is a byte buffer that a running command (or daemon) and
// its test may share: the command writes its output while the test reads
// what it has written so far.
package syncbuf

import (
	"bytes"
	"strings"
	"sync"
)

// Buffer is a bytes.Buffer safe for concurrent writes and reads. The zero
// value is empty and ready.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String is everything written so far.
func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Since is what was written from the last marker on (marker included), or
// everything when there is none: a terminal's current screen is what
// follows its last clear.
func (s *Buffer) Since(marker string) string {
	out := s.String()
	if i := strings.LastIndex(out, marker); i >= 0 {
		return out[i:]
	}
	return out
}
