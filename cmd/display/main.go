// Command display shows the hall's calls on a screen without a browser — a
// terminal or the Pi's text console, a Linux framebuffer (a Raspberry Pi on
// HDMI) or a MAX7219 LED board on SPI — and says them through ALSA. A
// display without a token enrols itself: docs/INSTALL.md. See
// docs/DISPLAYS.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/hallq/hallq/display/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], cli.Env{Stdout: os.Stdout, Stderr: os.Stderr})
	stop()
	os.Exit(code)
}
