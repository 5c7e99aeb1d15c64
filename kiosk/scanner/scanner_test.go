package scanner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hallq/hallq/internal/ptytest"

	"github.com/hallq/hallq/printer/transport"
)

// lines collects what a reader hands on.
type lines struct {
	mu  sync.Mutex
	got []string
	ch  chan string
}

func newLines() *lines { return &lines{ch: make(chan string, 100)} }

func (l *lines) add(s string) {
	l.mu.Lock()
	l.got = append(l.got, s)
	l.mu.Unlock()
	l.ch <- s
}

// next waits for the next line (a generous bound: it only ends a test
// that fails anyway).
func (l *lines) next(t *testing.T) string {
	t.Helper()
	select {
	case s := <-l.ch:
		return s
	case <-time.After(30 * time.Second):
		t.Fatal("no line from the scanner")
		return ""
	}
}

// TestSerialScanner: a scanner on a serial port (a pty here) sends codes
// ended by CR, LF or CR LF, with control characters around some; the kiosk
// gets each code once, trimmed, in order, and a line too long is dropped.
func TestSerialScanner(t *testing.T) {
	m, path := ptytest.Open(t)
	r, err := Open(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx, cancel := context.WithCancel(context.Background())
	got := newLines()
	done := make(chan error, 1)
	go func() { done <- Read(ctx, r, got.add) }()

	long := strings.Repeat("X", MaxLine+10)
	if _, err := m.WriteString("K7M2QX\r\n" + "\x02AB12CD\x03\r" + "\n\n  ZZ9ZZ9 \n" + long + "\r\nQQ11QQ\n"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"K7M2QX", "AB12CD", "ZZ9ZZ9", "QQ11QQ"} {
		if s := got.next(t); s != want {
			t.Errorf("got %q, want %q", s, want)
		}
	}
	cancel()
	r.Close()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Read did not stop when its port closed")
	}
}

// timeoutReader gives its chunks, then times out once between them, as a
// port that fell silent does.
type timeoutReader struct{ chunks []string }

func (r *timeoutReader) Read(p []byte) (int, error) {
	if len(r.chunks) == 0 {
		return 0, io.EOF
	}
	c := r.chunks[0]
	r.chunks = r.chunks[1:]
	if c == "" {
		return 0, fmt.Errorf("read: %w", errTimeout{})
	}
	return copy(p, c), nil
}

type errTimeout struct{}

func (errTimeout) Error() string { return "timed out" }
func (errTimeout) Is(target error) bool {
	return target == transport.ErrTimeout
}

// TestFragmentDropped: what was left of a line when the port fell silent
// is not glued to the next code.
func TestFragmentDropped(t *testing.T) {
	got := newLines()
	r := &timeoutReader{chunks: []string{"K7M", "", "AB12CD\n"}}
	if err := Read(context.Background(), r, got.add); err != nil {
		t.Fatal(err)
	}
	if len(got.got) != 1 || got.got[0] != "AB12CD" {
		t.Errorf("got %q, want only AB12CD", got.got)
	}
}

// TestWatchReopens: a scanner not plugged in yet, then unplugged and
// plugged in again, is read each time it is there, and the kiosk is told
// each time whether it reads.
func TestWatchReopens(t *testing.T) {
	var mu sync.Mutex
	opens := 0
	open := func() (io.ReadCloser, error) {
		mu.Lock()
		defer mu.Unlock()
		opens++
		switch opens {
		case 1:
			return nil, errors.New("open /dev/ttyACM0: no such file or directory")
		case 2:
			return io.NopCloser(strings.NewReader("FIRST1\n")), nil // then EOF: unplugged
		default:
			pr, pw := io.Pipe()
			go pw.Write([]byte("SECOND\n"))
			return pr, nil
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := newLines()
	done := make(chan struct{})
	var states []string
	go func() {
		Watch(ctx, "/dev/ttyACM0", open, slog.New(slog.DiscardHandler), got.add, func(err error) {
			mu.Lock()
			defer mu.Unlock()
			states = append(states, fmt.Sprint(err))
		})
		close(done)
	}()
	if a, b := got.next(t), got.next(t); a != "FIRST1" || b != "SECOND" {
		t.Errorf("got %q then %q, want FIRST1 then SECOND", a, b)
	}
	mu.Lock()
	told := strings.Join(states, "; ")
	mu.Unlock()
	if want := "open /dev/ttyACM0: no such file or directory; <nil>; EOF; <nil>"; told != want {
		t.Errorf("the kiosk was told %q, want %q", told, want)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Watch did not stop with its context")
	}
}
