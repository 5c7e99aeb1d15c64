// Command kiosk runs a hallq kiosk on a Raspberry Pi: service buttons and
// a touch page that print tickets, rating and call pads at counters, all
// through periph.io. With -sim it runs on a laptop with simulated buttons
// and a printer that saves PNGs. See docs/KIOSK.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/hallq/hallq/kiosk/cli"
)

// memoryLimit is the Go runtime's soft memory limit: the kiosk's live heap
// is a few MB, and a Pi Zero 2 W has 512 MB for everything, so garbage is
// not left to pile up between collections. GOMEMLIMIT overrides it.
const memoryLimit = 20 << 20

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr})
	stop()
	os.Exit(code)
}
