package kiosk

import (
	"fmt"

	"github.com/hallq/hallq/kiosk/config"
	"github.com/hallq/hallq/printer"
	"github.com/hallq/hallq/printer/raster"
)

// NewLayout loads the configured fonts (unless the printer prints only in
// its code page) and builds the ticket layout, checking that extra texts
// (the hall's name, the footer) can be printed.
func NewLayout(p config.Printer, extra ...string) (*printer.Layout, *raster.Fonts, error) {
	var fonts *raster.Fonts
	if p.Profile.Mode != printer.CodePage {
		f, err := raster.Load(p.Font, p.BoldFont)
		if err != nil {
			return nil, nil, fmt.Errorf("kiosk: fonts: %w", err)
		}
		fonts = f
	}
	// The check-in slips are printed too: their letters must be there.
	l, err := printer.NewLayout(p.Profile, fonts, append(extra, noticeTexts()...)...)
	if err != nil {
		return nil, nil, fmt.Errorf("kiosk: %w", err)
	}
	return l, fonts, nil
}
