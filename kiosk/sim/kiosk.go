package sim

import (
	"context"
	"errors"
	"path/filepath"
	"sync"

	"github.com/hallq/hallq/kiosk"
	"github.com/hallq/hallq/kiosk/config"
	"github.com/hallq/hallq/kiosk/outbox"
	"github.com/hallq/hallq/printer"
	"github.com/hallq/hallq/printer/raster"
)

// Kiosk is the real kiosk daemon (package kiosk) on a simulated Board,
// with its rating outbox in a SQLite file, as the kiosk's tests and the
// hall simulator run it.
type Kiosk struct {
	K      *kiosk.Kiosk
	Board  *Board
	Outbox *outbox.Outbox
	stop   func() error
}

// StartKiosk runs the kiosk of cfg on simulated pins, its outbox in
// dir/outbox.db and its tickets laid out with fonts. deps gives the
// printer (Dial) and the rest; Layout and Outbox are filled in. It returns
// once the kiosk is ready; Stop ends it.
func StartKiosk(ctx context.Context, cfg *config.Config, dir string, fonts *raster.Fonts, deps kiosk.Deps) (*Kiosk, error) {
	board, err := NewBoard(cfg)
	if err != nil {
		return nil, err
	}
	layout, err := printer.NewLayout(cfg.Printer.Profile, fonts)
	if err != nil {
		board.Close()
		return nil, err
	}
	ob, err := outbox.Open(ctx, filepath.Join(dir, "outbox.db"))
	if err != nil {
		board.Close()
		return nil, err
	}
	deps.Layout, deps.Outbox = layout, ob
	k, err := kiosk.New(cfg, deps)
	if err != nil {
		ob.Close()
		board.Close()
		return nil, err
	}
	kctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan error, 1)
	go func() { done <- k.Run(kctx) }()
	var runErr error
	var once sync.Once
	stop := func() error {
		once.Do(func() {
			cancel()
			runErr = <-done
			ob.Close()
			board.Close()
		})
		return runErr
	}
	select {
	case <-k.Ready():
	case err := <-done:
		done <- err
		stop()
		return nil, errors.Join(errors.New("sim: the kiosk stopped before it was ready"), err)
	}
	return &Kiosk{K: k, Board: board, Outbox: ob, stop: stop}, nil
}

// Stop ends the kiosk, closes its outbox and board, and returns what its
// Run returned (nil when it ran until stopped).
func (k *Kiosk) Stop() error { return k.stop() }
