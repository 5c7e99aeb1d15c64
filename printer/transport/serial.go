package transport

import (
	"fmt"
	"os"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// Flow is a serial port's flow control.
type Flow int

// Flow controls. Match the printer's DIP switches or memory switch.
const (
	FlowNone Flow = iota
	FlowXonXoff
	FlowRtsCts
)

// ParseFlow reads "none", "xonxoff" or "rtscts".
func ParseFlow(s string) (Flow, error) {
	switch strings.ToLower(s) {
	case "", "none":
		return FlowNone, nil
	case "xonxoff", "xon/xoff", "software":
		return FlowXonXoff, nil
	case "rtscts", "rts/cts", "hardware", "dtrdsr", "dtr/dsr":
		// Linux has one hardware handshake, CRTSCTS; a DTR/DSR printer is
		// wired to it with a cable that crosses DTR to CTS.
		return FlowRtsCts, nil
	}
	return 0, fmt.Errorf("transport: unknown flow control %q (want none, xonxoff or rtscts)", s)
}

// SerialConfig configures a serial printer: 8 data bits, no parity, 1 stop
// bit, as ESC/POS printers ship.
type SerialConfig struct {
	Baud int // 0 means 38400 (TM-T88IV's default)
	Flow Flow
	Options
}

var bauds = map[int]uint32{
	1200: unix.B1200, 2400: unix.B2400, 4800: unix.B4800, 9600: unix.B9600, 19200: unix.B19200,
	38400: unix.B38400, 57600: unix.B57600, 115200: unix.B115200, 230400: unix.B230400,
}

// OpenSerial opens and configures a serial port (raw, 8N1, the baud rate and
// flow control of cfg).
//
// It sets the termios itself rather than through go.bug.st/serial, whose
// Write blocks with no timeout: a printer holding its flow control would
// hang the kiosk. Here the descriptor is non-blocking and served by Go's
// poller, so writes and reads have deadlines like a socket.
func OpenSerial(path string, cfg SerialConfig) (Conn, error) {
	if cfg.Baud == 0 {
		cfg.Baud = 38400
	}
	speed, ok := bauds[cfg.Baud]
	if !ok {
		return nil, fmt.Errorf("transport: unsupported baud rate %d", cfg.Baud)
	}
	f, err := os.OpenFile(path, os.O_RDWR|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, fmt.Errorf("transport: open %s: %w", path, err)
	}
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("transport: %s: %w", path, err)
	}
	var terr error
	err = rc.Control(func(fd uintptr) { terr = configure(int(fd), speed, cfg.Flow) })
	if err == nil {
		err = terr
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("transport: configure %s: %w", path, err)
	}
	return &timed{c: f, opt: cfg.Options.withDefaults(), name: path}, nil
}

func configure(fd int, speed uint32, flow Flow) error {
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return err
	}
	// Raw mode, as cfmakeraw does.
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON | unix.IXOFF | unix.IXANY
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB | unix.CSTOPB | unix.CRTSCTS | unix.CBAUD
	t.Cflag |= unix.CS8 | unix.CREAD | unix.CLOCAL | speed
	t.Ispeed, t.Ospeed = speed, speed
	t.Cc[unix.VMIN], t.Cc[unix.VTIME] = 1, 0
	switch flow {
	case FlowXonXoff:
		t.Iflag |= unix.IXON | unix.IXOFF
	case FlowRtsCts:
		t.Cflag |= unix.CRTSCTS
	}
	return unix.IoctlSetTermios(fd, unix.TCSETS, t)
}
