package transport

import (
	"bytes"
	"errors"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/hallq/hallq/internal/ptytest"
)

const timeout = 300 * time.Millisecond

var opts = Options{WriteTimeout: timeout, ReadTimeout: timeout, DialTimeout: time.Second}

// stalls writes far more than any kernel buffer holds to a reader that
// never reads, and checks that the write fails with ErrTimeout rather than
// hanging. The data goes in pieces, so that the write that fails is timed
// alone: it must not give up before WriteTimeout without progress, and a
// bound many times that only catches a hang (a busy machine stretches the
// time it takes to fill the buffers before the stall).
func stalls(t *testing.T, c Conn, checkRead bool) {
	t.Helper()
	piece := bytes.Repeat([]byte{0x1B, '@', 'x'}, 64<<10/3)
	total := 0
	for total < 64<<20 {
		start := time.Now()
		n, err := c.Write(piece)
		took := time.Since(start)
		total += n
		if err == nil {
			continue
		}
		if !errors.Is(err, ErrTimeout) || !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("after %d bytes: %v, want ErrTimeout", total, err)
		}
		checkTimeout(t, "write", took)
		t.Logf("wrote %d bytes, then timed out after %v: %v", total, took, err)
		if checkRead {
			readTimesOut(t, c)
		}
		return
	}
	t.Fatalf("wrote %d bytes to a reader that never reads, without a timeout", total)
}

// checkTimeout: a timeout fired no earlier than its deadline, and not
// vastly later.
func checkTimeout(t *testing.T, op string, took time.Duration) {
	t.Helper()
	if took < timeout || took > 30*timeout {
		t.Errorf("%s failed after %v, want at least the timeout of %v (and well under %v)", op, took, timeout, 30*timeout)
	}
}

func readTimesOut(t *testing.T, c Conn) {
	t.Helper()
	start := time.Now()
	if _, err := c.Read(make([]byte, 16)); !errors.Is(err, ErrTimeout) {
		t.Errorf("read: got %v, want ErrTimeout", err)
	}
	checkTimeout(t, "read", time.Since(start))
}

// TestDeviceFileStalls stands in for /dev/usb/lp0 with a FIFO nobody reads.
func TestDeviceFileStalls(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lp0")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := OpenDevice(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// A FIFO opened read-write reads back what was written to it, so check
	// the read timeout before filling it.
	readTimesOut(t, c)
	stalls(t, c, false)
}

func TestDeviceMissing(t *testing.T) {
	_, err := OpenDevice(filepath.Join(t.TempDir(), "none"), opts)
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("got %v, want ErrNotExist", err)
	}
}

// TestSerialStalls uses a pseudo-terminal whose master stops reading, as a
// serial printer that holds its flow control.
func TestSerialStalls(t *testing.T) {
	m, slave := ptytest.Open(t)
	c, err := OpenSerial(slave, SerialConfig{Baud: 38400, Options: opts})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// While the master reads, bytes flow both ways.
	if _, err := c.Write([]byte("\x10\x04\x01")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 3)
	if _, err := m.Read(buf); err != nil || !bytes.Equal(buf, []byte{0x10, 0x04, 0x01}) {
		t.Fatalf("master got % X, %v", buf, err)
	}
	if _, err := m.Write([]byte{0x16}); err != nil {
		t.Fatal(err)
	}
	if n, err := c.Read(buf); err != nil || n != 1 || buf[0] != 0x16 {
		t.Fatalf("got % X, %v, want the status byte 16", buf[:n], err)
	}
	// Then it stops reading.
	stalls(t, c, true)
}

// TestTCPStalls uses a listener that accepts and never reads, as a network
// printer that stops taking data.
func TestTCPStalls(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
	}()
	c, err := Open("tcp:"+ln.Addr().String(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	peer := <-accepted
	defer peer.Close()
	stalls(t, c, true)
}

func TestOpenSpec(t *testing.T) {
	for _, spec := range []string{"serial:/nonexistent/tty,9600,rtscts", "/nonexistent/lp0"} {
		if _, err := Open(spec, opts); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: got %v, want ErrNotExist", spec, err)
		}
	}
	for _, spec := range []string{"serial:/dev/null,12345", "serial:/dev/null,9600,crossed"} {
		if _, err := Open(spec, opts); err == nil {
			t.Errorf("%s: got nil error", spec)
		}
	}
}
