package transport

import (
	"fmt"
	"os"
	"syscall"
)

// OpenDevice opens a printer device file such as /dev/usb/lp0, read-write
// (reads carry DLE EOT replies where the printer's USB interface is
// bidirectional) and non-blocking, so that a write to a printer that is out
// of paper fails after the timeout instead of blocking forever.
func OpenDevice(path string, opt Options) (Conn, error) {
	f, err := os.OpenFile(path, os.O_RDWR|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, fmt.Errorf("transport: open %s: %w", path, err)
	}
	return &timed{c: f, opt: opt.withDefaults(), name: path}, nil
}
