// Command escpos previews, renders and prints hallq's ESC/POS tickets.
//
//	escpos ticket [flags] -o t.png|t.bin   preview or produce a ticket from flags
//	escpos render [-width 576] capture.bin -o out.png   look at any ESC/POS capture
//	escpos print -device DEV -test         print a test page on a real printer
//	escpos status -device DEV              query a printer's status (DLE EOT)
//
// DEV is /dev/usb/lp0, serial:/dev/ttyUSB0[,BAUD[,FLOW]] or tcp:HOST[:PORT].
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := Run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "escpos:", err)
		os.Exit(1)
	}
}
