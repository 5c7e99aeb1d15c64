// Command hallserver serves a hall: the queue, the event stream and the API.
// See the README, or run hallserver help.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/hallq/hallq/server/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr})
	stop()
	os.Exit(code)
}
