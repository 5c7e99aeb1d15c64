// Command kiosk runs a hallq kiosk on a Raspberry Pi: service buttons and
// a touch page that print tickets, rating and call pads at counters, all
// through periph.io. With -sim it runs on a laptop with simulated buttons
// and a printer that saves PNGs. See docs/KIOSK.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/hallq/hallq/kiosk/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr})
	stop()
	os.Exit(code)
}
