package transport

import (
	"fmt"
	"net"
)

// DialTCP connects to a network printer's raw port (usually 9100). Status
// replies come back on the same socket.
func DialTCP(addr string, opt Options) (Conn, error) {
	opt = opt.withDefaults()
	c, err := net.DialTimeout("tcp", addr, opt.DialTimeout)
	if err != nil {
		return nil, fmt.Errorf("transport: dial %s: %w", addr, err)
	}
	return &timed{c: c, opt: opt, name: addr}, nil
}
