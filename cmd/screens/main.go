// Command screens writes PNG screenshots of every hallq page at the sizes
// of the screens it runs on — hall TVs, kiosk touch screens, phones, staff
// desktops — from a demo hall it starts itself, into a folder
// (docs/screens by default). It needs Chromium.
//
//	go run ./cmd/screens [-o docs/screens] [-all] [-only hall]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"github.com/hallq/hallq/internal/screens"
)

func main() {
	dir := flag.String("o", "docs/screens", "folder for the PNGs")
	all := flag.Bool("all", false, "every page at every size of its kind (default: the set kept in docs/screens)")
	only := flag.String("only", "", "only the shots whose name contains this, e.g. kiosk or hall-tv-1920")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "screens: unexpected argument %q\n", flag.Arg(0))
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := screens.Run(ctx, screens.Options{Dir: *dir, All: *all, Only: *only, Log: os.Stdout}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
